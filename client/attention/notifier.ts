/**
 * System notifications for calls, shown through the service worker
 * (`static/sw.js`): a page's own `new Notification()` cannot carry Accept
 * and Decline actions, and is not available at all on Android. The page
 * shows and closes them through the worker's registration; the worker
 * handles the clicks and posts a {@link NotificationMessage} back, which
 * this module hands to `onAction`.
 */
import type { CallNotification } from "../attention.ts";
import { RING_PATTERN } from "./vibration.ts";

/** The worker script; at the root, so its scope covers `/` and `/r/…`. */
export const WORKER_URL = "/sw.js";

/** What the worker posts to the pages when a notification is clicked. */
export interface NotificationMessage {
  type: "parley-notification";
  /** `open`: the body was clicked (the worker focused the tab). */
  action: "accept" | "decline" | "open";
  callId: string;
}

/** The message in `data`, if it is one (anything else is ignored). */
export function notificationMessage(data: unknown): NotificationMessage | null {
  const m = data as Partial<NotificationMessage> | null;
  if (
    typeof m !== "object" || m === null || m.type !== "parley-notification" ||
    typeof m.callId !== "string" ||
    !["accept", "decline", "open"].includes(m.action as string)
  ) return null;
  return { type: m.type, action: m.action!, callId: m.callId };
}

/** The slice of a shown `Notification` used. */
export interface ShownNotification {
  close(): void;
}

/** The slice of `ServiceWorkerRegistration` used. */
export interface RegistrationLike {
  showNotification(title: string, options: object): Promise<void>;
  getNotifications(filter: { tag: string }): Promise<ShownNotification[]>;
}

/** The slice of `navigator.serviceWorker` used. */
export interface WorkerContainerLike {
  register(url: string): Promise<unknown>;
  readonly ready: Promise<RegistrationLike>;
  addEventListener(type: "message", fn: (ev: { data: unknown }) => void): void;
  removeEventListener(
    type: "message",
    fn: (ev: { data: unknown }) => void,
  ): void;
  startMessages?(): void;
}

/** What a {@link CallNotifier} needs. */
export interface NotifierDeps {
  container: WorkerContainerLike;
  /** `Notification.maxActions` (0 where actions are not shown). */
  maxActions: number;
  /** The page's URL, so the worker focuses this tab. */
  pageUrl: () => string;
  onAction(message: NotificationMessage): void;
}

/**
 * Shows at most one call notification and closes it when told; each change
 * waits for the one before, so a close never overtakes its show.
 */
export class CallNotifier {
  #shown: CallNotification | null = null;
  /** The shown notification's objects, to close synchronously on leaving. */
  #objects: ShownNotification[] = [];
  #queue: Promise<void> = Promise.resolve();
  #registration: Promise<RegistrationLike | null> | null = null;
  readonly #onMessage = (ev: { data: unknown }) => {
    const message = notificationMessage(ev.data);
    if (message) this.deps.onAction(message);
  };

  constructor(private readonly deps: NotifierDeps) {
    deps.container.addEventListener("message", this.#onMessage);
    // Messages wait in a queue until this (or an `onmessage`) opens it.
    deps.container.startMessages?.();
  }

  /** Registers the worker, once; null when that failed. */
  register(): Promise<RegistrationLike | null> {
    this.#registration ??= this.deps.container.register(WORKER_URL)
      .then(() => this.deps.container.ready)
      .catch(() => null);
    return this.#registration;
  }

  /** Shows `n` (replacing another call's), or closes what is shown (null). */
  set(n: CallNotification | null): void {
    const shown = this.#shown;
    if (n?.tag === shown?.tag) return;
    this.#shown = n;
    if (shown) {
      for (const o of this.#objects.splice(0)) o.close();
      this.#then((reg) => this.#close(reg, shown.tag));
    }
    if (n) this.#then((reg) => this.#show(reg, n));
  }

  /** Closes what is shown and stops listening to the worker. */
  dispose(): void {
    this.set(null);
    this.deps.container.removeEventListener("message", this.#onMessage);
  }

  #then(step: (reg: RegistrationLike) => Promise<void>): void {
    this.#queue = this.#queue
      .then(() => this.register())
      .then((reg) => reg ? step(reg) : undefined)
      // A notification is a nicety: the dialog, title and sound remain.
      .catch(() => {});
  }

  async #show(reg: RegistrationLike, n: CallNotification): Promise<void> {
    await reg.showNotification(n.title, {
      body: n.body,
      tag: n.tag,
      // Stays until the ring ends (then the page closes it).
      requireInteraction: true,
      // Phones buzz through the notification: a hidden page cannot.
      vibrate: [...RING_PATTERN],
      data: { callId: n.callId, url: this.deps.pageUrl() },
      ...(this.deps.maxActions >= 2
        ? {
          actions: [
            { action: "accept", title: "Accept" },
            { action: "decline", title: "Decline" },
          ],
        }
        : {}),
    });
    const objects = await reg.getNotifications({ tag: n.tag });
    // Still the one wanted? Otherwise the queue closes it next.
    if (this.#shown?.tag === n.tag) this.#objects = objects;
  }

  async #close(reg: RegistrationLike, tag: string): Promise<void> {
    for (const o of await reg.getNotifications({ tag })) o.close();
  }
}
