/**
 * The Redis broker's sending side. Messages queued in one tick go out
 * together: one entry of the receiver's inbox stream (`inbox_entry.ts`)
 * holds the messages queued to it, numbered on per receiver, in one `XADD`;
 * every `XADD` goes through one connection, so Redis keeps them in the
 * order sent. The numbers let the receiver notice messages that never
 * arrived (trimmed past `inboxMaxLength` unread, refused by a full send
 * buffer, or let go unread past the bound below) and report the gap.
 *
 * A Redis that restarts empty loses entries it had taken but nobody had
 * read, so an `XADD`'s reply is not the end of a message: the sender holds
 * what it sent until its receiver says it has read it
 * (`sent_until_read.ts`, bounded), and sends everything held again, in
 * order, after any reconnection or failed `XADD`. Only messages let go past
 * that bound can still be lost, and those show as a gap.
 */
import type { Clock, TimerHandle } from "../clock.ts";
import type { LogRecord } from "../log.ts";
import type { InstanceId } from "./broker.ts";
import { encodeEntries } from "./inbox_entry.ts";
import { OutgoingNumbers } from "./numbering.ts";
import type { OutageLog } from "./outage_log.ts";
import { PendingSends } from "./pending_sends.ts";
import type { RedisConnections } from "./redis_client.ts";
import {
  ACKED,
  INBOX,
  INBOX_TTL_MS,
  INBOX_TTL_RENEW_MS,
} from "./redis_keys.ts";
import { SentUntilRead } from "./sent_until_read.ts";
import { Throttle } from "./throttle.ts";
import type { HeldEntry } from "./unacked.ts";

/**
 * Characters of messages packed into one stream entry. Bounded so that one
 * entry never stalls a connection for long.
 */
const ENTRY_CHARS = 64 * 1024;
/** Shortest time between two flushes of queued messages under load. */
const FLUSH_WINDOW_MS = 1;

/** What the outbox needs from its broker. */
export interface RedisOutboxOptions {
  self: InstanceId;
  connections: RedisConnections;
  clock: Clock;
  /** Admits sends beside those queued while Redis is away. */
  outage: OutageLog;
  /** Whether Redis is reachable and the broker open. */
  healthy(): boolean;
  /** Writes one log record. */
  record(fields: LogRecord): void;
  /** Characters of messages held while Redis is unreachable. */
  sendBufferChars: number;
  /** Entries an inbox keeps unread before the oldest are dropped. */
  inboxMaxLength: number;
  /** Messages and characters held until read, to send again. */
  unacked: { messages: number; chars: number };
}

/** See the module doc. */
export class RedisOutbox {
  readonly #options: RedisOutboxOptions;
  /** Messages not yet handed to the client, per receiver, in send order. */
  readonly #pending: PendingSends;
  readonly #numbers = new OutgoingNumbers(1);
  /** Sent, not yet read by their receiver: sent again if Redis lost them. */
  readonly #sent: SentUntilRead;
  /** When this instance last renewed each receiver's inbox expiry. */
  readonly #inboxTtl = new Throttle<InstanceId>(INBOX_TTL_RENEW_MS);
  #flushScheduled = false;
  /** When queued messages last went out, and the timer of the next flush. */
  #flushedAt = -Infinity;
  #flushTimer: TimerHandle | null = null;
  /** Resolves after the last XADD issued has been answered. */
  #lastWrite: Promise<unknown> = Promise.resolve();

  constructor(options: RedisOutboxOptions) {
    this.#options = options;
    this.#pending = new PendingSends(options.outage, options.sendBufferChars);
    this.#sent = new SentUntilRead({
      limits: options.unacked,
      readAcks: (receivers) => this.#readAcks(receivers),
      flush: () => this.flush(),
      record: options.record,
      staleMs: INBOX_TTL_MS,
      clock: options.clock,
    });
  }

  /** Queues `message` for `to`; see `Broker.send`. */
  send(to: InstanceId, message: string): void {
    // Only an outage lets the buffer grow; a burst is written out each tick.
    if (!this.#pending.add(to, message, !this.#options.healthy())) {
      this.#numbers.refused(to);
      return;
    }
    if (!this.#flushScheduled) this.#scheduleFlush();
  }

  /** A connection came back, maybe to an emptied Redis: all held goes again. */
  reconnected(): void {
    this.#sent.reconnected();
  }

  /** Hands queued messages to the client: one XADD per receiver and entry. */
  flush(): void {
    if (!this.#options.healthy()) return;
    // Held entries go first: their receiver must see them before newer ones.
    for (const [to, held] of this.#sent.takeResends()) {
      this.#publish(to, held);
    }
    if (this.#pending.count === 0) return;
    for (const [to, messages] of this.#pending.takeAll()) {
      // Numbered here, in send order: the receiver tells a gap by them.
      const first = this.#numbers.take(to, messages.length);
      const entries = encodeEntries(
        this.#options.self,
        first,
        messages,
        ENTRY_CHARS,
      );
      this.#sent.hold(to, entries);
      this.#publish(to, entries);
    }
    this.#numbers.skipRefused();
  }

  /** Writes out what is queued now, instead of at the flush scheduled. */
  flushNow(): void {
    this.#options.clock.clearTimeout(this.#flushTimer);
    this.flush();
  }

  /**
   * Stops holding and asking for acknowledgements; resolves once the
   * writes issued have been answered.
   */
  async close(): Promise<void> {
    const sentClosed = this.#sent.close();
    await this.#lastWrite;
    await sentClosed;
  }

  /**
   * At the end of this task when nothing went out for a while, so a lone
   * message waits for nothing; otherwise one flush per
   * {@linkcode FLUSH_WINDOW_MS}, so that under load each XADD carries many
   * messages and the receiver wakes once for them, not once for each few.
   */
  #scheduleFlush(): void {
    const { clock } = this.#options;
    this.#flushScheduled = true;
    const wait = this.#flushedAt + FLUSH_WINDOW_MS - clock.now();
    const flush = () => {
      this.#flushScheduled = false;
      this.#flushTimer = null;
      this.#flushedAt = clock.now();
      this.flush();
    };
    if (wait <= 0) queueMicrotask(flush);
    else this.#flushTimer = clock.setTimeout(flush, wait);
  }

  #publish(to: InstanceId, entries: readonly HeldEntry[]): void {
    const { cmd } = this.#options.connections;
    const key = INBOX + to;
    const maxLength = String(this.#options.inboxMaxLength);
    for (const entry of entries) {
      // Not awaited: the client pipelines. A failure (connection lost
      // mid-flight) sends everything held for `to` again.
      this.#lastWrite = cmd.sendCommand([
        "XADD",
        key,
        "MAXLEN",
        maxLength,
        "*",
        "d",
        entry.payload,
      ]).catch(() => this.#sent.failed(to));
    }
    // A dead receiver's inbox goes away by itself. Renewed now and then,
    // not with every entry: it would double the commands per entry.
    if (this.#inboxTtl.due(to, this.#options.clock.now())) {
      cmd.sendCommand(["PEXPIRE", key, String(INBOX_TTL_MS)]).catch(() => {});
    }
  }

  /** How far each of `receivers` has read this instance's messages. */
  #readAcks(receivers: InstanceId[]): Promise<(string | null)[]> {
    if (!this.#options.healthy()) {
      return Promise.reject(new Error("Redis is away"));
    }
    const { connections, self } = this.#options;
    return connections.timed(
      Promise.all(
        receivers.map((to) => connections.ctl.hGet(ACKED + to, self)),
      ),
      "HGET",
    );
  }
}
