/**
 * What the relay's modules share: the records for sockets and logged-in
 * users, and the outputs ({@linkcode Effect}) their handlers return. A
 * handler never calls the relay: it changes the records its module owns
 * and returns what should happen outside them (frames, closes, presence,
 * timers, log lines); the relay's one loop (`relay.ts`) applies them in
 * order, so nothing re-enters a handler while another is running.
 */

import type { ConnectionId } from "./bus.ts";
import type { Call, CallClaim } from "./calls.ts";
import type { RateLimiter } from "./limits.ts";
import type { LogRecord } from "./log.ts";
import type { MemberLife } from "./member_life.ts";
import type { UserState } from "./presence.ts";
import type { Dialect, ErrorCode } from "./protocol.ts";
import type { Room } from "./rooms.ts";
import type { Timers } from "./timers.ts";

/** WebSocket close codes the relay uses. */
export const CloseCode = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  /** The session was resumed on another socket. */
  replaced: 4001,
} as const;

/** One open socket as the relay sees it. */
export interface Connection {
  readonly id: ConnectionId;
  readonly dialect: Dialect;
  readonly roomName: string;
  /**
   * The client's address (`UNKNOWN_ADDRESS` when the transport did not say):
   * detached sessions are capped per address.
   */
  readonly address: string;
  /**
   * Whether the upgrade carried an `Origin` (a browser page; the transport
   * refused origins that are not allowed). Only such sessions are handed
   * TURN credentials.
   */
  readonly hasOrigin: boolean;
  readonly limiter: RateLimiter;
  readonly openedAt: number;
  /** The session on this socket: `null` before login, and once replaced. */
  member: Member | null;
  errors: number;
}

/**
 * A logged-in user: a name in a room and maybe a call. Outlives its socket
 * while detached, for the grace period.
 */
export interface Member {
  /** Stable across resumes; presence tells users apart by it. */
  readonly sid: number;
  readonly dialect: Dialect;
  readonly room: Room<Member>;
  readonly name: string;
  readonly key: string;
  /**
   * `,"name":"…"}`, stamped on the tutorial-dialect frames this member's
   * peer gets; empty for `parley.v1`, whose signals go on as sent.
   */
  readonly stamp: string;
  /** Live, detached, ending or gone: changed only by the session lifecycle. */
  life: MemberLife<Connection>;
  /** Changed only by call control. */
  call: Call<Member> | null;
  /** A call claimed at login after a restart; changed only by call control. */
  claim: CallClaim | null;
}

/** Ringing, in a call, or waiting for a claimed call's peer. */
export function isBusy(member: Member): boolean {
  return member.call !== null || member.claim !== null;
}

/**
 * What the room is shown of `member`: `reconnecting` while its socket is
 * gone (it may resume; a call to it fails at once, see
 * `CallControl.call`), else `busy` or `available`.
 */
export function presenceState(member: Member): UserState {
  if (member.life.state !== "live") return "reconnecting";
  return isBusy(member) ? "busy" : "available";
}

/** One output of a handler, applied by the relay's loop. */
export type Effect =
  /** One frame to a socket, counted. */
  | { readonly kind: "send"; readonly conn: Connection; readonly frame: string }
  /** One frame to a member's socket, or to its outbox while detached. */
  | { readonly kind: "deliver"; readonly to: Member; readonly frame: string }
  /** A call peer's SDP/ICE frame: delivered like `deliver`, and counted. */
  | { readonly kind: "relay"; readonly to: Member; readonly frame: string }
  /** An `error` frame, counted and (up to a limit) logged. */
  | {
    readonly kind: "reject";
    readonly conn: Connection;
    readonly code: ErrorCode;
    readonly detail?: string;
  }
  /** Closes a socket on the server's initiative; it is forgotten at once. */
  | {
    readonly kind: "close";
    readonly conn: Connection;
    readonly code: number;
    readonly reason: string;
  }
  /** A member's presence state may have changed. */
  | { readonly kind: "presence"; readonly member: Member }
  /** A room's membership changed. */
  | { readonly kind: "roster"; readonly room: Room<Member> }
  /**
   * Starts (or restarts) the timer under `key` in a module's own set; when
   * it fires, the module's `fire` runs as an input of the loop.
   */
  | {
    readonly kind: "setTimer";
    readonly timers: Timers<unknown>;
    readonly key: unknown;
    readonly ms: number;
    readonly fire: () => Effect[];
  }
  /** Cancels the timer under `key` in a module's own set. */
  | {
    readonly kind: "clearTimer";
    readonly timers: Timers<unknown>;
    readonly key: unknown;
  }
  /** One log record. */
  | { readonly kind: "log"; readonly record: LogRecord }
  /**
   * A handler to run once the outputs queued before this one are applied
   * (a session whose outbox overflowed ends after the fan-out that
   * overflowed it); its outputs join the end of the queue.
   */
  | { readonly kind: "then"; readonly run: () => Effect[] };

/** No outputs: the shared empty list (never pushed to). */
export const NONE: Effect[] = Object.freeze([]) as unknown as Effect[];

/** The `reject` output: one `error` frame to `conn`. */
export function reject(
  conn: Connection,
  code: ErrorCode,
  detail?: string,
): Effect[] {
  return [{ kind: "reject", conn, code, detail }];
}

/** The `setTimer` output for a module's own timer set. */
export function setTimer<K>(
  timers: Timers<K>,
  key: K,
  ms: number,
  fire: () => Effect[],
): Effect {
  return { kind: "setTimer", timers: timers as Timers<unknown>, key, ms, fire };
}

/** The `clearTimer` output for a module's own timer set. */
export function clearTimer<K>(timers: Timers<K>, key: K): Effect {
  return { kind: "clearTimer", timers: timers as Timers<unknown>, key };
}

/** The `log` output. */
export function log(record: LogRecord): Effect {
  return { kind: "log", record };
}
