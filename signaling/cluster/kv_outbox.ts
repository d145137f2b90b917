/**
 * The KV broker's sending side. Messages for one receiver go out in
 * commits, one at a time per receiver (which keeps them in order): each
 * commit writes a batch of inbox entries (`kv_inbox_values.ts`), numbered
 * on per receiver, and rewrites the receiver's version key to wake it. A
 * failed commit is retried under the same keys until it lands or the
 * broker closes.
 */
import type { Clock } from "../clock.ts";
import type { LogRecord } from "../log.ts";
import type { Sleeps } from "../timing.ts";
import { type InstanceId, storeBackoff } from "./broker.ts";
import type { KvCalls } from "./kv_calls.ts";
import { type InboxValue, packBatch } from "./kv_inbox_values.ts";
import { inboxKey, versionKey } from "./kv_keys.ts";
import { OutgoingNumbers } from "./numbering.ts";
import type { OutageLog } from "./outage_log.ts";
import { PendingSends } from "./pending_sends.ts";

/** What the outbox needs from its broker. */
export interface KvOutboxOptions {
  self: InstanceId;
  calls: KvCalls;
  clock: Clock;
  /** Admits sends beside those queued. */
  outage: OutageLog;
  /** The broker's pauses between retries, ended when it closes. */
  sleeps: Sleeps;
  /** Whether the broker closed. */
  closed(): boolean;
  /** Writes one log record. */
  record(fields: LogRecord): void;
  /** Undelivered inbox entries vanish after this long. */
  inboxTtlMs: number;
}

/** See the module doc. */
export class KvOutbox {
  readonly #options: KvOutboxOptions;
  readonly #pending: PendingSends;
  readonly #numbers = new OutgoingNumbers(0);
  /** Receivers whose commit loop runs. */
  readonly #pumping = new Set<InstanceId>();
  readonly #pumps = new Set<Promise<void>>();

  constructor(options: KvOutboxOptions) {
    this.#options = options;
    this.#pending = new PendingSends(options.outage);
  }

  /** Queues `message` for `to`; see `Broker.send`. */
  send(to: InstanceId, message: string): void {
    if (!this.#pending.add(to, message)) return;
    if (this.#pumping.has(to)) return;
    this.#pumping.add(to);
    // Started in a microtask, so every message sent in this tick joins the
    // first commit; later ones wait for the commit before them (which
    // keeps them in order) and go together in the next.
    const pump = Promise.resolve().then(() => this.#pump(to));
    this.#pumps.add(pump);
    pump.finally(() => this.#pumps.delete(pump));
  }

  /** Resolves once every commit loop has ended. */
  async drained(): Promise<void> {
    await Promise.all(this.#pumps);
  }

  /** Commits what is queued for `to`, one batch at a time, until none is. */
  async #pump(to: InstanceId): Promise<void> {
    const { calls, sleeps } = this.#options;
    let failures = 0;
    let batch: InboxValue[] | null = null;
    let firstSeq = 0;
    while (true) {
      if (!batch) {
        const { values, taken } = packBatch(
          this.#pending.peek(to),
          (chars) => this.#tooLarge(chars),
        );
        this.#pending.drop(to, taken);
        if (values.length === 0 && this.#pending.peek(to).length === 0) break;
        if (values.length === 0) continue; // only too-large messages, dropped
        batch = values;
        firstSeq = this.#numbers.take(to, values.length);
      }
      try {
        const values: InboxValue[] = batch;
        await calls.run(() => this.#commitBatch(to, firstSeq, values));
        batch = null;
        failures = 0;
      } catch {
        // Kept and retried under the same keys: if the failed attempt did
        // land after all, the receiver skips the seqs it has already
        // handed over, so a retry never delivers twice. Dropped once closing.
        if (this.#options.closed()) batch = null;
        else await sleeps.sleep(storeBackoff(failures++));
      }
    }
    this.#pumping.delete(to);
  }

  async #commitBatch(
    to: InstanceId,
    firstSeq: number,
    values: InboxValue[],
  ): Promise<void> {
    // No checks: on a local KV file a commit with checks fails at once when
    // another handle writes, while a plain one waits its turn.
    const atomic = this.#options.calls.kv.atomic();
    const expireIn = this.#options.inboxTtlMs;
    const self = this.#options.self;
    values.forEach((value, i) =>
      atomic.set(inboxKey(to, self, firstSeq + i), value, { expireIn })
    );
    // A set rather than a `sum`: a sum cannot expire, and any new
    // versionstamp wakes the receiver's watch.
    atomic.set(versionKey(to), firstSeq, { expireIn });
    await atomic.commit();
  }

  #tooLarge(chars: number): void {
    this.#options.record({
      event: "error",
      code: "broker-message-too-large",
      chars,
    });
  }
}
