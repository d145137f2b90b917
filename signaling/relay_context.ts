/**
 * What the relay's modules share: the records for sockets and logged-in
 * users, and the relay services (output, errors, presence) they call back
 * into. The relay (`relay.ts`) owns all of it; call control and
 * the session lifecycle only borrow it, so there is one place that counts
 * frames and one place that decides when presence goes out.
 */

import type { ConnectionId } from "./bus.ts";
import type { Call, CallClaim } from "./calls.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import type { RateLimiter } from "./limits.ts";
import type { PriorityOutbox } from "./outbox.ts";
import type { UserState } from "./presence.ts";
import type { Dialect, ErrorCode } from "./protocol.ts";
import type { Room } from "./rooms.ts";

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
  /** Closes the socket if it has not logged in in time; `null` once fired or cleared. */
  loginTimer: TimerHandle | null;
}

/** A call claimed at login after a restart, waiting for the peer's claim. */
export interface PendingClaim extends CallClaim {
  /** Ends the wait with `peer-left` after the grace period. */
  timer: TimerHandle | null;
}

/**
 * A logged-in user: a name in a room and maybe a call. Outlives its socket
 * while detached (`conn` is `null`), for the grace period.
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
  /** The socket now; `null` while detached. */
  conn: Connection | null;
  call: Call<Member> | null;
  claim: PendingClaim | null;
  /**
   * Frames held while detached, sent right after the next `welcome`: call
   * frames kept whole, room chat bounded (see `outbox.ts`). `null` while
   * connected, so an idle member carries none.
   */
  outbox: PriorityOutbox | null;
  /** Grace period while detached (or the immediate end once over-queued). */
  graceTimer: TimerHandle | null;
  /** The queue overflowed: the session ends on the next timer turn. */
  ending: boolean;
  /** False once the session has ended: late timers and frames do nothing. */
  live: boolean;
}

/** Ringing, in a call, or waiting for a claimed call's peer. */
export function isBusy(member: Member): boolean {
  return member.call !== null || member.claim !== null;
}

/**
 * What the room is shown of `member`: `reconnecting` while detached (its
 * socket dropped and it may resume; a call to it fails at once, see
 * `CallControl.call`), else `busy` or `available`.
 */
export function presenceState(member: Member): UserState {
  if (member.conn === null) return "reconnecting";
  return isBusy(member) ? "busy" : "available";
}

/** The relay's settings and services, as its modules see them. */
export interface RelayContext {
  readonly config: SignalingConfig;
  readonly clock: Clock;
  readonly log: Logger;
  /** Sends one frame to a socket, counted. */
  send(conn: Connection, frame: string): void;
  /** Sends to a member's socket, or queues it while the member is detached. */
  deliver(member: Member, frame: string): void;
  /** Sends an `error` frame, counted and (up to a limit) logged. */
  reject(conn: Connection, code: ErrorCode, detail?: string): void;
  /** Relays a tutorial SDP/ICE frame from `from`, name stamped on, counted. */
  relayFrame(from: Member, to: Member, raw: string): void;
  /**
   * `member`'s presence state (busy, or reconnecting) may have changed:
   * schedule a presence delta.
   */
  presenceChanged(member: Member): void;
}
