/**
 * Server frames about calls, as the call machine's events. The signal's
 * payload is rebuilt so that only the description or the candidate travels
 * on, never whatever else the frame carried.
 */
import type { ServerMessage } from "../protocol.ts";
import type { CallEvent } from "./states.ts";

/** The machine's event for a server message about calls, else null. */
export function toEvent(
  msg: ServerMessage,
  me: () => string | null,
): CallEvent | null {
  switch (msg.type) {
    case "ringing":
      return { kind: "ringing", callId: msg.callId, to: msg.to, me: me() };
    case "incoming":
      return {
        kind: "incoming",
        callId: msg.callId,
        from: msg.from,
        audioOnly: msg.audioOnly,
        me: me(),
      };
    case "accepted":
      return {
        kind: "accepted",
        callId: msg.callId,
        peer: msg.peer,
        polite: msg.polite,
      };
    case "ended":
      return {
        kind: "ended",
        callId: msg.callId,
        reason: msg.reason,
        peer: msg.peer,
      };
    case "call-restored":
      return { kind: "restored", callId: msg.callId, peer: msg.peer };
    case "signal":
      return {
        kind: "negotiation",
        callId: msg.callId,
        payload: msg.description
          ? { description: msg.description }
          : { candidate: msg.candidate ?? null },
      };
    case "error":
      return { kind: "refused", code: msg.code };
    default:
      return null;
  }
}
