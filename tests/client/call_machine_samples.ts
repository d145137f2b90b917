/**
 * One sample of every state and every event of the call machine, for the
 * table in `call_machine_test.ts`. Peers are alice (us) and bob.
 */
import type {
  Agreed,
  CallEvent,
  CallState,
  EVENT_KINDS,
  Machine,
  STATE_KINDS,
} from "../../client/call/machine.ts";

/** A state kind of the machine. */
export type StateKind = typeof STATE_KINDS[number];
/** An event kind of the machine. */
export type EventKind = typeof EVENT_KINDS[number];

const offer = { description: { type: "offer" as const, sdp: "o" } };
const candidate = { candidate: { candidate: "c", sdpMid: "0" } };

function agreed(direction: Agreed["direction"]): Agreed {
  return {
    peer: "bob",
    audioOnly: false,
    direction,
    callId: "c1",
    polite: direction === "incoming",
    outbox: [],
  };
}

/** A call in each state, with bob. */
export const STATES: Record<StateKind, CallState> = {
  idle: { kind: "idle" },
  preparing: { kind: "preparing", peer: "bob", audioOnly: false },
  dialing: {
    kind: "dialing",
    peer: "bob",
    audioOnly: false,
    crossing: null,
    outbox: [],
  },
  ringingOut: {
    kind: "ringingOut",
    peer: "bob",
    audioOnly: false,
    callId: "c1",
    crossing: null,
    outbox: [offer],
  },
  ringingIn: {
    kind: "ringingIn",
    peer: "bob",
    audioOnly: false,
    callId: "c1",
    outbox: [],
  },
  accepting: { kind: "accepting", call: agreed("incoming") },
  connecting: { kind: "connecting", call: agreed("outgoing") },
  connected: { kind: "connected", call: agreed("outgoing"), connectedAt: 5 },
  restoring: { kind: "restoring", call: agreed("outgoing"), connectedAt: 5 },
  ended: {
    kind: "ended",
    peer: "bob",
    direction: "outgoing",
    audioOnly: false,
    reason: "hangup",
    byMe: true,
  },
};

/** One event of each kind, about bob's call `c1` where it names one. */
export const EVENTS: { [K in EventKind]: Extract<CallEvent, { kind: K }> } = {
  call: { kind: "call", peer: "bob", audioOnly: false },
  accept: { kind: "accept" },
  decline: { kind: "decline" },
  hangup: { kind: "hangup" },
  dismiss: { kind: "dismiss" },
  dispose: { kind: "dispose" },
  ringing: { kind: "ringing", callId: "c1", to: "bob", me: "alice" },
  incoming: {
    kind: "incoming",
    callId: "c2",
    from: "bob",
    audioOnly: false,
    me: "alice",
  },
  accepted: { kind: "accepted", callId: "c1", peer: "bob", polite: false },
  ended: { kind: "ended", callId: "c1", reason: "peer-left", peer: "bob" },
  restored: { kind: "restored", callId: "c1", peer: "bob" },
  negotiation: { kind: "negotiation", callId: "c1", payload: offer },
  refused: { kind: "refused", code: "unknown-user" },
  welcome: { kind: "welcome", resumed: false, held: null },
  frameUnsent: { kind: "frameUnsent", msg: { type: "hangup", callId: "c0" } },
  negotiationUnsent: { kind: "negotiationUnsent", payloads: [candidate] },
  mediaOpened: {
    kind: "mediaOpened",
    videoProblem: { text: "Camera access is blocked.", blocked: true },
  },
  mediaFailed: { kind: "mediaFailed", message: "No camera." },
  localNegotiation: { kind: "localNegotiation", payload: candidate },
  linkState: { kind: "linkState", state: "connected", at: 7 },
  iceGaveUp: { kind: "iceGaveUp" },
  offerWaitElapsed: { kind: "offerWaitElapsed" },
  smallStartElapsed: { kind: "smallStartElapsed" },
};

/** The machine in state `kind`, owing nothing. */
export function machineIn(kind: StateKind): Machine {
  return {
    call: STATES[kind],
    debts: { cancelOnRinging: null, deferred: [] },
  };
}
