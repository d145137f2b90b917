/**
 * Types of the `parley.v1` wire protocol as the browser sees it (see
 * `signaling/PROTOCOL.md`), plus a guarded parser for incoming frames.
 *
 * Kept separate from the server's own types on purpose: the client codes
 * against the document, so a server refactor cannot silently change what the
 * browser accepts.
 */

/** The WebSocket subprotocol that selects Parley's own dialect. */
export const SUBPROTOCOL = "parley.v1";

/**
 * Presence of another user in the room: `busy` while ringing or in a call,
 * `reconnecting` while its connection is down and it may come back (a call
 * to it is refused with `ended` `reconnecting`).
 */
export type UserState = "available" | "busy" | "reconnecting";

/** The states this client knows; `roster.ts` reads any other as `busy`. */
export const USER_STATES: ReadonlySet<string> = new Set<UserState>([
  "available",
  "busy",
  "reconnecting",
]);

/** One entry of a user list. */
export interface UserInfo {
  name: string;
  state: UserState;
}

/**
 * A user list entry on the wire: `state` is left out when `available`. Typed
 * as any string: a newer server may send a state this client does not know.
 */
export interface WireUser {
  name: string;
  state?: string;
}

/** Why a call ended, as the server reports it. */
export type EndReason =
  | "declined"
  | "cancelled"
  | "busy"
  | "no-answer"
  | "hangup"
  | "peer-left"
  /** The callee's connection is down and may come back: try again soon. */
  | "reconnecting";

/** SDP as carried in a `signal` message. */
export interface WireDescription {
  type: "offer" | "answer" | "rollback" | "pranswer";
  sdp: string;
}

/** ICE candidate as carried in a `signal` message; `null` ends the list. */
export type WireCandidate = RTCIceCandidateInit | null;

/** The payload of a `signal` message: exactly one of the two. */
export type NegotiationMessage =
  | { description: WireDescription; candidate?: undefined }
  | { candidate: WireCandidate; description?: undefined };

/** A call this client believes is still up, claimed in a login after a reconnect. */
export interface CallClaim {
  callId: string;
  peer: string;
  /** Our role in it (the callee is polite), kept by a restored call. */
  polite?: boolean;
}

/** Messages the browser sends. */
export type ClientMessage =
  | { type: "login"; name: string; resume?: string; call?: CallClaim }
  | { type: "chat"; text: string }
  | { type: "call"; to: string; audioOnly?: boolean }
  | { type: "accept"; callId: string }
  | { type: "decline"; callId: string }
  | { type: "cancel"; callId: string }
  | { type: "hangup"; callId: string }
  | ({ type: "signal"; callId: string } & NegotiationMessage)
  | { type: "ice-servers" }
  | { type: "ping" };

/** `welcome`: the answer to `login`. */
export interface WelcomeMessage {
  type: "welcome";
  name: string;
  renamed: boolean;
  room: string;
  users: WireUser[];
  iceServers: RTCIceServer[];
  resume: string;
  /** True when the login's `resume` token restored the detached session. */
  resumed?: boolean;
  /**
   * The call the server still holds for a resumed session: `ringing` goes on
   * ringing, `active` was accepted (perhaps while we were away).
   */
  call?: {
    callId: string;
    peer: string;
    polite: boolean;
    state?: "ringing" | "active";
    /** Present (true) for an audio-only call. */
    audioOnly?: boolean;
  };
}

/** Presence deltas after the welcome snapshot. */
export interface PresenceMessage {
  type: "presence";
  joined?: WireUser[];
  left?: string[];
  changed?: WireUser[];
}

/** A chat line, echoed to its sender too. */
export interface ChatMessage {
  type: "chat";
  from: string;
  text: string;
  at: number;
}

/** Room chat the server dropped because we could not read it fast enough. */
export interface ChatDroppedMessage {
  type: "chat-dropped";
  count: number;
}

/** Call-control messages from the server. */
export type CallControlMessage =
  | { type: "ringing"; callId: string; to: string }
  | { type: "incoming"; callId: string; from: string; audioOnly: boolean }
  | { type: "accepted"; callId: string; peer: string; polite: boolean }
  | { type: "ended"; callId: string; reason: EndReason; peer: string };

/**
 * After a server restart: both parties claimed the same call in their logins,
 * so the server knows it again and relays its signals.
 */
export interface CallRestoredMessage {
  type: "call-restored";
  callId: string;
  peer: string;
}

/** Fresh STUN/TURN servers, the answer to `{type: "ice-servers"}`. */
export interface IceServersMessage {
  type: "ice-servers";
  iceServers: RTCIceServer[];
}

/** SDP or ICE relayed from the call peer. */
export type NegotiationFrame =
  & { type: "signal"; callId: string }
  & NegotiationMessage;

/** An error about something this client sent. */
export interface ErrorMessage {
  type: "error";
  code: string;
  message: string;
}

/** Messages the server sends. */
export type ServerMessage =
  | WelcomeMessage
  | PresenceMessage
  | ChatMessage
  | ChatDroppedMessage
  | CallControlMessage
  | CallRestoredMessage
  | IceServersMessage
  | NegotiationFrame
  | ErrorMessage
  | { type: "pong" };

const SERVER_TYPES = new Set([
  "welcome",
  "presence",
  "chat",
  "chat-dropped",
  "ringing",
  "incoming",
  "accepted",
  "ended",
  "call-restored",
  "ice-servers",
  "signal",
  "error",
  "pong",
]);

/**
 * Parses one text frame. Returns `null` for anything that is not a JSON object
 * with a known `type`, so a confused server cannot crash the page; the fields
 * themselves are trusted because the server validated what it relays.
 */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return null;
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !SERVER_TYPES.has(type)) return null;
  return value as ServerMessage;
}
