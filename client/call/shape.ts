/**
 * Small pieces the call machine's transitions are made of: reading a state,
 * building the next one. Pure, like the machine.
 */
import type {
  Agreed,
  CallEffect,
  CallEndReason,
  CallState,
  Direction,
  Machine,
  Step,
} from "./states.ts";

/** How long the callee waits for the caller's offer before offering. */
export const OFFER_WAIT_MS = 3_000;

/** A call under way: every state but idle and ended. */
export type Live = Exclude<CallState, { kind: "idle" | "ended" }>;
/** A call the server has accepted. */
export type Accepted = Extract<
  CallState,
  { kind: "connecting" | "connected" | "restoring" }
>;

/** The same state, nothing to do: how the machine ignores an event. */
export function stay(m: Machine): Step {
  return { state: m, effects: [] };
}

/** `call` as the next state, with `effects`. */
export function to(
  m: Machine,
  call: CallState,
  effects: CallEffect[] = [],
): Step {
  return { state: { ...m, call }, effects };
}

/** Whether a call is under way. */
export function isLive(c: CallState): c is Live {
  return c.kind !== "idle" && c.kind !== "ended";
}

/** Whether the server accepted the call (it may be claimed after a restart). */
export function isAccepted(c: CallState): c is Accepted {
  return c.kind === "connecting" || c.kind === "connected" ||
    c.kind === "restoring";
}

/** Who, which way, what kind: the parts of a live call every state has. */
export function basics(
  c: Live,
): { peer: string; direction: Direction; audioOnly: boolean } {
  if ("call" in c) return c.call;
  const direction = c.kind === "ringingIn" ? "incoming" : "outgoing";
  return { peer: c.peer, direction, audioOnly: c.audioOnly };
}

/** The call's id, null before the server named it. */
export function callIdOf(c: CallState): string | null {
  if (
    c.kind === "idle" || c.kind === "ended" || c.kind === "preparing" ||
    c.kind === "dialing"
  ) {
    return null;
  }
  return "call" in c ? c.call.callId : c.callId;
}

/** Ends the call: everything it holds goes. */
export function finish(
  m: Machine,
  c: Live,
  reason: CallEndReason,
  byMe: boolean,
  effects: CallEffect[] = [],
): Step {
  const ended: CallState = { kind: "ended", ...basics(c), reason, byMe };
  return to(m, ended, [...effects, { kind: "release" }]);
}

/** Sends what waits in `call`'s outbox. */
export function flush(call: Agreed): { call: Agreed; effects: CallEffect[] } {
  if (call.outbox.length === 0) return { call, effects: [] };
  return {
    call: { ...call, outbox: [] },
    effects: [{
      kind: "sendNegotiation",
      callId: call.callId,
      payloads: call.outbox,
    }],
  };
}

/** A claimed call the server knows again: signals flow once more. */
export function restored(
  m: Machine,
  c: Accepted,
  callId = c.call.callId,
): Step {
  const out = flush({ ...c.call, callId });
  const next: CallState = c.kind === "connected" ||
      (c.kind === "restoring" && c.connectedAt !== null)
    ? { kind: "connected", call: out.call, connectedAt: c.connectedAt! }
    : { kind: "connecting", call: out.call };
  return to(m, next, out.effects);
}
