/**
 * What Parley needs from the distributed engine it runs on when there is
 * more than one server instance (Redis when self-hosting, Deno KV on Deno
 * Deploy): an inbox per instance, room leases, and instance liveness.
 *
 * Each room is run by one instance at a time, the holder of its lease: the
 * relay core for the room (names, presence, calls, sessions) lives there.
 * Other instances own sockets of users in that room and forward their frames
 * to the lease holder's inbox; the holder sends frames back the same way.
 * Parley adds no cluster protocol of its own beyond these messages.
 */

import { backoffDelay } from "../timing.ts";

/** Id of one server process; fresh at every start. */
export type InstanceId = string;

/** Timings shared by every broker; both default as below. */
export interface BrokerTimings {
  /**
   * How long a lease or a liveness mark lasts unless renewed. A crashed
   * instance is noticed, and its rooms can be taken over, after this long.
   * Default 5000 ms.
   */
  leaseMs: number;
}

/** Default {@linkcode BrokerTimings}. */
export const DEFAULT_TIMINGS: Readonly<BrokerTimings> = Object.freeze({
  leaseMs: 5000,
});

/** Called for each message addressed to this instance. */
export type MessageHandler = (from: InstanceId, message: string) => void;

/**
 * Called when messages from `from` to this instance were lost (seen as a
 * gap in their order): whatever the two instances share may be out of step.
 */
export type GapHandler = (from: InstanceId) => void;

/**
 * The distributed engine, as the cluster router sees it. Every method copes
 * with the store being briefly unreachable: `send` holds messages (bounded)
 * until it is back, the others reject, and {@linkcode Broker.healthy} says
 * so; none crashes the process.
 */
export interface Broker {
  /** This instance's id. */
  readonly self: InstanceId;

  /** How long leases and liveness marks last (see {@linkcode BrokerTimings}). */
  readonly leaseMs: number;

  /**
   * Whether the store is reachable now. `false` while reconnecting; the
   * server reports itself degraded on `/healthz`.
   */
  readonly healthy: boolean;

  /**
   * Starts delivering messages addressed to this instance to `onMessage`
   * and marks this instance alive. Resolves once messages sent after that
   * will be received. A broker that can lose messages (Redis, when an
   * inbox is trimmed past its length limit or a write is lost with its
   * connection) reports each loss it detects to `onGap`; one whose inbox is
   * durable may never call it.
   */
  start(onMessage: MessageHandler, onGap?: GapHandler): Promise<void>;

  /**
   * Queues `message` (a string of at most 256 KiB) for instance `to`.
   * Messages from one sender to one receiver arrive in the order sent, at
   * most once. Never throws; a message that cannot be delivered (the store
   * stayed unreachable past the send buffer, the receiver is gone) is lost,
   * which the router's liveness checks turn into closed connections.
   */
  send(to: InstanceId, message: string): void;

  /**
   * The instance holding `room`'s lease: this instance, if the lease was
   * free, expired, or held by an instance that is no longer alive (then it
   * is taken over atomically). Rejects when the store is unreachable.
   */
  claim(room: string): Promise<InstanceId>;

  /**
   * Marks this instance alive for another `leaseMs` and extends the leases
   * of `rooms` (a lease that vanished, e.g. because the store restarted
   * empty, is taken again). Resolves to the rooms whose lease another
   * instance now holds: this instance must stop running them. Rejects when
   * the store is unreachable.
   */
  renew(rooms: Iterable<string>): Promise<string[]>;

  /** Gives up `room`'s lease if this instance still holds it. */
  release(room: string): Promise<void>;

  /** Which of `ids` are alive (marked within `leaseMs`). Rejects when unreachable. */
  alive(ids: InstanceId[]): Promise<Set<InstanceId>>;

  /** Stops receiving, gives up this instance's leases and liveness, disconnects. */
  close(): Promise<void>;
}

/**
 * How a broker waits between attempts to reach its store (a reconnect, a
 * failed commit, watch or drain): 50 ms doubling to 2 s, no jitter.
 */
export const STORE_BACKOFF = { baseMs: 50, capMs: 2000, jitter: 0 };

/** The wait before attempt `failures` (0 for the first retry) to reach a store. */
export function storeBackoff(failures: number): number {
  return backoffDelay(failures, Math.random, STORE_BACKOFF);
}
