/**
 * The {@linkcode Broker} for self-hosting: Redis.
 *
 * - Inbox: the stream `parley:inbox:<instance>`, read by its instance with
 *   blocking `XREAD` on a connection of its own and trimmed as it goes. One
 *   entry holds the messages queued to one receiver in the same tick (see
 *   `inbox_entry.ts`): they travel in one `XADD`, and every
 *   `XADD` goes through one connection, so Redis keeps them in the order
 *   sent. A stream, not pub/sub: an instance busy with a burst reads when it
 *   can (pub/sub would drop it past Redis's output buffer limit, 32 MB by
 *   default, which a 2,000-user join storm exceeds), and entries added while
 *   it reconnects wait for it. The numbers let the receiver notice messages
 *   that never arrived (trimmed past `inboxMaxLength` unread, refused by a
 *   full send buffer, or lost past the bound below) and report the gap.
 * - Acknowledgement: a Redis that restarts empty loses entries it had taken
 *   but nobody had read, so an `XADD`'s reply is not the end of a message.
 *   The receiver writes, after each read, the next number it expects from
 *   each sender into `parley:acked:<receiver>`; the sender holds what it sent
 *   until that number passes it (`sent_until_read.ts`, bounded), and
 *   sends everything held again, in order, after any reconnection or failed
 *   `XADD`. The receiver skips numbers it already has, so a user sees each
 *   frame once, in order, across the restart; only messages let go past the
 *   bound can still be lost, and those show as a gap.
 * - Liveness: `parley:alive:<instance>`, set with `PX leaseMs`.
 * - Room leases: `parley:room:<room>` holding the owner's id, `PX leaseMs`;
 *   claims and renewals are Lua scripts, so they are atomic. After Redis
 *   comes back, holders renew at once and, for `leaseMs`, a claim that finds
 *   a lease free waits that out: an empty Redis does not hand a running room
 *   to whoever asks first.
 *
 * The client is `@redis/client` (node-redis v5): the official Redis client,
 * maintained by Redis; it runs on Deno's Node compatibility layer, pipelines
 * every command issued in one event-loop turn into one socket write, and
 * reconnects by itself.
 *
 * The Lua scripts read the owner's liveness key, which they compute from a
 * value rather than receive in `KEYS`: fine on one Redis (or a replicated
 * one), not on Redis Cluster.
 */
import { createClient } from "@redis/client";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import type { Logger, LogRecord } from "../log.ts";
import { backoffDelay, Sleeps, withTimeout } from "../timing.ts";
import {
  type Broker,
  DEFAULT_TIMINGS,
  type GapHandler,
  type InstanceId,
  type MessageHandler,
  STORE_BACKOFF,
} from "./broker.ts";
import { decodeEntry, encodeEntry } from "./inbox_entry.ts";
import { OutageLog } from "./outage_log.ts";
import { SentUntilRead } from "./sent_until_read.ts";
import type { HeldEntry } from "./unacked.ts";

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

type Client = ReturnType<typeof makeClient>;

const INBOX = "parley:inbox:";
const ALIVE = "parley:alive:";
const ROOM = "parley:room:";
/** Per receiver: sender id → the next number it expects from that sender. */
const ACKED = "parley:acked:";

/**
 * Characters of messages packed into one stream entry. Bounded so that one
 * entry never stalls a connection for long.
 */
const ENTRY_CHARS = 64 * 1024;
/** Shortest time between two flushes of queued messages under load. */
const FLUSH_WINDOW_MS = 1;
/** Pause before reading again after a failed read (Redis away). */
const READ_RETRY_MS = 100;
/** How long one blocking read waits before asking again. */
const READ_BLOCK_MS = 1000;
/**
 * Entries one read takes at most. Each holds up to {@linkcode ENTRY_CHARS}
 * of messages; a small count makes a busy receiver pay a round trip to
 * Redis for every few hundred messages.
 */
const READ_COUNT = 1000;
/** How often a busy reader trims what it has read from its inbox. */
const TRIM_EVERY_MS = 250;
/**
 * How often a busy reader tells the senders how far it has read (a quiet
 * one does once its read comes back empty). Senders ask for it every
 * `ACK_POLL_MS` (`sent_until_read.ts`); saying it after every read costs
 * two commands per batch for nothing.
 */
const ACK_EVERY_MS = 20;
/** An inbox nobody writes to for this long (its reader died) expires. */
const INBOX_TTL_MS = 60_000;
/** How often a sender renews the expiry of an inbox it writes to. */
const INBOX_TTL_RENEW_MS = INBOX_TTL_MS / 4;
/** Rooms per renewal script call; keeps one script call short. */
const RENEW_CHUNK = 1000;

/**
 * Takes the lease if it is ours, or free or held by an instance no longer
 * alive; in the last two cases only with ARGV[4] = '1', else returns ''.
 */
const CLAIM_LUA = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if not owner or redis.call('EXISTS', ARGV[3] .. owner) == 0 then
  if ARGV[4] ~= '1' then return '' end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return owner`;

/**
 * KEYS[1]: our liveness key; KEYS[2..]: room keys. Extends (or re-takes,
 * after Redis came back empty) each lease not held by someone else, and
 * returns the 1-based positions among the rooms of those that are.
 */
const RENEW_LUA = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
local lost = {}
for i = 2, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if not owner or owner == ARGV[1] then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  else
    lost[#lost + 1] = i - 1
  end
end
return lost`;

/** Compare-and-delete. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** A {@linkcode Broker} on one Redis server. Create it with {@linkcode RedisBroker.connect}. */
export class RedisBroker implements Broker {
  readonly self: InstanceId;
  readonly leaseMs: number;
  readonly #log: Logger;
  readonly #outage: OutageLog;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  /** The read loop's pause after a failed read; ended by `close()`. */
  readonly #sleeps: Sleeps;
  /** XADD only: frames, in bursts. */
  readonly #cmd: Client;
  readonly #reader: Client;
  /**
   * Leases and liveness on their own connection, so that a heartbeat is
   * never queued behind a burst of frames (a join storm writes tens of
   * MB in a second or two, long enough for a renewal to time out).
   */
  readonly #ctl: Client;
  /** Messages not yet handed to the client, per receiver, in send order. */
  #pending = new Map<InstanceId, string[]>();
  #pendingCount = 0;
  #pendingChars = 0;
  readonly #pendingCharsLimit: number;
  /** Sends refused with a full buffer since the last flush, per receiver. */
  readonly #refused = new Map<InstanceId, number>();
  #flushScheduled = false;
  /** When queued messages last went out, and the timer of the next flush. */
  #flushedAt = -Infinity;
  #flushTimer: TimerHandle | null = null;
  /** Resolves after the last XADD issued has been answered. */
  #lastWrite: Promise<unknown> = Promise.resolve();
  /** Rooms whose lease this instance believes it holds. */
  #held = new Set<string>();
  readonly #inboxMaxLen: number;
  /** The read loop, running from `start()` to `close()`. */
  #reading: Promise<void> | null = null;
  /** Next number per receiver. */
  #seqOut = new Map<InstanceId, number>();
  /** When this instance last renewed each receiver's inbox expiry. */
  #ttlRenewedAt = new Map<InstanceId, number>();
  /** Next number expected per sender. */
  #seqIn = new Map<InstanceId, number>();
  #onGap: ((from: InstanceId) => void) | null = null;
  /** Sent, not yet read by their receiver: sent again if Redis lost them. */
  readonly #sent: SentUntilRead;
  /** Senders read from since this instance last wrote its acknowledgements. */
  #readFrom = new Set<InstanceId>();
  /** Until when claims wait for holders to take their leases again. */
  #settleUntil = 0;
  #settling: Promise<void> | null = null;
  /** When the acknowledgement hash's expiry was last pushed back. */
  #ackTtlRenewedAt = -Infinity;
  #onMessage: MessageHandler | null = null;
  #closed = false;
  /** When Redis became unreachable; null while healthy. */

  private constructor(
    cmd: Client,
    sub: Client,
    ctl: Client,
    options: RedisBrokerOptions,
  ) {
    this.self = options.self ?? crypto.randomUUID();
    this.leaseMs = options.leaseMs ?? DEFAULT_TIMINGS.leaseMs;
    this.#log = options.logger ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#outage = new OutageLog(
      options.sendBufferLimit ?? 10_000,
      (fields) => this.#record(fields),
      this.#clock,
    );
    this.#inboxMaxLen = options.inboxMaxLength ?? 10_000;
    this.#pendingCharsLimit = options.sendBufferChars ?? 16 * 1024 * 1024;
    this.#timeoutMs = options.commandTimeoutMs ?? 1500;
    this.#sleeps = new Sleeps(this.#clock);
    this.#sent = new SentUntilRead({
      limits: {
        messages: options.unackedLimit ?? 20_000,
        chars: options.unackedChars ?? 8 * 1024 * 1024,
      },
      readAcks: (receivers) => this.#readAcks(receivers),
      flush: () => this.#flush(),
      record: (fields) => this.#record(fields),
      staleMs: INBOX_TTL_MS,
      clock: this.#clock,
    });
    this.#cmd = cmd;
    this.#reader = sub;
    this.#ctl = ctl;
    for (const client of [cmd, sub, ctl]) {
      // Without an 'error' listener an EventEmitter error kills the process.
      client.on("error", (error: unknown) => this.#onDown(error));
      client.on("ready", () => {
        // A reconnection may be to a Redis that came back empty.
        this.#sent.reconnected();
        this.#onReady();
      });
    }
  }

  /**
   * Connects the three connections; resolves once all of them are
   * ready. Rejects (and leaves nothing running) when Redis does not
   * answer within `connectTimeoutMs`. Afterwards it reconnects forever.
   */
  static async connect(options: RedisBrokerOptions): Promise<RedisBroker> {
    const cmd = makeClient(options.url);
    const sub = makeClient(options.url);
    const ctl = makeClient(options.url);
    const broker = new RedisBroker(cmd, sub, ctl, options);
    const limit = options.connectTimeoutMs ?? 10_000;
    try {
      await withTimeout(
        broker.#clock,
        Promise.all([cmd.connect(), sub.connect(), ctl.connect()]),
        limit,
        `Redis at ${redactUrl(options.url)} did not answer within ${
          limit / 1000
        } s: check the URL and that redis-server is running and reachable.`,
      );
    } catch (error) {
      broker.#closed = true;
      await broker.#disconnect();
      throw error;
    }
    return broker;
  }

  get healthy(): boolean {
    return !this.#closed && this.#cmd.isReady && this.#reader.isReady &&
      this.#ctl.isReady;
  }

  async start(onMessage: MessageHandler, onGap?: GapHandler): Promise<void> {
    if (this.#onMessage) {
      throw new Error("RedisBroker.start was already called.");
    }
    this.#onMessage = onMessage;
    this.#onGap = onGap ?? null;
    try {
      await this.#markAlive();
      // A fresh id has an empty inbox: reading from its start misses nothing.
      this.#reading = this.#readLoop();
    } catch (error) {
      this.#onMessage = null; // so that start can be tried again
      throw error;
    }
  }

  send(to: InstanceId, message: string): void {
    if (this.#closed) return;
    // Only an outage lets the buffer grow; a burst is written out each tick.
    const full = !this.healthy &&
      this.#pendingChars + message.length > this.#pendingCharsLimit;
    if (!this.#outage.admits(full ? Infinity : this.#pendingCount)) {
      // Its number is used all the same, so the receiver sees the loss.
      this.#refused.set(to, (this.#refused.get(to) ?? 0) + 1);
      return;
    }
    let queue = this.#pending.get(to);
    if (!queue) this.#pending.set(to, queue = []);
    queue.push(message);
    this.#pendingCount++;
    this.#pendingChars += message.length;
    if (!this.#flushScheduled) this.#scheduleFlush();
  }

  async claim(room: string): Promise<InstanceId> {
    const claim = (takeFree: boolean) =>
      this.#eval(CLAIM_LUA, [ROOM + room], [
        this.self,
        String(this.leaseMs),
        ALIVE,
        takeFree ? "1" : "0",
      ]) as Promise<string>;
    let owner = await claim(this.#clock.now() >= this.#settleUntil);
    if (owner === "") {
      // Free right after Redis came back: maybe only until its holder renews.
      await this.#settled();
      owner = await claim(true);
    }
    if (owner === this.self) this.#held.add(room);
    else this.#held.delete(room);
    return owner;
  }

  async renew(rooms: Iterable<string>): Promise<string[]> {
    const all = [...rooms];
    const lost: string[] = [];
    // One script call even with no rooms: it also marks us alive.
    for (
      let start = 0;
      start === 0 || start < all.length;
      start += RENEW_CHUNK
    ) {
      const chunk = all.slice(start, start + RENEW_CHUNK);
      const positions = await this.#eval(
        RENEW_LUA,
        [ALIVE + this.self, ...chunk.map((room) => ROOM + room)],
        [this.self, String(this.leaseMs)],
      ) as number[];
      for (const position of positions) lost.push(chunk[position - 1]);
    }
    for (const room of all) this.#held.add(room);
    for (const room of lost) this.#held.delete(room);
    return lost;
  }

  async release(room: string): Promise<void> {
    this.#held.delete(room);
    await this.#eval(RELEASE_LUA, [ROOM + room], [this.self]);
  }

  async alive(ids: InstanceId[]): Promise<Set<InstanceId>> {
    if (ids.length === 0) return new Set();
    const marks = await this.#timed(
      this.#ctl.mGet(ids.map((id) => ALIVE + id)),
      "MGET",
    );
    return new Set(ids.filter((_, i) => marks[i] !== null));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#clock.clearTimeout(this.#flushTimer);
    this.#flush();
    this.#closed = true;
    this.#onMessage = null;
    const sentClosed = this.#sent.close();
    this.#sleeps.end();
    await this.#lastWrite;
    await sentClosed;
    const reading = this.#reading;
    if (this.#ctl.isReady) {
      // Best effort: others can take our rooms now rather than after leaseMs.
      await Promise.allSettled([
        ...[...this.#held].map((room) => this.release(room)),
        this.#timed(this.#ctl.del(ALIVE + this.self), "DEL"),
      ]);
    }
    this.#held.clear();
    await this.#disconnect();
    // Its pending read was cut off with the connection: let it see that.
    await reading;
  }

  /**
   * At the end of this task when nothing went out for a while, so a lone
   * message waits for nothing; otherwise one flush per
   * {@linkcode FLUSH_WINDOW_MS}, so that under load each XADD carries many
   * messages and the receiver wakes once for them, not once for each few.
   */
  #scheduleFlush(): void {
    this.#flushScheduled = true;
    const wait = this.#flushedAt + FLUSH_WINDOW_MS - this.#clock.now();
    const flush = () => {
      this.#flushScheduled = false;
      this.#flushTimer = null;
      this.#flushedAt = this.#clock.now();
      this.#flush();
    };
    if (wait <= 0) queueMicrotask(flush);
    else this.#flushTimer = this.#clock.setTimeout(flush, wait);
  }

  /** Hands queued messages to the client: one XADD per receiver and entry. */
  #flush(): void {
    if (!this.healthy) return;
    // Held entries go first: their receiver must see them before newer ones.
    for (const [to, held] of this.#sent.takeResends()) {
      this.#publish(to, held);
    }
    if (this.#pendingCount === 0) return;
    const pending = this.#pending;
    this.#pending = new Map();
    this.#pendingCount = this.#pendingChars = 0;
    for (const [to, messages] of pending) {
      // Numbered here, in send order: the receiver tells a gap by them.
      const first = this.#seqOut.get(to) ?? 1;
      this.#seqOut.set(to, first + messages.length);
      const entries = encodeEntries(this.self, first, messages);
      this.#sent.hold(to, entries);
      this.#publish(to, entries);
    }
    for (const [to, count] of this.#refused) {
      this.#seqOut.set(to, (this.#seqOut.get(to) ?? 1) + count);
    }
    this.#refused.clear();
  }

  #publish(to: InstanceId, entries: readonly HeldEntry[]): void {
    const key = INBOX + to;
    for (const entry of entries) {
      // Not awaited: the client pipelines. A failure (connection lost
      // mid-flight) sends everything held for `to` again.
      this.#lastWrite = this.#cmd.sendCommand([
        "XADD",
        key,
        "MAXLEN",
        String(this.#inboxMaxLen),
        "*",
        "d",
        entry.payload,
      ]).catch(() => this.#sent.failed(to));
    }
    // A dead receiver's inbox goes away by itself. Renewed now and then,
    // not with every entry: it would double the commands per entry.
    const now = this.#clock.now();
    if (now - (this.#ttlRenewedAt.get(to) ?? -Infinity) >= INBOX_TTL_RENEW_MS) {
      this.#ttlRenewedAt.set(to, now);
      this.#cmd.sendCommand(["PEXPIRE", key, String(INBOX_TTL_MS)]).catch(
        () => {},
      );
    }
  }

  /** How far each of `receivers` has read this instance's messages. */
  #readAcks(receivers: InstanceId[]): Promise<(string | null)[]> {
    if (!this.healthy) return Promise.reject(new Error("Redis is away"));
    return this.#timed(
      Promise.all(
        receivers.map((to) => this.#ctl.hGet(ACKED + to, this.self)),
      ),
      "HGET",
    );
  }

  /**
   * Tells the senders read from since last time how far their messages
   * have been handled; a write lost with Redis is made again after the
   * next read.
   */
  #acknowledge(): void {
    if (this.#readFrom.size === 0) return;
    const senders = [...this.#readFrom];
    this.#readFrom.clear();
    const key = ACKED + this.self;
    const fields = senders.flatMap((from) => [
      from,
      String(this.#seqIn.get(from)),
    ]);
    this.#reader.sendCommand(["HSET", key, ...fields]).catch(() => {
      for (const from of senders) this.#readFrom.add(from);
    });
    const now = this.#clock.now();
    if (now - this.#ackTtlRenewedAt >= INBOX_TTL_RENEW_MS) {
      this.#ackTtlRenewedAt = now;
      this.#reader.sendCommand(["PEXPIRE", key, String(INBOX_TTL_MS)]).catch(
        () => {},
      );
    }
  }

  /**
   * Reads this instance's inbox stream in order, and trims what was read.
   * One blocking read at a time on its own connection, the next one asked
   * for (with the trim) before the batch in hand is handled, so that Redis
   * collects the next batch meanwhile instead of waiting for the request.
   * While Redis is away it retries every {@linkcode READ_RETRY_MS}, from
   * where it was (a Redis that came back empty numbers new entries after
   * the old ones).
   */
  async #readLoop(): Promise<void> {
    const key = INBOX + this.self;
    let last = "0-0";
    let trimmedAt = -Infinity;
    let untrimmed = false;
    let ackedAt = -Infinity;
    let next = this.#read(key, last);
    while (!this.#closed) {
      let reply: unknown;
      try {
        reply = await next;
      } catch {
        if (this.#closed) return;
        await this.#sleeps.sleep(READ_RETRY_MS);
        next = this.#read(key, last);
        continue;
      }
      const entries = streamEntries(reply);
      if (entries.length > 0) {
        last = entries[entries.length - 1][0];
        untrimmed = true;
      }
      // Trimming is only tidying (MAXLEN bounds the inbox): now and then
      // while busy, and once it goes quiet, rather than with every read.
      const now = this.#clock.now();
      if (
        untrimmed && (entries.length === 0 || now - trimmedAt >= TRIM_EVERY_MS)
      ) {
        this.#trim(key, last);
        trimmedAt = now;
        untrimmed = false;
      }
      if (this.#closed) return;
      next = this.#read(key, last);
      for (const [, fields] of entries) {
        const at = fields.indexOf("d");
        if (at >= 0) this.#receive(fields[at + 1]);
      }
      if (entries.length === 0 || now - ackedAt >= ACK_EVERY_MS) {
        this.#acknowledge();
        ackedAt = now;
      }
    }
  }

  /** Drops the entries up to `last` from the inbox `key`. */
  #trim(key: string, last: string): void {
    const [ms, seq] = last.split("-");
    this.#reader.sendCommand([
      "XTRIM",
      key,
      "MINID",
      `${ms}-${Number(seq) + 1}`,
    ])
      .catch(() => {});
  }

  /** One blocking read of up to {@linkcode READ_COUNT} entries after `last`. */
  #read(key: string, last: string): Promise<unknown> {
    const read = this.#reader.sendCommand([
      "XREAD",
      "COUNT",
      String(READ_COUNT),
      "BLOCK",
      String(READ_BLOCK_MS),
      "STREAMS",
      key,
      last,
    ]);
    read.catch(() => {}); // a read cut off by close() is nobody's error
    return read;
  }

  #receive(payload: string): void {
    const handler = this.#onMessage;
    if (!handler) return;
    const entry = decodeEntry(payload);
    if (entry === null) return; // not ours: something else wrote to our inbox
    const { from, first: seq } = entry;
    let messages = entry.messages;
    this.#readFrom.add(from);
    const expected = this.#seqIn.get(from) ?? 1;
    this.#seqIn.set(from, Math.max(expected, seq + messages.length));
    // Already delivered (a late retry after a gap was declared): skip.
    if (seq < expected) messages = messages.slice(expected - seq);
    else if (seq > expected) {
      this.#record({ event: "store-dropped", from, missed: seq - expected });
      try {
        this.#onGap?.(from);
      } catch { /* the router's; never break the reply parser */ }
    }
    for (const message of messages) {
      try {
        handler(from, message);
      } catch (error) {
        // Thrown inside the client's reply parser it would break the
        // connection; the rest of the batch still belongs to the router.
        this.#record({
          event: "internal-error",
          code: "broker-handler-threw",
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  #onDown(error: unknown): void {
    if (!this.#closed) this.#outage.down(error);
  }

  #onReady(): void {
    if (this.#closed || !this.healthy) return;
    if (this.#outage.up()) {
      // Redis may have come back empty: every holder takes its leases again
      // (this one at once), and until they all can, no free lease is taken.
      this.#settleUntil = this.#clock.now() + this.leaseMs;
      if (this.#held.size > 0) this.renew(this.#held).catch(() => {});
      else if (this.#onMessage) this.#markAlive().catch(() => {});
    }
    this.#flush();
  }

  /**
   * Resolves once free leases may be taken: at once, or, within `leaseMs`
   * of Redis coming back, at the end of that time. A Redis that restarted
   * empty holds no leases until their holders renew them; taking one before
   * that would take a room from a holder that is alive and well (and end
   * the sessions its users would resume).
   */
  #settled(): Promise<void> {
    const wait = this.#settleUntil - this.#clock.now();
    if (wait <= 0 || this.#closed) return Promise.resolve();
    // One wait for every claim made meanwhile; ended at close.
    this.#settling ??= this.#sleeps.sleep(wait).finally(() => {
      this.#settling = null;
    });
    return this.#settling;
  }

  #markAlive(): Promise<unknown> {
    return this.#timed(
      this.#ctl.set(ALIVE + this.self, "1", {
        expiration: { type: "PX", value: this.leaseMs },
      }),
      "SET",
    );
  }

  #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.#timed(
      this.#ctl.eval(script, { keys, arguments: args }),
      "EVAL",
    );
  }

  /**
   * Rejects after `commandTimeoutMs`: the offline queue is off, but a
   * command written just before Redis stalled would otherwise wait for as
   * long as the TCP connection looks open.
   */
  #timed<T>(command: Promise<T>, name: string): Promise<T> {
    return withTimeout(
      this.#clock,
      command,
      this.#timeoutMs,
      `Redis did not answer ${name} within ${this.#timeoutMs} ms; the broker reconnects by itself.`,
    );
  }

  #record(fields: LogRecord): void {
    this.#log({ broker: "redis", self: this.self, ...fields });
  }

  /** Closes the connections and waits out a reconnect backoff in progress. */
  async #disconnect(): Promise<void> {
    await Promise.all(
      [this.#cmd, this.#reader, this.#ctl].map(async (client) => {
        const settled = client.isOpen && !client.isReady
          ? reconnectLoopEnded(client, this.#clock)
          : null;
        try {
          // The reader's connection is always mid-read: no point waiting it out.
          if (client.isReady && client !== this.#reader) await client.close();
          else client.destroy();
        } catch { /* was not open */ }
        await settled;
      }),
    );
  }
}

/**
 * `messages` from `sender`, numbered from `first`, as inbox entries (see
 * `inbox_entry.ts`) of at most {@linkcode ENTRY_CHARS} characters of
 * messages each, or of one longer message.
 */
function encodeEntries(
  sender: InstanceId,
  first: number,
  messages: readonly string[],
): HeldEntry[] {
  const entries: HeldEntry[] = [];
  for (let start = 0, end = 0; start < messages.length; start = end) {
    let chars = 0;
    do chars += messages[end++].length; while (
      end < messages.length && chars + messages[end].length <= ENTRY_CHARS
    );
    const seq = first + start;
    const payload = encodeEntry(sender, seq, messages, start, end);
    entries.push({ first: seq, count: end - start, payload });
  }
  return entries;
}

/** One connection; the broker opens three (frames out, inbox reads, leases). */
function makeClient(url: string) {
  return createClient({
    url,
    // Commands reject at once while reconnecting instead of queueing until
    // Redis is back: claim/renew/alive must not hang.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) =>
        backoffDelay(retries, Math.random, STORE_BACKOFF),
    },
  });
}

/**
 * A client destroyed while it sleeps between reconnect attempts still
 * finishes that sleep (then emits 'reconnecting' and stops); waiting for it
 * keeps the timer from outliving the broker.
 */
function reconnectLoopEnded(client: Client, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(done, STORE_BACKOFF.capMs + 2500);
    function done() {
      clock.clearTimeout(timer);
      client.off("reconnecting", done);
      resolve();
    }
    client.on("reconnecting", done);
  });
}

/** The `[id, fields]` entries of an `XREAD` reply (none when it timed out). */
function streamEntries(reply: unknown): [string, string[]][] {
  if (!Array.isArray(reply)) return [];
  const entries: [string, string[]][] = [];
  for (const [, stream] of reply as [string, [string, string[]][]][]) {
    for (const entry of stream) entries.push(entry);
  }
  return entries;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
