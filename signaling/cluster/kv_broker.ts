/**
 * The {@linkcode Broker} for Deno Deploy: Deno KV (also usable on a local
 * KV file, where several instances share one file).
 *
 * KV has no pub/sub, so an inbox is a key range that the receiver watches:
 *
 * - Inbox entries: `["parley","inbox",<to>,<from>,<seq>]`, `seq` counting
 *   up per sender, so listing the range yields each sender's messages in
 *   order. One entry holds a batch (`string[]`) or one fragment of a
 *   message too large for a value. Entries expire after `inboxTtlMs`, so a
 *   dead instance's inbox goes away.
 * - `["parley","inbox-version",<to>]` is rewritten in the same commit as
 *   the entries. The receiver watches only this key (`watch` takes at most
 *   10 keys and may skip intermediate values): any change makes it list its
 *   inbox, hand the entries over, and delete them.
 * - Leases `["parley","room",<room>]` = `{ owner, until }` and liveness
 *   `["parley","alive",<id>]` = `{ until }`. KV expires keys lazily, so a
 *   value whose `until` has passed counts as absent; `expireIn` only
 *   cleans up. Claims and renewals check versionstamps, so of two
 *   instances racing for a room exactly one commit succeeds.
 */
import { type Clock, systemClock } from "../clock.ts";
import type { Logger, LogRecord } from "../log.ts";
import { backoffDelay, delay, Sleeps, withTimeout } from "../timing.ts";
import {
  type Broker,
  DEFAULT_TIMINGS,
  type InstanceId,
  type MessageHandler,
  STORE_BACKOFF,
} from "./broker.ts";
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

type Key = Deno.KvKey;

const INBOX = "inbox";
const VERSION = "inbox-version";

/** What a lease key holds. */
interface Lease {
  owner: InstanceId;
  until: number;
}
/** What a liveness key holds. */
interface AliveMark {
  until: number;
}
/** An inbox value: a batch of whole messages, or one piece of a large one. */
type InboxValue = string[] | { part: string; last: boolean };

/**
 * KV's limits (checked on Deno 2.9): a value ≤ 65,536 bytes, a commit ≤
 * 819,200 bytes, ≤ 1,000 mutations and ≤ 100 checks; `getMany` and `watch`
 * take ≤ 10 keys. A string can serialize at two bytes per character (V8
 * keeps strings as Latin-1 or UTF-16), so sizes are estimated at that.
 */
const VALUE_BYTES = 60 * 1024;
const COMMIT_BYTES = 760 * 1024;
const MAX_MUTATIONS = 1000;
const MAX_CHECKS = 100;
const MANY = 10;
const FRAGMENT_CHARS = VALUE_BYTES / 2 - 64;
/** Per-string serialization overhead, generously. */
const STRING_OVERHEAD = 16;
/** Inbox entries listed per pass; bounds memory when an inbox is long. */
const LIST_LIMIT = 1000;
/** Attempts of an operation that a local KV file refused as locked. */
const LOCKED_ATTEMPTS = 50;
/** Retries of a claim whose commit lost a race. */
const CLAIM_ATTEMPTS = 8;

/** A {@linkcode Broker} on Deno KV. Create it with {@linkcode KvBroker.open}. */
export class KvBroker implements Broker {
  readonly self: InstanceId;
  readonly leaseMs: number;
  readonly #kv: Deno.Kv;
  readonly #closeKv: boolean;
  readonly #log: Logger;
  readonly #outage: OutageLog;
  readonly #inboxTtlMs: number;
  readonly #timeoutMs: number;

  /** Outgoing messages per receiver, while a commit loop runs for it. */
  #outboxes = new Map<InstanceId, string[]>();
  #queued = 0;
  #pumps = new Set<Promise<void>>();
  #seq = 0;

  #onMessage: MessageHandler | null = null;
  #reader: ReadableStreamDefaultReader<unknown> | null = null;
  #watching: Promise<void> | null = null;
  #draining: Promise<void> | null = null;
  #drainAgain = false;
  /**
   * Highest seq handed over per sender: neither a failed delete nor a
   * sender's retried commit delivers anything twice.
   */
  #delivered = new Map<InstanceId, number>();
  /** Pieces of a large message from each sender, until its last piece. */
  #partial = new Map<InstanceId, string[]>();

  /** Rooms whose lease this instance believes it holds. */
  #held = new Set<string>();
  #closed = false;
  readonly #clock: Clock;
  readonly #sleeps: Sleeps;

  #healthy = true;

  private constructor(options: KvBrokerOptions) {
    this.#kv = options.kv;
    this.#closeKv = options.closeKv ?? false;
    this.self = options.self ?? crypto.randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_TIMINGS.leaseMs;
    this.#log = options.logger ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#outage = new OutageLog(
      options.sendBufferLimit ?? 10_000,
      (fields) => this.#record(fields),
      this.#clock,
    );
    this.#inboxTtlMs = options.inboxTtlMs ?? 60_000;
    this.#timeoutMs = options.operationTimeoutMs ?? 2000;
    this.#sleeps = new Sleeps(this.#clock);
  }

  /** A broker on `kv`; nothing is read or written until it is used. */
  static open(options: KvBrokerOptions): KvBroker {
    return new KvBroker(options);
  }

  get healthy(): boolean {
    return this.#healthy && !this.#closed;
  }

  async start(onMessage: MessageHandler): Promise<void> {
    if (this.#onMessage) throw new Error("KvBroker.start was already called.");
    this.#onMessage = onMessage;
    try {
      await this.#markAlive();
      // The watch's first read is the version key's current value: once it
      // has arrived, every later commit to our inbox shows up as a change.
      const firstRead = Promise.withResolvers<void>();
      this.#watching = this.#watch(firstRead.resolve, firstRead.reject);
      await firstRead.promise;
    } catch (error) {
      this.#onMessage = null; // so that start can be tried again
      throw error;
    }
  }

  send(to: InstanceId, message: string): void {
    if (this.#closed) return;
    if (!this.#outage.admits(this.#queued)) return;
    this.#queued++;
    const queue = this.#outboxes.get(to);
    if (queue) {
      queue.push(message);
      return;
    }
    const fresh = [message];
    this.#outboxes.set(to, fresh);
    // Started in a microtask, so every message sent in this tick joins the
    // first commit; later ones wait for the commit before them (which
    // keeps them in order) and go together in the next.
    const pump = Promise.resolve().then(() => this.#pump(to, fresh));
    this.#pumps.add(pump);
    pump.finally(() => this.#pumps.delete(pump));
  }

  async claim(room: string): Promise<InstanceId> {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const won = await this.#op(async () => {
        const entry = await this.#kv.get<Lease>(roomKey(room));
        const lease = current(entry.value, this.#clock.now());
        const atomic = this.#kv.atomic().check(entry);
        if (lease && lease.owner !== this.self) {
          const mark = await this.#kv.get<AliveMark>(aliveKey(lease.owner));
          if (current(mark.value, this.#clock.now())) return lease.owner;
          // Taken over only if the owner did not mark itself alive since.
          atomic.check(mark);
        }
        this.#setLease(atomic, room);
        const { ok } = await atomic.commit();
        return ok ? this.self : null;
      });
      if (won !== null) {
        if (won === this.self) this.#held.add(room);
        else this.#held.delete(room);
        return won;
      }
    }
    throw new Error(
      `Claiming room ${room} lost ${CLAIM_ATTEMPTS} races in a row; try again.`,
    );
  }

  async renew(rooms: Iterable<string>): Promise<string[]> {
    await this.#markAlive();
    const all = [...rooms];
    const chunks: string[][] = [];
    for (let i = 0; i < all.length; i += MAX_CHECKS) {
      chunks.push(all.slice(i, i + MAX_CHECKS));
    }
    const lost = (await Promise.all(chunks.map((c) => this.#renewChunk(c))))
      .flat();
    for (const room of all) this.#held.add(room);
    for (const room of lost) this.#held.delete(room);
    return lost;
  }

  async release(room: string): Promise<void> {
    this.#held.delete(room);
    await this.#op(async () => {
      const entry = await this.#kv.get<Lease>(roomKey(room));
      if (entry.value?.owner !== this.self) return;
      await this.#kv.atomic().check(entry).delete(roomKey(room)).commit();
    });
  }

  async alive(ids: InstanceId[]): Promise<Set<InstanceId>> {
    const marks = await this.#op(() =>
      this.#getMany<AliveMark>(ids.map(aliveKey))
    );
    return new Set(
      ids.filter((_, i) => current(marks[i].value, this.#clock.now())),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onMessage = null;
    this.#sleeps.end();
    // Messages already sent get their commit; failed ones are not retried.
    await Promise.all(this.#pumps);
    await this.#reader?.cancel().catch(() => {});
    await this.#watching;
    await this.#draining;
    // Best effort: others can take our rooms now rather than after leaseMs.
    await Promise.allSettled([
      ...[...this.#held].map((room) => this.release(room)),
      this.#op(() => this.#kv.delete(aliveKey(this.self))),
    ]);
    this.#held.clear();
    if (this.#closeKv) this.#kv.close();
  }

  // --- sending ---

  /** Commits `outbox`'s messages, one batch at a time, until it is empty. */
  async #pump(to: InstanceId, queue: string[]): Promise<void> {
    let failures = 0;
    let batch: InboxValue[] | null = null;
    let firstSeq = 0;
    while (true) {
      if (!batch) {
        batch = this.#takeBatch(queue);
        if (batch.length === 0 && queue.length === 0) break;
        if (batch.length === 0) continue; // only too-large messages, dropped
        firstSeq = this.#seq;
        this.#seq += batch.length;
      }
      try {
        await this.#op(() => this.#commitBatch(to, firstSeq, batch!));
        batch = null;
        failures = 0;
      } catch {
        // Kept and retried under the same keys: if the failed attempt did
        // land after all, the receiver skips the seqs it has already
        // handed over, so a retry never delivers twice. Dropped once closing.
        if (this.#closed) batch = null;
        else await this.#sleeps.sleep(backoff(failures++));
      }
    }
    this.#outboxes.delete(to);
  }

  /**
   * Takes the longest prefix of `queue` that fits one commit, packed into
   * values under {@linkcode VALUE_BYTES}; a message too large for one value
   * becomes pieces in consecutive entries of the same commit.
   */
  #takeBatch(queue: string[]): InboxValue[] {
    const values: InboxValue[] = [];
    let current: string[] = [];
    let currentBytes = 0;
    let commitBytes = 0;
    let taken = 0;
    for (; taken < queue.length; taken++) {
      const message = queue[taken];
      const bytes = message.length * 2 + STRING_OVERHEAD;
      if (bytes > VALUE_BYTES) {
        const pieces = Math.ceil(message.length / FRAGMENT_CHARS);
        const need = bytes + pieces * STRING_OVERHEAD;
        if (need > COMMIT_BYTES) {
          this.#record({
            event: "error",
            code: "broker-message-too-large",
            chars: message.length,
          });
          continue;
        }
        if (commitBytes + currentBytes + need > COMMIT_BYTES) break;
        if (current.length > 0) values.push(current);
        commitBytes += currentBytes + need;
        current = [];
        currentBytes = 0;
        for (let i = 0; i < pieces; i++) {
          const part = message.slice(
            i * FRAGMENT_CHARS,
            (i + 1) * FRAGMENT_CHARS,
          );
          values.push({ part, last: i === pieces - 1 });
        }
        continue;
      }
      if (currentBytes + bytes > VALUE_BYTES) {
        values.push(current);
        commitBytes += currentBytes;
        current = [];
        currentBytes = 0;
      }
      if (
        commitBytes + currentBytes + bytes > COMMIT_BYTES ||
        values.length + 2 >= MAX_MUTATIONS
      ) break;
      current.push(message);
      currentBytes += bytes;
    }
    if (current.length > 0) values.push(current);
    queue.splice(0, taken);
    this.#queued -= taken;
    return values;
  }

  async #commitBatch(
    to: InstanceId,
    firstSeq: number,
    values: InboxValue[],
  ): Promise<void> {
    // No checks: on a local KV file a commit with checks fails at once when
    // another handle writes, while a plain one waits its turn.
    const atomic = this.#kv.atomic();
    const expireIn = this.#inboxTtlMs;
    values.forEach((value, i) =>
      atomic.set(inboxKey(to, this.self, firstSeq + i), value, { expireIn })
    );
    // A set rather than a `sum`: a sum cannot expire, and any new
    // versionstamp wakes the receiver's watch.
    atomic.set(versionKey(to), firstSeq, { expireIn });
    await atomic.commit();
  }

  // --- receiving ---

  /** Reads the version key's changes until closed; re-watches after errors. */
  async #watch(
    started: () => void,
    failed: (error: unknown) => void,
  ): Promise<void> {
    let reads = 0;
    let failures = 0;
    while (!this.#closed) {
      try {
        this.#reader = this.#kv.watch([versionKey(this.self)]).getReader();
        while (true) {
          const { done } = await this.#reader.read();
          if (done) break;
          if (reads++ === 0) started();
          failures = 0;
          this.#setHealthy(true);
          this.#drain();
        }
      } catch (error) {
        if (this.#closed) break;
        this.#setHealthy(false, error);
        if (reads === 0) return failed(error);
      }
      if (this.#closed) break;
      // The stream ended or failed: watch again; the first read drains
      // whatever arrived meanwhile.
      await this.#sleeps.sleep(backoff(failures++));
    }
  }

  /** Drains the inbox; never two drains at once, and again if woken meanwhile. */
  #drain(): void {
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = (async () => {
      let failures = 0;
      do {
        this.#drainAgain = false;
        try {
          const full = await this.#op(() => this.#drainOnce());
          failures = 0;
          if (full) this.#drainAgain = true;
        } catch {
          // Retry later even if nothing else arrives to wake us.
          this.#drainAgain = true;
          await this.#sleeps.sleep(backoff(failures++));
        }
      } while (this.#drainAgain && !this.#closed);
      this.#draining = null;
    })();
  }

  /** One pass; true when the listing hit its limit and more may be waiting. */
  async #drainOnce(): Promise<boolean> {
    const done: Key[] = [];
    let listed = 0;
    const entries = this.#kv.list<InboxValue>(
      { prefix: ["parley", INBOX, this.self] },
      { limit: LIST_LIMIT },
    );
    for await (const entry of entries) {
      listed++;
      done.push(entry.key);
      const from = entry.key[3] as InstanceId;
      const seq = entry.key[4] as number;
      if (seq <= (this.#delivered.get(from) ?? -1)) continue;
      this.#delivered.set(from, seq);
      this.#deliver(from, entry.value);
    }
    for (let i = 0; i < done.length; i += MAX_MUTATIONS) {
      const atomic = this.#kv.atomic();
      for (const key of done.slice(i, i + MAX_MUTATIONS)) atomic.delete(key);
      await atomic.commit();
    }
    return listed === LIST_LIMIT;
  }

  #deliver(from: InstanceId, value: InboxValue): void {
    if (Array.isArray(value)) {
      for (const message of value) this.#hand(from, message);
      return;
    }
    const pieces = this.#partial.get(from) ?? [];
    pieces.push(value.part);
    if (!value.last) {
      this.#partial.set(from, pieces);
      return;
    }
    this.#partial.delete(from);
    this.#hand(from, pieces.join(""));
  }

  #hand(from: InstanceId, message: string): void {
    try {
      this.#onMessage?.(from, message);
    } catch (error) {
      // A throwing handler must not stop the rest of the inbox.
      this.#record({
        event: "internal-error",
        code: "broker-handler-threw",
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }

  // --- leases and liveness ---

  async #renewChunk(rooms: string[]): Promise<string[]> {
    return await this.#op(async () => {
      const entries = await this.#getMany<Lease>(rooms.map(roomKey));
      const lost: string[] = [];
      const atomic = this.#kv.atomic();
      rooms.forEach((room, i) => {
        const lease = current(entries[i].value, this.#clock.now());
        if (lease && lease.owner !== this.self) {
          lost.push(room);
        } else {
          this.#setLease(atomic.check(entries[i]), room);
        }
      });
      if ((await atomic.commit()).ok) return lost;
      // Someone wrote one of these leases meanwhile: one by one, so that
      // only the contested rooms are decided again.
      const again = rooms.filter((room) => !lost.includes(room));
      for (const room of again) {
        const entry = await this.#kv.get<Lease>(roomKey(room));
        const lease = current(entry.value, this.#clock.now());
        const mine = !lease || lease.owner === this.self;
        if (!mine) {
          lost.push(room);
        } else {
          const atomic = this.#setLease(this.#kv.atomic().check(entry), room);
          if (!(await atomic.commit()).ok) lost.push(room);
        }
      }
      return lost;
    });
  }

  /** `getMany` for any number of keys (it takes 10 at a time). */
  async #getMany<T>(keys: Key[]): Promise<Deno.KvEntryMaybe<T>[]> {
    const slices: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
    for (let i = 0; i < keys.length; i += MANY) {
      slices.push(this.#kv.getMany<T[]>(keys.slice(i, i + MANY)));
    }
    return (await Promise.all(slices)).flat();
  }

  #setLease(atomic: Deno.AtomicOperation, room: string): Deno.AtomicOperation {
    const lease: Lease = {
      owner: this.self,
      until: this.#clock.now() + this.leaseMs,
    };
    return atomic.set(roomKey(room), lease, { expireIn: this.leaseMs });
  }

  async #markAlive(): Promise<void> {
    const mark: AliveMark = { until: this.#clock.now() + this.leaseMs };
    await this.#op(() =>
      this.#kv.set(aliveKey(this.self), mark, { expireIn: this.leaseMs })
    );
  }

  // --- health ---

  /** Runs one KV operation with a timeout, tracking health. */
  async #op<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await withTimeout(
        this.#clock,
        this.#retryLocked(operation),
        this.#timeoutMs,
        `Deno KV did not answer within ${this.#timeoutMs} ms; retry later.`,
      );
      this.#setHealthy(true);
      return result;
    } catch (error) {
      this.#setHealthy(false, error);
      throw error;
    }
  }

  /**
   * A local KV file is SQLite: when two handles (instances) write at once,
   * a commit with checks can fail at once with "database is locked" (SQLite
   * does not wait when a read transaction would have to become a write).
   * Nothing was written then, so the operation is simply run again.
   */
  async #retryLocked<T>(operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      try {
        return await operation();
      } catch (error) {
        const locked = error instanceof Error &&
          error.message.includes("database is locked");
        if (!locked || attempt >= LOCKED_ATTEMPTS) throw error;
        // Not one of #sleeps: the releases in close() need these retries too.
        await delay(this.#clock, 1 + Math.random() * Math.min(attempt, 10));
      }
    }
  }

  #setHealthy(healthy: boolean, error?: unknown): void {
    if (this.#closed) return;
    this.#healthy = healthy;
    if (healthy) this.#outage.up();
    else this.#outage.down(error);
  }

  #record(fields: LogRecord): void {
    this.#log({ broker: "kv", self: this.self, ...fields });
  }
}

function inboxKey(to: InstanceId, from: InstanceId, seq: number): Key {
  return ["parley", INBOX, to, from, seq];
}

function versionKey(to: InstanceId): Key {
  return ["parley", VERSION, to];
}

function roomKey(room: string): Key {
  return ["parley", "room", room];
}

function aliveKey(id: InstanceId): Key {
  return ["parley", "alive", id];
}

/** The value if it has not expired yet (KV deletes expired keys lazily). */
function current<T extends { until: number }>(
  value: T | null,
  now: number,
): T | null {
  return value !== null && value.until > now ? value : null;
}

function backoff(failures: number): number {
  return backoffDelay(failures, Math.random, STORE_BACKOFF);
}
