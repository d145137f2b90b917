/**
 * The sender's side of delivery that survives a store restarting empty:
 * holds what was sent (in {@linkcode UnackedMessages}) until the receiver
 * says it has read it, asks how far receivers have read while anything is
 * held, and marks what is held (the entries as written) for sending again
 * after a reconnection or a failed write. Owns its timers; the broker does
 * the I/O through the callbacks it passes in.
 */

import type { Clock, TimerHandle } from "../clock.ts";
import type { LogRecord } from "../log.ts";
import type { InstanceId } from "./broker.ts";
import {
  type HeldEntry,
  type UnackedLimits,
  UnackedMessages,
} from "./unacked.ts";

/** How often receivers are asked how far they have read, while messages are held. */
const ACK_POLL_MS = 50;
/** Pause before sending held messages again after a write failed. */
const RESEND_RETRY_MS = 250;
/** Messages let go unread are logged at most this often. */
const EVICTION_LOG_EVERY_MS = 60_000;

/** What {@linkcode SentUntilRead} needs from its broker. */
export interface SentUntilReadOptions {
  limits: UnackedLimits;
  /**
   * For each of `receivers`, the next number it expects from this sender
   * (what it has read), or `null` when it has not said. Rejects when the
   * store is unreachable.
   */
  readAcks(receivers: InstanceId[]): Promise<(string | null)[]>;
  /** Writes out what is due, held entries to send again first. */
  flush(): void;
  /** Writes one log record. */
  record(fields: LogRecord): void;
  /**
   * A receiver whose acknowledgement has not moved for this long is let go
   * of: it is gone, or its inbox expired unread.
   */
  staleMs: number;
  /** The broker's clock: its time and timers. */
  clock: Clock;
}

/** See the module doc. */
export class SentUntilRead {
  readonly #options: SentUntilReadOptions;
  readonly #unacked: UnackedMessages;
  #pollTimer: TimerHandle = null;
  #polling: Promise<void> | null = null;
  #retryTimer: TimerHandle = null;
  #evictedLogged = 0;
  #evictionLoggedAt = -Infinity;
  #closed = false;

  constructor(options: SentUntilReadOptions) {
    this.#options = options;
    this.#unacked = new UnackedMessages(options.limits);
  }

  /** Holds `entries`, just written for `to`, until `to` has read them. */
  hold(to: InstanceId, entries: readonly HeldEntry[]): void {
    if (this.#closed) return;
    this.#unacked.add(to, entries, this.#options.clock.now());
    this.#logEvictions();
    this.#schedulePoll();
  }

  /** A write to `to` failed: what is held for it goes out again shortly. */
  failed(to: InstanceId): void {
    if (this.#closed) return;
    this.#unacked.resend(to);
    this.#retryTimer ??= this.#options.clock.setTimeout(() => {
      this.#retryTimer = null;
      this.#options.flush();
    }, RESEND_RETRY_MS);
  }

  /** A connection came back, maybe to an emptied store: everything goes out again. */
  reconnected(): void {
    this.#unacked.resendAll();
  }

  /** Held entries due to go out again, per receiver, oldest first. */
  takeResends(): [InstanceId, HeldEntry[]][] {
    return this.#unacked.takeResends();
  }

  /** Stops asking and retrying; what is held is let go. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#options.clock.clearTimeout(this.#pollTimer);
    this.#options.clock.clearTimeout(this.#retryTimer);
    this.#pollTimer = this.#retryTimer = null;
    await this.#polling;
  }

  #schedulePoll(): void {
    if (
      this.#closed || this.#pollTimer !== null || this.#polling !== null ||
      this.#unacked.size === 0
    ) return;
    this.#pollTimer = this.#options.clock.setTimeout(() => {
      this.#pollTimer = null;
      this.#polling = this.#poll().finally(() => {
        this.#polling = null;
        this.#schedulePoll();
      });
    }, ACK_POLL_MS);
  }

  /** Lets go of what each receiver says it has read. */
  async #poll(): Promise<void> {
    const receivers = this.#unacked.receivers();
    try {
      const acks = await this.#options.readAcks(receivers);
      const now = this.#options.clock.now();
      receivers.forEach((to, i) => {
        const next = Number(acks[i]);
        if (acks[i] != null && Number.isSafeInteger(next)) {
          this.#unacked.ack(to, next, now);
        }
      });
    } catch { /* the store is away: asked again next time */ }
    this.#unacked.forgetStale(this.#options.clock.now(), this.#options.staleMs);
    this.#logEvictions();
  }

  /**
   * Says (at most once a minute) that messages were let go unread: until
   * those are read, a store restart would cost their receiver a resync.
   */
  #logEvictions(): void {
    const evicted = this.#unacked.evicted;
    const now = this.#options.clock.now();
    if (
      evicted === this.#evictedLogged ||
      now - this.#evictionLoggedAt < EVICTION_LOG_EVERY_MS
    ) return;
    this.#options.record({
      event: "error",
      code: "broker-unacked-evicted",
      count: evicted - this.#evictedLogged,
    });
    this.#evictedLogged = evicted;
    this.#evictionLoggedAt = now;
  }
}
