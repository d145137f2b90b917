/**
 * The messages instances exchange through the broker: an edge (the instance
 * holding a user's socket) forwards socket events to the room's owner (the
 * instance running the room), and the owner sends frames and closes back.
 *
 * A message is `kind|conn|…` with the relayed frame last and untouched, so
 * forwarding a frame costs a string concatenation rather than re-encoding
 * the frame as JSON inside JSON. `conn` is the edge's connection id.
 */

import type { Dialect } from "../protocol.ts";

/** A message between instances. */
export type WireMessage =
  /**
   * Edge → owner: a socket for `room` opened; `hasOrigin` as in the relay's
   * `ConnectionMeta` (only then does the owner hand out TURN credentials).
   */
  | {
    kind: "open";
    conn: number;
    dialect: Dialect;
    room: string;
    ip?: string;
    hasOrigin?: boolean;
  }
  /** Edge → owner: the socket sent a text frame. */
  | { kind: "frame"; conn: number; data: string }
  /** Edge → owner: the socket sent a binary frame (refused by the relay). */
  | { kind: "binary"; conn: number }
  /** Edge → owner: the socket closed. */
  | { kind: "closed"; conn: number; code: number; wasClean: boolean }
  /** Owner → edge: send this frame on the socket. */
  | { kind: "send"; conn: number; frame: string }
  /** Owner → edge: send this frame on each of these sockets. */
  | { kind: "sendMany"; conns: number[]; frame: string }
  /** Owner → edge: close the socket. */
  | { kind: "close"; conn: number; code: number; reason: string }
  /** Either way, once a heartbeat: carries nothing but its place in order. */
  | { kind: "tick" };

/** The encoded tick. */
export const TICK = "t|0|";

const KIND_TO_TAG = {
  open: "o",
  frame: "m",
  binary: "b",
  closed: "c",
  send: "s",
  close: "x",
} as const;

/** Encodes `message` for {@linkcode Broker.send}. */
export function encodeWire(message: WireMessage): string {
  if (message.kind === "tick") return TICK;
  if (message.kind === "sendMany") {
    return `S|${message.conns.join(",")}|${message.frame}`;
  }
  const head = `${KIND_TO_TAG[message.kind]}|${message.conn}|`;
  switch (message.kind) {
    case "open":
      return `${head}${message.dialect}|${message.room}|${message.ip ?? ""}${
        message.hasOrigin ? "|1" : ""
      }`;
    case "frame":
      return head + message.data;
    case "binary":
      return head;
    case "closed":
      return `${head}${message.code}|${message.wasClean ? 1 : 0}`;
    case "send":
      return head + message.frame;
    case "close":
      return `${head}${message.code}|${message.reason}`;
  }
}

/** `frame` to send on edge connection `conn`: the owner's hot path. */
export function sendWire(conn: number, frame: string): string {
  return `s|${conn}|${frame}`;
}

/** A socket frame from edge connection `conn`: the edge's hot path. */
export function frameWire(conn: number, data: string): string {
  return `m|${conn}|${data}`;
}

/**
 * Decodes a message from another instance, or returns `null` when it is not
 * one (a different Parley version sharing the store, say): the caller logs
 * and drops it.
 */
export function decodeWire(text: string): WireMessage | null {
  if (text === TICK) return { kind: "tick" };
  if (text.startsWith("S|")) return decodeSendMany(text);
  const first = text.indexOf("|");
  const second = first < 0 ? -1 : text.indexOf("|", first + 1);
  if (first !== 1 || second < 0) return null;
  const conn = Number(text.slice(2, second));
  if (!Number.isSafeInteger(conn) || conn <= 0) return null;
  const rest = text.slice(second + 1);
  switch (text[0]) {
    case "m":
      return { kind: "frame", conn, data: rest };
    case "s":
      return { kind: "send", conn, frame: rest };
    case "b":
      return { kind: "binary", conn };
    case "o": {
      const [dialect, room, ip, origin, extra] = rest.split("|");
      if (
        (dialect !== "parley" && dialect !== "tutorial") ||
        room === undefined || ip === undefined ||
        (origin !== undefined && origin !== "1") || extra !== undefined
      ) return null;
      const open: WireMessage = { kind: "open", conn, dialect, room };
      if (ip !== "") open.ip = ip;
      if (origin === "1") open.hasOrigin = true;
      return open;
    }
    case "c": {
      const [code, clean, extra] = rest.split("|");
      const n = Number(code);
      if (
        !Number.isInteger(n) || (clean !== "0" && clean !== "1") ||
        extra !== undefined
      ) return null;
      return { kind: "closed", conn, code: n, wasClean: clean === "1" };
    }
    case "x": {
      const bar = rest.indexOf("|");
      const n = Number(rest.slice(0, bar));
      if (bar < 0 || !Number.isInteger(n)) return null;
      return { kind: "close", conn, code: n, reason: rest.slice(bar + 1) };
    }
  }
  return null;
}

function decodeSendMany(text: string): WireMessage | null {
  const bar = text.indexOf("|", 2);
  if (bar < 0) return null;
  const conns = text.slice(2, bar).split(",").map(Number);
  if (!conns.every((c) => Number.isSafeInteger(c) && c > 0)) return null;
  return { kind: "sendMany", conns, frame: text.slice(bar + 1) };
}
