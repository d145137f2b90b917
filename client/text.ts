/**
 * Words and numbers shown to the person: durations, times, why a call ended,
 * input checks. Pure functions, so views stay free of wording logic.
 */
import type { CallEndReason } from "./call.ts";

/** A call duration as `m:ss` or `h:mm:ss`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Wall-clock time of a chat message, e.g. `14:05`, in the page's locale. */
export function formatTimeOfDay(at: number, locale?: string): string {
  return new Date(at).toLocaleTimeString(locale, {
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** ISO form for `<time datetime>`. */
export function isoTime(at: number): string {
  return new Date(at).toISOString();
}

/** One line telling why a call ended. */
export function endReasonText(
  reason: CallEndReason | null,
  peer: string | null,
  byMe: boolean,
): string {
  const who = peer ?? "The other person";
  switch (reason) {
    case "declined":
      return byMe ? `You declined ${who}'s call.` : `${who} declined the call.`;
    case "cancelled":
      return byMe ? "Call cancelled." : `${who} stopped calling.`;
    case "busy":
      return `${who} is busy in another call.`;
    case "no-answer":
      return byMe ? `You missed a call from ${who}.` : `${who} did not answer.`;
    case "hangup":
      return byMe ? "You ended the call." : `${who} ended the call.`;
    case "peer-left":
      return `${who} left, so the call ended.`;
    case "media-error":
      return "The call could not start without a working microphone or camera.";
    case "failed":
      return "The connection was lost and the call ended.";
    case "unavailable":
      return `${who} cannot be called right now.`;
    case "interrupted":
      return `The connection to the server dropped while the call with ${who} was ringing. Please call again.`;
    case "not-restored":
      return `The connection to the server was lost and ${who} did not reconnect, so the call ended.`;
    default:
      return "Call ended.";
  }
}

/** Longest name the server accepts. */
export const MAX_NAME = 32;
/** Longest chat message the server accepts. */
export const MAX_CHAT = 2000;

/**
 * Checks a name the way the server will (length after trimming; the server
 * also rejects invisible characters). Returns a message, or null when fine.
 */
export function nameProblem(name: string): string | null {
  const trimmed = name.normalize("NFC").trim();
  if (trimmed.length === 0) return "Please enter a name.";
  if ([...trimmed].length > MAX_NAME) {
    return `Names can be at most ${MAX_NAME} characters.`;
  }
  return null;
}

/** One letter for an avatar (the first character, upper-cased). */
export function initial(name: string): string {
  const first = [...name.trim()][0] ?? "?";
  return first.toLocaleUpperCase();
}
