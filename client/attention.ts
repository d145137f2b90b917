/**
 * What a ringing call asks of the page when the person may not be looking:
 * a pure decision from (call, visibility, notification permission) to the
 * cues the page shows. The I/O that carries the cues out lives in
 * `attention/` (title, favicon, vibration, the service worker's
 * notification) and `attention/watch.ts` wires them to a session.
 */
import type { CallSnapshot } from "./call.ts";

/** `document.visibilityState`, as far as this decision cares. */
export type Visibility = "visible" | "hidden";

/** `Notification.permission`, or `unsupported` without the API. */
export type NotifyPermission = NotificationPermission | "unsupported";

/** A system notification to show, as the service worker is asked to. */
export interface CallNotification {
  /** One per call, so showing it twice replaces it and closing finds it. */
  tag: string;
  callId: string;
  title: string;
  body: string;
}

/** The cues due now; all off is {@link NO_ATTENTION}. */
export interface Attention {
  /** Text the document title alternates with; null leaves the title alone. */
  title: string | null;
  /** Whether the favicon shows the dotted variant. */
  faviconDot: boolean;
  /** Whether to vibrate in the ringing pattern (phones). */
  vibrate: boolean;
  /** The system notification to show, or null for none. */
  notification: CallNotification | null;
}

/** Nothing asked of the page. */
export const NO_ATTENTION: Attention = Object.freeze({
  title: null,
  faviconDot: false,
  vibrate: false,
  notification: null,
});

/** The notification's tag for a call. */
export function notificationTag(callId: string): string {
  return `parley-call:${callId}`;
}

/** The title's alternate text while `peer` rings us. */
export function callingTitle(peer: string): string {
  return `${peer} is calling…`;
}

/**
 * The cues due for `call` in a page that is `visibility`, with
 * notifications `permission`:
 *
 * - nothing unless a call rings us (phase `incoming`);
 * - vibration whenever it rings: the Vibration API ignores hidden documents
 *   (it cancels vibration when the page is hidden), so on a phone this buzzes
 *   while the incoming-call dialog is on screen, and the hidden case buzzes
 *   through the notification itself (`attention/notifier.ts`);
 * - when hidden, the title alternates and the favicon gets its dot (both
 *   need no permission), and with permission a system notification.
 */
export function attentionFor(
  call: Pick<CallSnapshot, "phase" | "callId" | "peer" | "audioOnly">,
  visibility: Visibility,
  permission: NotifyPermission,
): Attention {
  if (call.phase !== "incoming" || !call.callId) return NO_ATTENTION;
  const peer = call.peer ?? "Someone";
  if (visibility === "visible") return { ...NO_ATTENTION, vibrate: true };
  return {
    title: callingTitle(peer),
    faviconDot: true,
    vibrate: true,
    notification: permission === "granted"
      ? {
        tag: notificationTag(call.callId),
        callId: call.callId,
        title: `${peer} is calling`,
        body: call.audioOnly ? "Audio call" : "Video call",
      }
      : null,
  };
}
