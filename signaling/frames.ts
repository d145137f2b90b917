/**
 * Outgoing frames, built as strings. Only small fields go through
 * `JSON.stringify`; relayed SDP/ICE keeps the sender's original text (see
 * {@linkcode stampFrame}), which saves a second serialisation per message.
 */

import { ERROR_HINTS, type ErrorCode } from "./protocol.ts";

/** `"value"` as JSON; names, ids and codes are short. */
const q = JSON.stringify;

/**
 * Adds `"field":value` as the last member of the JSON object `raw`. JSON.parse
 * keeps the last of duplicate keys, so this overrides whatever the client put
 * there (a spoofed `from`/`name`) without re-serialising the rest.
 *
 * @param raw the client's frame, already parsed once as a JSON object
 * @param suffix `,"field":value}` — see {@linkcode stampSuffix}
 */
export function stampFrame(raw: string, suffix: string): string {
  let end = raw.length - 1;
  // JSON allows whitespace after the closing brace.
  while (end > 0 && raw.charCodeAt(end) !== 0x7d /* } */) end--;
  let start = 1;
  while (start < end && isJsonSpace(raw.charCodeAt(start))) start++;
  // An empty object `{}` takes the field without a separating comma.
  return start === end ? "{" + suffix.slice(1) : raw.slice(0, end) + suffix;
}

/** The `,"field":"value"}` tail {@linkcode stampFrame} appends. */
export function stampSuffix(field: string, value: string): string {
  return "," + q(field) + ":" + q(value) + "}";
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** `{type:"error", code, message}`, the same in both dialects. */
export function errorFrame(code: ErrorCode, detail?: string): string {
  return '{"type":"error","code":' + q(code) + ',"message":' +
    q(detail ? `${detail} ${ERROR_HINTS[code]}` : ERROR_HINTS[code]) + "}";
}

/** Parley frames (server → client). */
export const parley = {
  /**
   * @param callJson `welcome.call` (see {@linkcode parley.welcomeCall}), or
   *   `null` when no call is up
   */
  welcome(
    name: string,
    renamed: boolean,
    room: string,
    usersJson: string,
    iceServersJson: string,
    resume: string,
    resumed: boolean,
    callJson: string | null,
  ): string {
    return '{"type":"welcome","name":' + q(name) + ',"renamed":' + renamed +
      ',"room":' + q(room) + ',"users":' + usersJson + ',"iceServers":' +
      iceServersJson + ',"resume":' + q(resume) + ',"resumed":' + resumed +
      (callJson === null ? "" : ',"call":' + callJson) + "}";
  },
  /**
   * `welcome.call`: the call a resumed session is still in. `audioOnly` is
   * written only when true (a page that lost the call, reloaded, rejoins it
   * with the right media).
   */
  welcomeCall(
    callId: string,
    peer: string,
    polite: boolean,
    state: "ringing" | "active",
    audioOnly = false,
  ): string {
    return '{"callId":' + q(callId) + ',"peer":' + q(peer) + ',"polite":' +
      polite + ',"state":' + q(state) + (audioOnly ? ',"audioOnly":true' : "") +
      "}";
  },
  callRestored(callId: string, peer: string): string {
    return '{"type":"call-restored","callId":' + q(callId) + ',"peer":' +
      q(peer) + "}";
  },
  iceServers(iceServersJson: string): string {
    return '{"type":"ice-servers","iceServers":' + iceServersJson + "}";
  },
  chat(fromJson: string, textJson: string, at: number): string {
    return '{"type":"chat","from":' + fromJson + ',"text":' + textJson +
      ',"at":' + at + "}";
  },
  ringing(callId: string, to: string): string {
    return '{"type":"ringing","callId":' + q(callId) + ',"to":' + q(to) + "}";
  },
  incoming(callId: string, from: string, audioOnly: boolean): string {
    return '{"type":"incoming","callId":' + q(callId) + ',"from":' + q(from) +
      ',"audioOnly":' + audioOnly + "}";
  },
  accepted(callId: string, peer: string, polite: boolean): string {
    return '{"type":"accepted","callId":' + q(callId) + ',"peer":' + q(peer) +
      ',"polite":' + polite + "}";
  },
  ended(callId: string, reason: EndReason, peer: string): string {
    return '{"type":"ended","callId":' + q(callId) + ',"reason":' + q(reason) +
      ',"peer":' + q(peer) + "}";
  },
  pong: '{"type":"pong"}',
  /** `count` room chats were dropped while this member could not read. */
  chatDropped(count: number): string {
    return '{"type":"chat-dropped","count":' + count + "}";
  },
};

/** `ended.reason` values. */
export type EndReason =
  | "declined"
  | "cancelled"
  | "busy"
  | "no-answer"
  | "hangup"
  | "peer-left"
  /** The callee's socket dropped and it may resume: try again in a moment. */
  | "reconnecting";

/** Tutorial-dialect frames (server → client). */
export const tutorial = {
  id(id: number): string {
    return '{"type":"id","id":' + id + "}";
  },
  rejectUsername(id: number, name: string): string {
    return '{"type":"rejectusername","id":' + id + ',"name":' + q(name) + "}";
  },
  userlist(namesJson: string): string {
    return '{"type":"userlist","users":' + namesJson + "}";
  },
  /** The sample client inserts `name` and `text` as HTML: escape both. */
  message(name: string, text: string, date: number): string {
    return '{"type":"message","name":' + q(escapeHtml(name)) + ',"text":' +
      q(escapeHtml(text)) + ',"date":' + date + "}";
  },
  hangUp(from: string): string {
    return '{"type":"hang-up","name":' + q(from) + "}";
  },
};

const HTML_SPECIAL = /[&<>"']/g;
const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for insertion into HTML, so it shows as the plain text it is. */
export function escapeHtml(text: string): string {
  return text.replace(HTML_SPECIAL, (c) => HTML_ENTITIES[c]);
}
