/**
 * The {@linkcode Broker} for self-hosting: Redis. This module wires the
 * parts together and answers for the broker's life (connect, start, health,
 * close); the parts are:
 *
 * - `redis_client.ts`: the three connections and the command timeout;
 * - `redis_outbox.ts`: sending (batched, numbered inbox entries, held until
 *   read and sent again after Redis lost them);
 * - `redis_inbox.ts`: reading this instance's inbox stream, acknowledging,
 *   skipping what it already has and reporting gaps;
 * - `redis_leases.ts`: room leases and liveness;
 * - `redis_keys.ts`: where each of these lives in Redis.
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Logger, LogRecord } from "../log.ts";
import {
  type Broker,
  DEFAULT_TIMINGS,
  type GapHandler,
  type InstanceId,
  type MessageHandler,
} from "./broker.ts";
import { OutageLog } from "./outage_log.ts";
import { RedisConnections } from "./redis_client.ts";
import { RedisInbox } from "./redis_inbox.ts";
import { RedisLeases } from "./redis_leases.ts";
import { RedisOutbox } from "./redis_outbox.ts";

/** How to reach Redis and how this instance behaves there. */
export interface RedisBrokerOptions {
  /** `redis://[[user]:password@]host[:port][/db]`. */
  url: string;
  /** This instance's id; a fresh UUID by default. */
  self?: InstanceId;
  /** How long leases and liveness marks last; see `BrokerTimings` in broker.ts. */
  leaseMs?: number;
  /** Receives one record when Redis is lost and one when it is back. */
  logger?: Logger;
  /** Messages `send` holds while Redis is unreachable; more are dropped. Default 10,000. */
  sendBufferLimit?: number;
  /** Characters of messages `send` holds so. Default 16 Mi (32 MiB). */
  sendBufferChars?: number;
  /**
   * Entries (batches of messages) an inbox keeps unread before the oldest
   * are dropped, which the receiver sees as a gap. Default 10,000.
   */
  inboxMaxLength?: number;
  /** A command that has not answered after this long rejects. Default 1500 ms. */
  commandTimeoutMs?: number;
  /** How long {@linkcode RedisBroker.connect} waits for Redis. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Sent messages held until their receiver has read them, to send again
   * after Redis lost them (see `sent_until_read.ts`). Default 20,000.
   */
  unackedLimit?: number;
  /** Characters of sent entries held so. Default 8 Mi (16 MiB). */
  unackedChars?: number;
  /** Time and timers; the system clock by default. */
  clock?: Clock;
}

/** A {@linkcode Broker} on one Redis server. Create it with {@linkcode RedisBroker.connect}. */
export class RedisBroker implements Broker {
  readonly self: InstanceId;
  readonly leaseMs: number;
  readonly #log: Logger;
  readonly #outage: OutageLog;
  readonly #connections: RedisConnections;
  readonly #outbox: RedisOutbox;
  readonly #inbox: RedisInbox;
  readonly #leases: RedisLeases;
  #started = false;
  #closed = false;

  private constructor(options: RedisBrokerOptions) {
    this.self = options.self ?? crypto.randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_TIMINGS.leaseMs;
    this.#log = options.logger ?? (() => {});
    const clock: Clock = options.clock ?? systemClock;
    const record = (fields: LogRecord) => this.#record(fields);
    this.#outage = new OutageLog(
      options.sendBufferLimit ?? 10_000,
      record,
      clock,
    );
    this.#connections = new RedisConnections(
      options.url,
      clock,
      options.commandTimeoutMs ?? 1500,
      {
        down: (error) => this.#onDown(error),
        ready: () => this.#onReady(),
      },
    );
    this.#outbox = new RedisOutbox({
      self: this.self,
      connections: this.#connections,
      clock,
      outage: this.#outage,
      healthy: () => this.healthy,
      record,
      sendBufferChars: options.sendBufferChars ?? 16 * 1024 * 1024,
      inboxMaxLength: options.inboxMaxLength ?? 10_000,
      unacked: {
        messages: options.unackedLimit ?? 20_000,
        chars: options.unackedChars ?? 8 * 1024 * 1024,
      },
    });
    this.#inbox = new RedisInbox(
      this.self,
      this.#connections,
      clock,
      record,
    );
    this.#leases = new RedisLeases(
      this.self,
      this.leaseMs,
      this.#connections,
      clock,
    );
  }

  /**
   * Connects the three connections; resolves once all of them are
   * ready. Rejects (and leaves nothing running) when Redis does not
   * answer within `connectTimeoutMs`. Afterwards it reconnects forever.
   */
  static async connect(options: RedisBrokerOptions): Promise<RedisBroker> {
    const broker = new RedisBroker(options);
    try {
      await broker.#connections.connect(options.connectTimeoutMs ?? 10_000);
    } catch (error) {
      broker.#closed = true;
      await broker.#connections.disconnect();
      throw error;
    }
    return broker;
  }

  get healthy(): boolean {
    return !this.#closed && this.#connections.ready;
  }

  async start(onMessage: MessageHandler, onGap?: GapHandler): Promise<void> {
    if (this.#started) {
      throw new Error("RedisBroker.start was already called.");
    }
    this.#started = true;
    try {
      await this.#leases.markAlive();
    } catch (error) {
      this.#started = false; // so that start can be tried again
      throw error;
    }
    this.#inbox.start(onMessage, onGap ?? null);
  }

  send(to: InstanceId, message: string): void {
    if (this.#closed) return;
    this.#outbox.send(to, message);
  }

  claim(room: string): Promise<InstanceId> {
    return this.#leases.claim(room);
  }

  renew(rooms: Iterable<string>): Promise<string[]> {
    return this.#leases.renew(rooms);
  }

  release(room: string): Promise<void> {
    return this.#leases.release(room);
  }

  alive(ids: InstanceId[]): Promise<Set<InstanceId>> {
    return this.#leases.alive(ids);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#outbox.flushNow();
    this.#closed = true;
    this.#started = false;
    this.#inbox.stop();
    const sending = this.#outbox.close();
    this.#leases.endWaits();
    await sending;
    await this.#leases.giveUp();
    await this.#connections.disconnect();
    // Its pending read was cut off with the connection: let it see that.
    await this.#inbox.stopped();
  }

  #onDown(error: unknown): void {
    if (!this.#closed) this.#outage.down(error);
  }

  #onReady(): void {
    // A reconnection may be to a Redis that came back empty.
    this.#outbox.reconnected();
    if (this.#closed || !this.healthy) return;
    if (this.#outage.up()) this.#leases.storeBack(this.#started);
    this.#outbox.flush();
  }

  #record(fields: LogRecord): void {
    this.#log({ broker: "redis", self: this.self, ...fields });
  }
}
