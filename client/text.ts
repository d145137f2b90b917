/**
 * Words and numbers shown to the person: durations, times, why a call ended,
 * renames. Pure functions, so views stay free of wording logic.
 */
import { MAX_NAME_UNITS } from "../signaling/text_rules.ts";
export { EMPTY_NAME } from "../signaling/text_rules.ts";
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

/** Where the other person's name goes in a sentence template. */
export const PEER_SLOT = "{peer}";

/**
 * Why a call ended, as a template with {@link PEER_SLOT} where the other
 * person's name goes: views put the name there in an element of its own
 * (`dir="auto"`), so a right-to-left name does not reorder the sentence.
 */
export function endReasonTemplate(
  reason: CallEndReason | null,
  byMe: boolean,
): string {
  const who = PEER_SLOT;
  switch (reason) {
    case "declined":
      return byMe ? `You declined ${who}'s call.` : `${who} declined the call.`;
    case "cancelled":
      return byMe ? "Call cancelled." : `${who} stopped calling.`;
    case "busy":
      return `${who} is busy in another call.`;
    case "no-answer":
      return byMe ? `You missed a call from ${who}.` : `${who} didn't answer.`;
    case "hangup":
      return byMe ? "You ended the call." : `${who} ended the call.`;
    case "peer-left":
      return `${who} left, so the call ended.`;
    case "reconnecting":
      return `${who} is reconnecting; try again in a moment.`;
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

/**
 * A template's text before and after the name, or null when it names
 * nobody. Split rather than replaced, so a name that happens to contain
 * `{peer}` is never read as a slot.
 */
export function splitTemplate(template: string): [string, string] | null {
  const at = template.indexOf(PEER_SLOT);
  return at < 0
    ? null
    : [template.slice(0, at), template.slice(at + PEER_SLOT.length)];
}

/** Who a sentence names when it does not know the other person's name. */
export const SOMEONE = "The other person";

/** A template with `peer` (or {@link SOMEONE}) in its slot. */
export function fillTemplate(template: string, peer: string | null): string {
  const parts = splitTemplate(template);
  return parts ? parts[0] + (peer ?? SOMEONE) + parts[1] : template;
}

/** One line telling why a call ended. */
export function endReasonText(
  reason: CallEndReason | null,
  peer: string | null,
  byMe: boolean,
): string {
  return fillTemplate(endReasonTemplate(reason, byMe), peer);
}

/** "video" or "audio", for sentences about a call. */
export function callKind(audioOnly: boolean): string {
  return audioOnly ? "audio" : "video";
}

/** The chat-log line of a call we did not pick up, before its time. */
export function missedCallTemplate(audioOnly: boolean): string {
  return `Missed ${callKind(audioOnly)} call from ${PEER_SLOT}`;
}

/** The end-of-call line of a call that connected: "Call with Ana · 3:12". */
export function callSummaryTemplate(durationMs: number): string {
  return `Call with ${PEER_SLOT} · ${formatDuration(durationMs)}`;
}

/** The chat line for `count` messages the server dropped on the way to us. */
export function droppedChatText(count: number): string {
  return count === 1
    ? "1 message could not be delivered while your connection was slow or interrupted."
    : `${count} messages could not be delivered while your connection was slow or interrupted.`;
}

/**
 * `maxLength` for the name field. The field counts UTF-16 units, and one
 * emoji can take eleven of them, so it only stops pasted novels; the
 * server counts characters (`signaling/text_rules.ts`) and says so.
 */
export const MAX_NAME_INPUT = MAX_NAME_UNITS;
/** Longest chat message the server accepts. */
export const MAX_CHAT = 2000;

/**
 * Tells why the server gave us `given` instead of `asked`: the name was
 * someone's already (in any case), or else looks the same as a name in use
 * (the server compares names by their confusables skeleton, so "аlice" with
 * a Cyrillic а is "alice") or is held for someone coming back, which this
 * page cannot tell apart.
 *
 * @param others names in the room besides ours
 */
export function renamedText(
  asked: string,
  given: string,
  others: readonly string[],
): string {
  const folded = asked.toLowerCase();
  return others.some((n) => n.toLowerCase() === folded)
    ? `That name was taken, so you are “${given}”.`
    : `“${asked}” is taken or looks the same as a name in use, so you are “${given}”.`;
}

/** One letter for an avatar (the first character, upper-cased). */
export function initial(name: string): string {
  const first = [...name.trim()][0] ?? "?";
  return first.toLocaleUpperCase();
}
