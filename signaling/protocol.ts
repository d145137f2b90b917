/**
 * The wire protocol of both dialects (see PROTOCOL.md): message types, error
 * codes, and validation of parsed client frames. Pure functions, no I/O.
 */

import { neutralizeText } from "./text_rules.ts";

/** `parley.v1` (Parley's client) or `tutorial` (the MDN sample, `json`). */
export type Dialect = "parley" | "tutorial";

/** The `Sec-WebSocket-Protocol` value of Parley's own client. */
export const PARLEY_SUBPROTOCOL = "parley.v1";
/** The subprotocol the MDN sample client offers. */
export const TUTORIAL_SUBPROTOCOL = "json";

/** Error codes sent in `{type: "error", code, message}`. */
export type ErrorCode =
  | "bad-json"
  | "bad-message"
  | "unknown-type"
  | "not-logged-in"
  | "already-logged-in"
  | "bad-name"
  | "unknown-user"
  | "self-call"
  | "in-call"
  | "no-call"
  | "incompatible"
  | "text-too-long"
  | "rate-limited"
  | "room-full";

/** What each error means for the client, phrased as what to do. */
export const ERROR_HINTS: Readonly<Record<ErrorCode, string>> = {
  "bad-json": "Send one JSON object per text frame.",
  "bad-message":
    "A field is missing or has the wrong type; check the message against PROTOCOL.md.",
  "unknown-type": "Unknown message type; see PROTOCOL.md for the list.",
  "not-logged-in": "Log in with a name first.",
  "already-logged-in":
    "This connection already has a name; open a new connection to use another.",
  "bad-name":
    "Pick a name of 1–32 characters (an emoji counts as one) without invisible, control or direction-changing characters.",
  "unknown-user": "No user of that name in this room; check the user list.",
  "self-call": "You cannot call yourself; pick another user.",
  "in-call": "You are already ringing or in a call; end it first.",
  "no-call": "No such call of yours in that state; it may have ended already.",
  "incompatible":
    "That user's client speaks the other protocol dialect and cannot take this call.",
  "text-too-long": "Shorten the message.",
  "rate-limited":
    "Too many messages; slow down or the connection will be closed.",
  "room-full":
    "This room has as many users as it can take; try again later or use another room.",
};

/** An SDP description as relayed in `signal` / `video-offer`. */
export interface SessionDescription {
  type: string;
  sdp: string;
}

/** `login.call`: a call the client was in before its server restarted. */
export interface LoginCallClaim {
  callId: string;
  peer: string;
  polite?: boolean;
}

/** Client → server messages of `parley.v1`, after validation. */
export type ParleyMessage =
  | { type: "login"; name: unknown; resume?: string; call?: LoginCallClaim }
  | { type: "chat"; text: string }
  | { type: "call"; to: string; audioOnly: boolean }
  | { type: "accept" | "decline" | "cancel" | "hangup"; callId: string }
  | { type: "signal"; callId: string }
  | { type: "ice-servers" }
  | { type: "ping" };

/** Client → server messages of the tutorial dialect, after validation. */
export type TutorialMessage =
  | { type: "username"; name: unknown }
  | { type: "message"; text: string }
  | { type: "video-offer" | "video-answer"; target: string }
  | { type: "new-ice-candidate"; target: string }
  | { type: "hang-up"; target: string | null };

/** Any validated client message. */
export type ClientMessage = ParleyMessage | TutorialMessage;

/**
 * Why a frame was refused. A class, so that a client's frame carrying its
 * own `reject` field can never pass for one.
 */
export class Rejection {
  constructor(
    readonly reject: ErrorCode,
    /** More specific than the generic hint, when there is something to say. */
    readonly detail?: string,
  ) {}
}

/** Type guard for validation results. */
export function isRejection(value: unknown): value is Rejection {
  return value instanceof Rejection;
}

const DESCRIPTION_TYPES = new Set(["offer", "answer", "rollback", "pranswer"]);
const MAX_ID_CHARS = 64;
const MAX_TARGET_CHARS = 256;

/**
 * Parses a text frame; anything but a JSON object is refused. Never throws.
 */
export function parseFrame(text: string): Record<string, unknown> | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return new Rejection("bad-json");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return new Rejection(
      "bad-json",
      "Send a JSON object, not an array or a scalar.",
    );
  }
  return value as Record<string, unknown>;
}

/** Validates a parsed `parley.v1` frame. Never throws. */
export function validateParley(
  msg: Record<string, unknown>,
): ParleyMessage | Rejection {
  switch (msg.type) {
    case "login":
      if (msg.resume !== undefined && typeof msg.resume !== "string") {
        return bad("resume must be the string from welcome");
      }
      if (msg.call !== undefined && !isCallClaim(msg.call)) {
        return bad(
          "call must be {callId, peer} (and optionally polite) of the call you were in",
        );
      }
      return msg as ParleyMessage;
    case "chat":
      return typeof msg.text === "string"
        ? msg as ParleyMessage
        : bad("chat needs text (a string)");
    case "call":
      if (!isShortString(msg.to, MAX_TARGET_CHARS)) {
        return bad("call needs to (a user name)");
      }
      if (msg.audioOnly !== undefined && typeof msg.audioOnly !== "boolean") {
        return bad("audioOnly must be true or false");
      }
      return { type: "call", to: msg.to, audioOnly: msg.audioOnly === true };
    case "accept":
    case "decline":
    case "cancel":
    case "hangup":
      return isShortString(msg.callId, MAX_ID_CHARS)
        ? msg as ParleyMessage
        : bad(`${msg.type} needs callId (from ringing or incoming)`);
    case "signal":
      if (!isShortString(msg.callId, MAX_ID_CHARS)) {
        return bad("signal needs callId");
      }
      // Relayed as sent, so a `from` in it would reach the peer unchecked.
      if (msg.from !== undefined) {
        return bad(
          "leave from out of signal: it goes only to your call's peer, who knows it is from you",
        );
      }
      return validateSignalPayload(msg) ?? msg as ParleyMessage;
    case "ice-servers":
    case "ping":
      return msg as ParleyMessage;
    default:
      return typeof msg.type === "string"
        ? new Rejection("unknown-type")
        : bad("every message needs a string type");
  }
}

function isCallClaim(value: unknown): value is LoginCallClaim {
  if (typeof value !== "object" || value === null) return false;
  const { callId, peer, polite } = value as Record<string, unknown>;
  return isShortString(callId, MAX_ID_CHARS) &&
    isShortString(peer, MAX_TARGET_CHARS) &&
    (polite === undefined || typeof polite === "boolean");
}

/** Validates a parsed tutorial-dialect frame. Never throws. */
export function validateTutorial(
  msg: Record<string, unknown>,
): TutorialMessage | Rejection {
  switch (msg.type) {
    case "username":
      return msg as TutorialMessage;
    case "message":
      return typeof msg.text === "string"
        ? msg as TutorialMessage
        : bad("message needs text (a string)");
    case "video-offer":
    case "video-answer":
      if (!isShortString(msg.target, MAX_TARGET_CHARS)) {
        return bad(`${msg.type} needs target (a user name)`);
      }
      return isDescription(msg.sdp)
        ? msg as TutorialMessage
        : bad(`${msg.type} needs sdp: {type, sdp}`);
    case "new-ice-candidate":
      if (!isShortString(msg.target, MAX_TARGET_CHARS)) {
        return bad("new-ice-candidate needs target (a user name)");
      }
      return msg.candidate === null || isCandidate(msg.candidate)
        ? msg as TutorialMessage
        : bad("candidate must be an RTCIceCandidateInit or null");
    case "hang-up":
      if (msg.target === undefined || msg.target === null) {
        return { type: "hang-up", target: null };
      }
      return isShortString(msg.target, MAX_TARGET_CHARS)
        ? msg as TutorialMessage
        : bad("target must be a user name or null");
    default:
      return typeof msg.type === "string"
        ? new Rejection("unknown-type")
        : bad("every message needs a string type");
  }
}

/** `signal` carries exactly one of `description` and `candidate`. */
function validateSignalPayload(msg: Record<string, unknown>): Rejection | null {
  const hasDescription = msg.description !== undefined;
  const hasCandidate = msg.candidate !== undefined;
  if (hasDescription === hasCandidate) {
    return bad("signal needs exactly one of description and candidate");
  }
  if (hasDescription) {
    return isDescription(msg.description) &&
        DESCRIPTION_TYPES.has((msg.description as SessionDescription).type)
      ? null
      : bad("description must be {type: offer|answer|rollback|pranswer, sdp}");
  }
  return msg.candidate === null || isCandidate(msg.candidate)
    ? null
    : bad("candidate must be an RTCIceCandidateInit or null");
}

function isDescription(value: unknown): value is SessionDescription {
  if (typeof value !== "object" || value === null) return false;
  const { type, sdp } = value as Record<string, unknown>;
  // `sdp` may be absent for a rollback.
  return typeof type === "string" &&
    (sdp === undefined || typeof sdp === "string");
}

function isCandidate(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return false;
  }
  const c = value as Record<string, unknown>;
  return typeof c.candidate === "string" &&
    (c.sdpMid === undefined || c.sdpMid === null ||
      typeof c.sdpMid === "string") &&
    (c.sdpMLineIndex === undefined || c.sdpMLineIndex === null ||
      (Number.isInteger(c.sdpMLineIndex) &&
        (c.sdpMLineIndex as number) >= 0 &&
        (c.sdpMLineIndex as number) <= 65535)) &&
    (c.usernameFragment === undefined || c.usernameFragment === null ||
      typeof c.usernameFragment === "string");
}

function isShortString(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= max;
}

function bad(detail: string): Rejection {
  return new Rejection("bad-message", detail);
}

/**
 * Cleans chat text for relaying as plain text: trims, neutralises what
 * could hide or reverse text (see `neutralizeText`: controls other than
 * newline and tab, direction overrides and isolates, invisible characters
 * outside emoji), and enforces 1..max characters.
 */
export function cleanChatText(text: string, max: number): string | Rejection {
  // Code points never outnumber UTF-16 units, so a cheap pre-check bounds the
  // work on oversized input before any regex runs.
  if (text.length > max * 2) return new Rejection("text-too-long");
  const clean = neutralizeText(text).trim();
  if (clean.length === 0) {
    return bad("text is empty");
  }
  if (clean.length > max && countCodePoints(clean) > max) {
    return new Rejection("text-too-long");
  }
  return clean;
}

function countCodePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Whether a received frame is larger than `maxBytes` when UTF-8 encoded.
 * Exact, but O(1) for the common small frame.
 */
export function frameTooBig(
  data: string | ArrayBuffer | ArrayBufferView | Blob,
  maxBytes: number,
): boolean {
  if (typeof data !== "string") {
    return (data instanceof Blob ? data.size : data.byteLength) > maxBytes;
  }
  if (data.length > maxBytes) return true; // ≥ 1 byte per UTF-16 unit
  if (data.length * 3 <= maxBytes) return false; // ≤ 3 bytes per unit
  return utf8Length(data) > maxBytes;
}

/** UTF-8 byte length of a string (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Picks the dialect from the offered subprotocols (`Sec-WebSocket-Protocol`):
 * `parley.v1` wins, then `json` (the MDN sample, which aborts unless the
 * server answers `json`), else the tutorial dialect with no subprotocol.
 */
export function negotiateDialect(
  offered: string | null,
): { dialect: Dialect; protocol?: string } {
  const protocols = offered ? offered.split(",").map((p) => p.trim()) : [];
  if (protocols.includes(PARLEY_SUBPROTOCOL)) {
    return { dialect: "parley", protocol: PARLEY_SUBPROTOCOL };
  }
  if (protocols.includes(TUTORIAL_SUBPROTOCOL)) {
    return { dialect: "tutorial", protocol: TUTORIAL_SUBPROTOCOL };
  }
  return { dialect: "tutorial" };
}
