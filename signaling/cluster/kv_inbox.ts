/**
 * The KV broker's receiving side. KV has no pub/sub, so an inbox is a key
 * range that the receiver watches: it watches only its version key
 * (`watch` takes at most 10 keys and may skip intermediate values), and any
 * change makes it list its inbox, hand the entries over, and delete them.
 * Numbers it has handed over already (a sender's retried commit that had
 * landed, a failed delete) are skipped, so nothing arrives twice.
 */
import type { LogRecord } from "../log.ts";
import type { Sleeps } from "../timing.ts";
import {
  type InstanceId,
  type MessageHandler,
  storeBackoff,
} from "./broker.ts";
import { chunks } from "./chunks.ts";
import { handOver } from "./hand_over.ts";
import type { KvCalls } from "./kv_calls.ts";
import {
  type InboxValue,
  MAX_MUTATIONS,
  Reassembly,
} from "./kv_inbox_values.ts";
import { inboxPrefix, versionKey } from "./kv_keys.ts";
import { IncomingNumbers } from "./numbering.ts";

/** Inbox entries listed per pass; bounds memory when an inbox is long. */
const LIST_LIMIT = 1000;

/** What the inbox needs from its broker. */
export interface KvInboxOptions {
  self: InstanceId;
  calls: KvCalls;
  /** The broker's pauses between retries, ended when it closes. */
  sleeps: Sleeps;
  /** Whether the broker closed. */
  closed(): boolean;
  /** Writes one log record. */
  record(fields: LogRecord): void;
}

/** See the module doc. */
export class KvInbox {
  readonly #options: KvInboxOptions;
  #onMessage: MessageHandler | null = null;
  #reader: ReadableStreamDefaultReader<unknown> | null = null;
  #watching: Promise<void> | null = null;
  #draining: Promise<void> | null = null;
  #drainAgain = false;
  /** Entries handed over per sender, by number. */
  readonly #numbers = new IncomingNumbers(0);
  readonly #reassembly = new Reassembly();

  constructor(options: KvInboxOptions) {
    this.#options = options;
  }

  /**
   * Starts watching; resolves once the watch's first read has arrived
   * (the version key's current value): every later commit to this inbox
   * shows up as a change. Rejects when that first read fails.
   */
  start(onMessage: MessageHandler): Promise<void> {
    this.#onMessage = onMessage;
    const firstRead = Promise.withResolvers<void>();
    this.#watching = this.#watch(firstRead.resolve, firstRead.reject);
    return firstRead.promise;
  }

  /** Hands nothing more over. */
  stop(): void {
    this.#onMessage = null;
  }

  /** Ends the watch; resolves once it and any drain under way are over. */
  async stopped(): Promise<void> {
    await this.#reader?.cancel().catch(() => {});
    await this.#watching;
    await this.#draining;
  }

  /** Reads the version key's changes until closed; re-watches after errors. */
  async #watch(
    started: () => void,
    failed: (error: unknown) => void,
  ): Promise<void> {
    const { calls, closed, self, sleeps } = this.#options;
    let reads = 0;
    let failures = 0;
    while (!closed()) {
      try {
        this.#reader = calls.kv.watch([versionKey(self)]).getReader();
        while (true) {
          const { done } = await this.#reader.read();
          if (done) break;
          if (reads++ === 0) started();
          failures = 0;
          calls.setHealthy(true);
          this.#drain();
        }
      } catch (error) {
        if (closed()) break;
        calls.setHealthy(false, error);
        if (reads === 0) return failed(error);
      }
      if (closed()) break;
      // The stream ended or failed: watch again; the first read drains
      // whatever arrived meanwhile.
      await sleeps.sleep(storeBackoff(failures++));
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
          const full = await this.#options.calls.run(() => this.#drainOnce());
          failures = 0;
          if (full) this.#drainAgain = true;
        } catch {
          // Retry later even if nothing else arrives to wake us.
          this.#drainAgain = true;
          await this.#options.sleeps.sleep(storeBackoff(failures++));
        }
      } while (this.#drainAgain && !this.#options.closed());
      this.#draining = null;
    })();
  }

  /** One pass; true when the listing hit its limit and more may be waiting. */
  async #drainOnce(): Promise<boolean> {
    const { kv } = this.#options.calls;
    const done: Deno.KvKey[] = [];
    let listed = 0;
    const entries = kv.list<InboxValue>(
      { prefix: inboxPrefix(this.#options.self) },
      { limit: LIST_LIMIT },
    );
    for await (const entry of entries) {
      listed++;
      done.push(entry.key);
      const from = entry.key[3] as InstanceId;
      const seq = entry.key[4] as number;
      if (this.#numbers.receive(from, seq, 1).known > 0) continue;
      for (const message of this.#reassembly.messages(from, entry.value)) {
        handOver(this.#onMessage, from, message, this.#options.record);
      }
    }
    for (const keys of chunks(done, MAX_MUTATIONS)) {
      const atomic = kv.atomic();
      for (const key of keys) atomic.delete(key);
      await atomic.commit();
    }
    return listed === LIST_LIMIT;
  }
}
