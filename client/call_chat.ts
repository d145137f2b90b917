/**
 * The private conversation of a call (`state.callChat`), as pure steps: it
 * starts when a call is accepted, says whether messages can be sent while
 * the call's channel is open, and stays, closed, after the call ends until
 * the next call begins.
 */
import type { CallSnapshot } from "./call/snapshot.ts";
import type { CallConversation, ChatLine } from "./state.ts";

/** Lines a conversation keeps. */
export const CALL_CHAT_LIMIT = 500;

/** Said when a private message cannot be sent. */
export const CALL_CHAT_CLOSED =
  "The call's private channel is not open: the message was not sent.";

/**
 * The conversation as the call `snap` leaves it: a new one for a newly
 * accepted call, the same one with `open` following the channel, or
 * `current` unchanged (the same object) when nothing changed.
 */
export function followCall(
  current: CallConversation | null,
  snap: Pick<CallSnapshot, "phase" | "callId" | "peer" | "channelOpen">,
): CallConversation | null {
  const accepted = snap.phase === "connecting" || snap.phase === "connected";
  if (accepted && snap.callId && snap.peer) {
    if (current?.callId !== snap.callId) {
      return {
        callId: snap.callId,
        peer: snap.peer,
        open: snap.channelOpen,
        lines: [],
      };
    }
    return current.open === snap.channelOpen
      ? current
      : { ...current, open: snap.channelOpen };
  }
  return current?.open ? { ...current, open: false } : current;
}

/** `conversation` with `line` added (the oldest dropped past the limit). */
export function withLine(
  conversation: CallConversation,
  line: ChatLine,
): CallConversation {
  const kept = conversation.lines.slice(-(CALL_CHAT_LIMIT - 1));
  return { ...conversation, lines: [...kept, line] };
}
