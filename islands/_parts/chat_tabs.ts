/**
 * The rules of the chat panel's two conversations (room and call), apart
 * from Preact so they can be tested as plain functions: which tab a key
 * moves to, when a call's conversation takes the front, how many lines a
 * tab has that nobody looked at, and what each panel says about who reads
 * it.
 */
import type { CallSnapshot } from "../../client/call.ts";
import type { CallConversation, ChatLine } from "../../client/state.ts";

/** The two conversations of the panel. */
export type ChatTab = "room" | "call";

/**
 * The tab a key moves to in the WAI-ARIA tabs pattern (arrows wrap, Home
 * and End jump), or null when the key is not one the tab list handles.
 */
export function tabForKey(
  tabs: readonly ChatTab[],
  current: ChatTab,
  key: string,
): ChatTab | null {
  const at = Math.max(0, tabs.indexOf(current));
  switch (key) {
    case "ArrowRight":
    case "ArrowDown":
      return tabs[(at + 1) % tabs.length];
    case "ArrowLeft":
    case "ArrowUp":
      return tabs[(at - 1 + tabs.length) % tabs.length];
    case "Home":
      return tabs[0];
    case "End":
      return tabs[tabs.length - 1];
    default:
      return null;
  }
}

/**
 * Whether `next` is a call's conversation that was not on screen before
 * (`prev`): the first, or a later call's. That is when the private tab
 * comes to the front, since what the two people type now belongs there; a
 * line arriving, or the channel opening or closing, in a conversation
 * already shown never moves the person's choice.
 */
export function isNewConversation(
  prev: CallConversation | null,
  next: CallConversation | null,
): boolean {
  return next !== null && next.callId !== prev?.callId;
}

/** The newest line's id, or 0 for an empty log. */
export function lastLineId(lines: readonly ChatLine[]): number {
  return lines.length === 0 ? 0 : lines[lines.length - 1].id;
}

/**
 * Lines after `seenId` that someone else wrote (or the app added): what a
 * tab's badge counts. Line ids grow within a log, so one number per tab
 * says what was seen even after old lines are dropped.
 */
export function unreadCount(lines: readonly ChatLine[], seenId: number) {
  let count = 0;
  for (const line of lines) if (line.id > seenId && !line.mine) count++;
  return count;
}

/** Who reads the room's chat, said plainly above its log. */
export function roomAudience(room: string): string {
  return room === ""
    ? "Everyone in the lobby sees these messages"
    : "Everyone in this room sees these messages";
}

/** The room tab's name: the lobby is not a room to the person. */
export function roomTabName(room: string): string {
  return room === "" ? "Lobby" : "Room";
}

/** Who reads a call's conversation, with `{peer}` where the name goes. */
export const CALL_AUDIENCE =
  "Only you and {peer} see these: sent directly and end-to-end encrypted, never through the server";

/**
 * Why a call's conversation cannot take a message now, as the composer's
 * placeholder; null when it can. While the call with that person is still
 * under way the channel is on its way (or coming back); otherwise the call
 * is over and the conversation is only there to be read.
 */
export function callComposerBlocked(
  conversation: CallConversation,
  call: CallSnapshot,
): string | null {
  if (conversation.open) return null;
  const live = call.callId === conversation.callId &&
    call.phase !== "idle" && call.phase !== "ended";
  return live ? "Connecting the private channel…" : "The call has ended";
}
