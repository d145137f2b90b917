/**
 * The Redis broker's receiving side. The inbox is the stream
 * `parley:inbox:<instance>`, read by its instance with blocking `XREAD` on a
 * connection of its own and trimmed as it goes. A stream, not pub/sub: an
 * instance busy with a burst reads when it can (pub/sub would drop it past
 * Redis's output buffer limit, 32 MB by default, which a 2,000-user join
 * storm exceeds), and entries added while it reconnects wait for it.
 *
 * After reading, the receiver writes the next number it expects from each
 * sender into `parley:acked:<receiver>`, so that senders can let go of what
 * they hold to send again (`redis_outbox.ts`). It skips numbers it already
 * has, so a user sees each frame once, in order, across a Redis restart;
 * numbers that never arrived are reported as a gap.
 */
import type { Clock } from "../clock.ts";
import type { LogRecord } from "../log.ts";
import { Sleeps } from "../timing.ts";
import type { GapHandler, InstanceId, MessageHandler } from "./broker.ts";
import { handOver } from "./hand_over.ts";
import { decodeEntry } from "./inbox_entry.ts";
import { IncomingNumbers } from "./numbering.ts";
import type { RedisConnections } from "./redis_client.ts";
import {
  ACKED,
  INBOX,
  INBOX_TTL_MS,
  INBOX_TTL_RENEW_MS,
} from "./redis_keys.ts";
import {
  entryPayload,
  idAfter,
  ReadPacing,
  streamEntries,
} from "./redis_read_pacing.ts";
import { Throttle } from "./throttle.ts";

/** Pause before reading again after a failed read (Redis away). */
const READ_RETRY_MS = 100;
/** How long one blocking read waits before asking again. */
const READ_BLOCK_MS = 1000;
/**
 * Entries one read takes at most. Each holds up to `ENTRY_CHARS`
 * (`redis_outbox.ts`) of messages; a small count makes a busy receiver pay
 * a round trip to Redis for every few hundred messages.
 */
const READ_COUNT = 1000;

/** See the module doc. */
export class RedisInbox {
  readonly #self: InstanceId;
  readonly #key: string;
  readonly #connections: RedisConnections;
  readonly #clock: Clock;
  readonly #record: (fields: LogRecord) => void;
  /** The pause after a failed read; ended by `stop()`. */
  readonly #sleeps: Sleeps;
  readonly #numbers = new IncomingNumbers(1);
  /** Senders read from since this instance last wrote its acknowledgements. */
  readonly #readFrom = new Set<InstanceId>();
  /** When the acknowledgement hash's expiry was last pushed back. */
  readonly #ackTtl = new Throttle<null>(INBOX_TTL_RENEW_MS);
  #onMessage: MessageHandler | null = null;
  #onGap: GapHandler | null = null;
  /** The read loop, running from `start()` until it sees `stop()`. */
  #reading: Promise<void> | null = null;
  #stopped = false;

  constructor(
    self: InstanceId,
    connections: RedisConnections,
    clock: Clock,
    record: (fields: LogRecord) => void,
  ) {
    this.#self = self;
    this.#key = INBOX + self;
    this.#connections = connections;
    this.#clock = clock;
    this.#record = record;
    this.#sleeps = new Sleeps(clock);
  }

  /** Starts reading; a fresh id has an empty inbox, so from its start. */
  start(onMessage: MessageHandler, onGap: GapHandler | null): void {
    this.#onMessage = onMessage;
    this.#onGap = onGap;
    this.#reading = this.#readLoop();
  }

  /** Hands nothing more over and ends the pause between reads. */
  stop(): void {
    this.#stopped = true;
    this.#onMessage = null;
    this.#sleeps.end();
  }

  /**
   * Resolves once the read loop has ended; its read in flight ends when
   * its connection is closed.
   */
  async stopped(): Promise<void> {
    await this.#reading;
  }

  /**
   * Reads the inbox stream in order, and trims what was read. One blocking
   * read at a time on its own connection, the next one asked for (with the
   * trim) before the batch in hand is handled, so that Redis collects the
   * next batch meanwhile instead of waiting for the request. While Redis is
   * away it retries every {@linkcode READ_RETRY_MS}, from where it was (a
   * Redis that came back empty numbers new entries after the old ones).
   */
  async #readLoop(): Promise<void> {
    const pacing = new ReadPacing();
    let next = this.#read(pacing.last);
    while (!this.#stopped) {
      let reply: unknown;
      try {
        reply = await next;
      } catch {
        if (this.#stopped) return;
        await this.#sleeps.sleep(READ_RETRY_MS);
        next = this.#read(pacing.last);
        continue;
      }
      const entries = streamEntries(reply);
      const chores = pacing.read(entries, this.#clock.now());
      if (chores.trim) this.#trim(pacing.last);
      if (this.#stopped) return;
      next = this.#read(pacing.last);
      for (const [, fields] of entries) {
        const payload = entryPayload(fields);
        if (payload !== null) this.#receive(payload);
      }
      if (chores.acknowledge) this.#acknowledge();
    }
  }

  /** One blocking read of up to {@linkcode READ_COUNT} entries after `last`. */
  #read(last: string): Promise<unknown> {
    const read = this.#connections.reader.sendCommand([
      "XREAD",
      "COUNT",
      String(READ_COUNT),
      "BLOCK",
      String(READ_BLOCK_MS),
      "STREAMS",
      this.#key,
      last,
    ]);
    read.catch(() => {}); // a read cut off by close() is nobody's error
    return read;
  }

  /** Drops the entries up to `last` from the inbox. */
  #trim(last: string): void {
    this.#connections.reader.sendCommand([
      "XTRIM",
      this.#key,
      "MINID",
      idAfter(last),
    ])
      .catch(() => {});
  }

  #receive(payload: string): void {
    const handler = this.#onMessage;
    if (!handler) return;
    const entry = decodeEntry(payload);
    if (entry === null) return; // not ours: something else wrote to our inbox
    const { from, first, messages } = entry;
    this.#readFrom.add(from);
    const { known, missed } = this.#numbers.receive(
      from,
      first,
      messages.length,
    );
    if (missed > 0) {
      this.#record({ event: "store-dropped", from, missed });
      try {
        this.#onGap?.(from);
      } catch { /* the router's; never break the reply parser */ }
    }
    // Those known were delivered already (a late retry, a resend): skipped.
    for (let i = known; i < messages.length; i++) {
      handOver(handler, from, messages[i], this.#record);
    }
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
    const key = ACKED + this.#self;
    const fields = senders.flatMap((from) => [
      from,
      String(this.#numbers.next(from)),
    ]);
    const { reader } = this.#connections;
    reader.sendCommand(["HSET", key, ...fields]).catch(() => {
      for (const from of senders) this.#readFrom.add(from);
    });
    if (this.#ackTtl.due(null, this.#clock.now())) {
      reader.sendCommand(["PEXPIRE", key, String(INBOX_TTL_MS)]).catch(
        () => {},
      );
    }
  }
}
