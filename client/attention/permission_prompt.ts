/**
 * Asking for notification permission once, after joining, with a sentence
 * saying why (the banner, `islands/_parts/NotifyBanner.tsx`): never on page
 * load, and never again after "Not now" (remembered in `localStorage`), nor
 * after the browser's own prompt was dismissed.
 */
import {
  computed,
  type ReadonlySignal,
  type Signal,
  signal,
} from "@preact/signals";
import type { NotifyPermission } from "../attention.ts";
import type { KeyValueStore } from "../saved_session.ts";

/** The `localStorage` key that remembers "Not now". */
export const PROMPT_KEY = "parley.notifications.prompt";

/** What the banner draws and calls. */
export interface NotificationPrompt {
  /** Whether the banner shows now. */
  readonly shown: ReadonlySignal<boolean>;
  /** Asks the browser for permission (from the banner's button: a gesture). */
  allow(): Promise<void>;
  /** Hides the banner for good. */
  notNow(): void;
}

/** What a prompt is built from. */
export interface PromptDeps {
  /** Whether the person has joined (the banner waits for that). */
  joined: ReadonlySignal<boolean>;
  /** The current permission; `allow` writes the browser's answer here. */
  permission: Signal<NotifyPermission>;
  /** `Notification.requestPermission`. */
  request(): Promise<NotificationPermission>;
  /** `localStorage`, or null where it is unavailable. */
  storage: KeyValueStore | null;
}

function read(storage: KeyValueStore | null): boolean {
  try {
    return storage?.getItem(PROMPT_KEY) === "dismissed";
  } catch {
    return false; // storage disabled for the site
  }
}

/** See the module doc. */
export function createNotificationPrompt(deps: PromptDeps): NotificationPrompt {
  const dismissed = signal(read(deps.storage));
  const remember = () => {
    dismissed.value = true;
    try {
      deps.storage?.setItem(PROMPT_KEY, "dismissed");
    } catch {
      // Then it is asked again next visit: no harm.
    }
  };
  return {
    shown: computed(() =>
      deps.joined.value && deps.permission.value === "default" &&
      !dismissed.value
    ),
    async allow() {
      // Hidden at once: the browser's own prompt takes over.
      dismissed.value = true;
      let answer: NotificationPermission = "default";
      try {
        answer = await deps.request();
      } catch {
        // Old callback-only implementations: treat as no answer.
      }
      deps.permission.value = answer;
      // Dismissing the browser's prompt is a "not now" too.
      if (answer === "default") remember();
    },
    notNow: remember,
  };
}
