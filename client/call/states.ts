/**
 * The vocabulary of the call machine (`machine.ts`): its states, the events
 * it reacts to and the effects it asks for. Plain data only, so the machine
 * stays pure and its tests can list every state and event kind.
 */
import type {
  ClientMessage,
  EndReason,
  NegotiationMessage,
  WelcomeMessage,
} from "../protocol.ts";

/**
 * Why a call ended: the server's reasons, plus `media-error` (our camera or
 * microphone could not be opened), `failed` (the connection could not be
 * (re)established), `unavailable` (the server refused the call),
 * `interrupted` (it was still ringing when the server forgot it, e.g. a
 * restart) and `not-restored` (after a server restart the peer never
 * claimed the call back).
 */
export type CallEndReason =
  | EndReason
  | "media-error"
  | "failed"
  | "unavailable"
  | "interrupted"
  | "not-restored";

/** Why our camera could not join a call. */
export interface VideoProblem {
  /** What the person reads: which device, what is wrong, what to do. */
  text: string;
  /**
   * The person (or their browser) blocked the camera: a call we place
   * becomes an audio call. A camera that is missing or busy leaves it a
   * video call in which we only watch.
   */
  blocked: boolean;
}

/** Who rang whom. */
export type Direction = "outgoing" | "incoming";

/** A call someone has agreed to, from the accept on. */
export interface Agreed {
  peer: string;
  audioOnly: boolean;
  direction: Direction;
  callId: string;
  /** The callee is polite: it yields when offers cross. */
  polite: boolean;
  /** Signals waiting for the server to relay them (socket down, restart). */
  outbox: NegotiationMessage[];
}

/** The call, one variant per step of its life. */
export type CallState =
  | { kind: "idle" }
  /**
   * Our camera and microphone open before anyone is rung, so a blocked
   * device is known (and said) first: a blocked microphone rings nobody,
   * a blocked camera makes the call an audio call. Should the peer ring
   * us meanwhile, we take their call at once.
   */
  | { kind: "preparing"; peer: string; audioOnly: boolean }
  /** We sent `call`; the server has not named the call yet. */
  | {
    kind: "dialing";
    peer: string;
    audioOnly: boolean;
    /** The peer's own call to us, ringing meanwhile (calls that cross). */
    crossing: string | null;
    /** The offer made while ringing, held until `accepted`. */
    outbox: NegotiationMessage[];
  }
  | {
    kind: "ringingOut";
    peer: string;
    audioOnly: boolean;
    callId: string;
    crossing: string | null;
    outbox: NegotiationMessage[];
  }
  | {
    kind: "ringingIn";
    peer: string;
    audioOnly: boolean;
    callId: string;
    outbox: NegotiationMessage[];
  }
  /** We sent `accept` (or took a crossing call); `accepted` is on its way. */
  | { kind: "accepting"; call: Agreed }
  | { kind: "connecting"; call: Agreed }
  | { kind: "connected"; call: Agreed; connectedAt: number }
  /**
   * The server restarted and our login claimed the call: signals wait for
   * `call-restored`. `connectedAt` is null when media never connected.
   */
  | { kind: "restoring"; call: Agreed; connectedAt: number | null }
  | {
    kind: "ended";
    peer: string;
    direction: Direction;
    audioOnly: boolean;
    reason: CallEndReason;
    /** This side ended it (hang-up, cancel, decline, a ring it let run out). */
    byMe: boolean;
  };

/** Every state kind, for tables that must cover them all. */
export const STATE_KINDS = [
  "idle",
  "preparing",
  "dialing",
  "ringingOut",
  "ringingIn",
  "accepting",
  "connecting",
  "connected",
  "restoring",
  "ended",
] as const satisfies readonly CallState["kind"][];

/** What outlives a call: frames owed to the server. */
export interface Debts {
  /** A peer we stopped ringing before the server named the call. */
  cancelOnRinging: string | null;
  /** Hang-ups that could not be sent while the socket was down. */
  deferred: ClientMessage[];
}

/** The machine's whole state. */
export interface Machine {
  call: CallState;
  debts: Debts;
}

/** The timers a call runs; each firing comes back as its own event. */
export type TimerName = "offer-wait" | "small-start";

/** What the machine reacts to. */
export type CallEvent =
  // The person (and the page).
  | { kind: "call"; peer: string; audioOnly: boolean }
  | { kind: "accept" }
  | { kind: "decline" }
  | { kind: "hangup" }
  | { kind: "dismiss" }
  | { kind: "dispose" }
  // The server. `me` is our name, which breaks ties between crossing calls.
  | { kind: "ringing"; callId: string; to: string; me: string | null }
  | {
    kind: "incoming";
    callId: string;
    from: string;
    audioOnly: boolean;
    me: string | null;
  }
  | { kind: "accepted"; callId: string; peer: string; polite: boolean }
  | { kind: "ended"; callId: string; reason: EndReason; peer: string }
  | { kind: "restored"; callId: string; peer: string }
  | { kind: "negotiation"; callId: string; payload: NegotiationMessage }
  | { kind: "refused"; code: string }
  | { kind: "welcome"; resumed: boolean; held: WelcomeMessage["call"] | null }
  // The link to the server.
  | { kind: "frameUnsent"; msg: ClientMessage }
  | { kind: "negotiationUnsent"; payloads: NegotiationMessage[] }
  // Media and the peer connection.
  /** `videoProblem`: why the camera asked for could not be used, or null. */
  | { kind: "mediaOpened"; videoProblem: VideoProblem | null }
  | { kind: "mediaFailed"; message: string }
  | { kind: "localNegotiation"; payload: NegotiationMessage }
  | { kind: "linkState"; state: string; at: number }
  | { kind: "iceGaveUp" }
  // Timers.
  | { kind: "offerWaitElapsed" }
  | { kind: "smallStartElapsed" };

/** Every event kind, for tables that must cover them all. */
export const EVENT_KINDS = [
  "call",
  "accept",
  "decline",
  "hangup",
  "dismiss",
  "dispose",
  "ringing",
  "incoming",
  "accepted",
  "ended",
  "restored",
  "negotiation",
  "refused",
  "welcome",
  "frameUnsent",
  "negotiationUnsent",
  "mediaOpened",
  "mediaFailed",
  "localNegotiation",
  "linkState",
  "iceGaveUp",
  "offerWaitElapsed",
  "smallStartElapsed",
] as const satisfies readonly CallEvent["kind"][];

/**
 * What a frame that cannot leave means: `abandon` undoes the step it belongs
 * to (it must be the step's first effect), `defer` keeps it for the next
 * welcome, `report` tells the machine (`frameUnsent`), which decides.
 */
export type IfOffline = "abandon" | "defer" | "report";

/** What the machine asks the outside world to do. */
export type CallEffect =
  | { kind: "send"; msg: ClientMessage; ifOffline?: IfOffline }
  /** Relays signals in order; those that cannot leave come back. */
  | { kind: "sendNegotiation"; callId: string; payloads: NegotiationMessage[] }
  | { kind: "notice"; tone: "info" | "error"; text: string }
  /** A new call's resources (`runner.ts`). */
  | { kind: "begin"; audioOnly: boolean; polite: boolean }
  | { kind: "openMedia" }
  /** The call goes on without video (our camera cannot be used). */
  | { kind: "dropVideo" }
  /** Once media is settled: the connection, and the tracks (which offer). */
  | { kind: "prepareOffer" }
  /** Once media is settled: the connection, without tracks (no offer). */
  | { kind: "prepareAnswer" }
  /** The connection now, media or not. */
  | { kind: "connect" }
  /** Offers, unless an offer has come meanwhile. */
  | { kind: "fallbackOffer" }
  | { kind: "setPolite"; polite: boolean }
  | { kind: "applyNegotiation"; payload: NegotiationMessage }
  | { kind: "startTimer"; timer: TimerName; ms: number }
  | { kind: "clearTimer"; timer: TimerName }
  /** Gives the video sender its full size back (`video_start.ts`). */
  | { kind: "restoreVideo" }
  /** Drops everything the call holds, at once. */
  | { kind: "release" };

/** `true` when every kind of `All` is in `Listed`, else `false`. */
type Covers<All, Listed> = [Exclude<All, Listed>] extends [never] ? true
  : false;

/**
 * Does not compile when a state or event kind is missing from
 * {@link STATE_KINDS} or {@link EVENT_KINDS}, so tables built on those
 * lists cannot silently miss a new kind.
 */
export const KINDS_LISTED:
  & Covers<CallState["kind"], typeof STATE_KINDS[number]>
  & Covers<CallEvent["kind"], typeof EVENT_KINDS[number]> = true;

/** The result of one step. */
export interface Step {
  state: Machine;
  effects: CallEffect[];
}
