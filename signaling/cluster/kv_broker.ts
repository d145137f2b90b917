/**
 * The {@linkcode Broker} for Deno Deploy: Deno KV (also usable on a local
 * KV file, where several instances share one file). This module wires the
 * parts together and answers for the broker's life (start, health, close);
 * the parts are:
 *
 * - `kv_outbox.ts`: sending, in commits of numbered inbox entries;
 * - `kv_inbox.ts`: watching this instance's inbox and draining it;
 * - `kv_leases.ts`: room leases and liveness;
 * - `kv_calls.ts`: every KV operation's timeout, retry and health;
 * - `kv_keys.ts` and `kv_inbox_values.ts`: what is kept where, and how.
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Logger, LogRecord } from "../log.ts";
import { Sleeps } from "../timing.ts";
import {
  type Broker,
  DEFAULT_TIMINGS,
  type InstanceId,
  type MessageHandler,
} from "./broker.ts";
import { KvCalls } from "./kv_calls.ts";
import { KvInbox } from "./kv_inbox.ts";
import { KvLeases } from "./kv_leases.ts";
import { KvOutbox } from "./kv_outbox.ts";
import { OutageLog } from "./outage_log.ts";

/** An open KV store and how this instance behaves there. */
export interface KvBrokerOptions {
  /** An open handle; tests open two handles on one file for two instances. */
  kv: Deno.Kv;
  /** Close `kv` in {@linkcode KvBroker.close}. Default false: the caller owns it. */
  closeKv?: boolean;
  /** This instance's id; a fresh UUID by default. */
  self?: InstanceId;
  /** How long leases and liveness marks last; see `BrokerTimings` in broker.ts. */
  leaseMs?: number;
  /** Receives one record when KV starts failing and one when it works again. */
  logger?: Logger;
  /** Messages `send` holds before they are committed; more are dropped. Default 10,000. */
  sendBufferLimit?: number;
  /** Undelivered inbox entries vanish after this long. Default 60 s. */
  inboxTtlMs?: number;
  /** A KV operation that has not finished after this long rejects. Default 2000 ms. */
  operationTimeoutMs?: number;
  /** Time and timers; the system clock by default. */
  clock?: Clock;
}

/** A {@linkcode Broker} on Deno KV. Create it with {@linkcode KvBroker.open}. */
export class KvBroker implements Broker {
  readonly self: InstanceId;
  readonly leaseMs: number;
  readonly #closeKv: boolean;
  readonly #log: Logger;
  readonly #calls: KvCalls;
  readonly #outbox: KvOutbox;
  readonly #inbox: KvInbox;
  readonly #leases: KvLeases;
  /** The pauses between retries of every part, ended at close. */
  readonly #sleeps: Sleeps;
  #started = false;
  #closed = false;

  private constructor(options: KvBrokerOptions) {
    this.#closeKv = options.closeKv ?? false;
    this.self = options.self ?? crypto.randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_TIMINGS.leaseMs;
    this.#log = options.logger ?? (() => {});
    const clock: Clock = options.clock ?? systemClock;
    const record = (fields: LogRecord) => this.#record(fields);
    const outage = new OutageLog(
      options.sendBufferLimit ?? 10_000,
      record,
      clock,
    );
    this.#calls = new KvCalls(
      options.kv,
      clock,
      options.operationTimeoutMs ?? 2000,
      outage,
    );
    this.#sleeps = new Sleeps(clock);
    const closed = () => this.#closed;
    this.#outbox = new KvOutbox({
      self: this.self,
      calls: this.#calls,
      clock,
      outage,
      sleeps: this.#sleeps,
      closed,
      record,
      inboxTtlMs: options.inboxTtlMs ?? 60_000,
    });
    this.#inbox = new KvInbox({
      self: this.self,
      calls: this.#calls,
      sleeps: this.#sleeps,
      closed,
      record,
    });
    this.#leases = new KvLeases(this.self, this.leaseMs, this.#calls, clock);
  }

  /** A broker on `kv`; nothing is read or written until it is used. */
  static open(options: KvBrokerOptions): KvBroker {
    return new KvBroker(options);
  }

  get healthy(): boolean {
    return this.#calls.healthy && !this.#closed;
  }

  async start(onMessage: MessageHandler): Promise<void> {
    if (this.#started) throw new Error("KvBroker.start was already called.");
    this.#started = true;
    try {
      await this.#leases.markAlive();
      await this.#inbox.start(onMessage);
    } catch (error) {
      this.#started = false; // so that start can be tried again
      throw error;
    }
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
    this.#closed = true;
    this.#calls.close();
    this.#started = false;
    this.#inbox.stop();
    this.#sleeps.end();
    // Messages already sent get their commit; failed ones are not retried.
    await this.#outbox.drained();
    await this.#inbox.stopped();
    await this.#leases.giveUp();
    if (this.#closeKv) this.#calls.kv.close();
  }

  #record(fields: LogRecord): void {
    this.#log({ broker: "kv", self: this.self, ...fields });
  }
}
