/**
 * Wires the attention decision (`../attention.ts`) to a session: whenever
 * the call, the page's visibility or the notification permission changes,
 * the cues are set to what `attentionFor` says, and the outputs (title,
 * favicon, vibration, notification) each do only what changed. A click on
 * the notification's Accept or Decline comes back from the service worker
 * and answers the call still ringing, if it is the same call.
 */
import { computed, effect, signal } from "@preact/signals";
import {
  attentionFor,
  type NotifyPermission,
  type Visibility,
} from "../attention.ts";
import type { KeyValueStore } from "../saved_session.ts";
import type { Session } from "../session.ts";
import type { Timers } from "../timers.ts";
import { FaviconDot, type IconDocument } from "./favicon_dot.ts";
import {
  CallNotifier,
  type NotificationMessage,
  type WorkerContainerLike,
} from "./notifier.ts";
import {
  createNotificationPrompt,
  type NotificationPrompt,
} from "./permission_prompt.ts";
import { TitleBlink } from "./title_blink.ts";
import { type Vibrate, Vibration } from "./vibration.ts";

/** The slice of `document` used. */
export interface AttentionDocument extends IconDocument {
  title: string;
  readonly visibilityState: string;
  addEventListener(type: "visibilitychange", fn: () => void): void;
  removeEventListener(type: "visibilitychange", fn: () => void): void;
}

/** The slice of the `Notification` API used; null where it is missing. */
export interface NotificationApi {
  permission(): NotificationPermission;
  request(): Promise<NotificationPermission>;
  /** `Notification.maxActions`. */
  maxActions: number;
}

/** The browser's parts, given by `browser_session.ts` (fakes in tests). */
export interface AttentionDeps {
  doc: AttentionDocument;
  timers: Timers;
  /** `navigator.vibrate`, where it exists. */
  vibrate?: Vibrate;
  /** Whether the page has had a user gesture (vibration needs one). */
  mayVibrate?: () => boolean;
  notifications: NotificationApi | null;
  /** `navigator.serviceWorker`, where it exists. */
  serviceWorker: WorkerContainerLike | null;
  /** `localStorage`, to remember "Not now". */
  storage: KeyValueStore | null;
  /** The page's URL, so the notification's click finds this tab. */
  pageUrl: () => string;
}

/** What {@link watchAttention} returns. */
export interface AttentionWatch {
  /** The permission banner's state and actions. */
  prompt: NotificationPrompt;
  /** Stops every cue and listener. */
  dispose(): void;
}

function visibilityOf(doc: AttentionDocument): Visibility {
  return doc.visibilityState === "hidden" ? "hidden" : "visible";
}

/** Starts the cues for `session`; see the module doc. */
export function watchAttention(
  session: Session,
  deps: AttentionDeps,
): AttentionWatch {
  const { state } = session;
  const api = deps.notifications;
  const readPermission = (): NotifyPermission =>
    api ? api.permission() : "unsupported";
  const visibility = signal(visibilityOf(deps.doc));
  const permission = signal<NotifyPermission>(readPermission());

  const title = new TitleBlink(deps.doc, deps.timers);
  const favicon = new FaviconDot(deps.doc);
  const vibration = new Vibration(deps.vibrate, deps.timers, deps.mayVibrate);
  const notifier = api && deps.serviceWorker
    ? new CallNotifier({
      container: deps.serviceWorker,
      maxActions: api.maxActions,
      pageUrl: deps.pageUrl,
      onAction,
    })
    : null;

  function onAction(message: NotificationMessage): void {
    const call = state.call.value;
    // Only the call it was shown for, and only while it still rings.
    if (call.phase !== "incoming" || call.callId !== message.callId) return;
    if (message.action === "accept") session.accept();
    else if (message.action === "decline") session.decline();
  }

  const onVisibility = () => {
    visibility.value = visibilityOf(deps.doc);
    // The person may have changed it in the browser's settings meanwhile.
    permission.value = readPermission();
  };
  deps.doc.addEventListener("visibilitychange", onVisibility);

  const stopCues = effect(() => {
    const due = attentionFor(
      state.call.value,
      visibility.value,
      permission.value,
    );
    title.set(due.title);
    favicon.set(due.faviconDot);
    vibration.set(due.vibrate);
    notifier?.set(due.notification);
  });
  // Registered once permission exists, so that a notification shows at
  // once when the first call rings (and no worker for those who said no).
  const stopRegister = effect(() => {
    if (permission.value === "granted") void notifier?.register();
  });

  const prompt = createNotificationPrompt({
    joined: computed(() => state.me.value !== null),
    // Without a worker there is nothing to allow, so no banner either.
    permission: notifier ? permission : signal<NotifyPermission>("unsupported"),
    request: () => api!.request(),
    storage: deps.storage,
  });

  return {
    prompt,
    dispose() {
      stopCues();
      stopRegister();
      deps.doc.removeEventListener("visibilitychange", onVisibility);
      title.dispose();
      favicon.dispose();
      vibration.dispose();
      notifier?.dispose();
    },
  };
}
