/**
 * How the KV broker calls Deno KV: every operation under a timeout, run
 * again when a local KV file was locked by another handle, and its outcome
 * tracked as the broker's health (an {@linkcode OutageLog} says when KV
 * starts failing and when it works again).
 */
import type { Clock } from "../clock.ts";
import { delay, withTimeout } from "../timing.ts";
import { chunks } from "./chunks.ts";
import { MANY } from "./kv_inbox_values.ts";
import type { OutageLog } from "./outage_log.ts";

/** Attempts of an operation that a local KV file refused as locked. */
const LOCKED_ATTEMPTS = 50;

/** See the module doc. */
export class KvCalls {
  /** The store; operations on it go through {@linkcode KvCalls.run}. */
  readonly kv: Deno.Kv;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #outage: OutageLog;
  #healthy = true;
  #closed = false;

  /** @param timeoutMs how long an operation may take before it rejects */
  constructor(
    kv: Deno.Kv,
    clock: Clock,
    timeoutMs: number,
    outage: OutageLog,
  ) {
    this.kv = kv;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#outage = outage;
  }

  /** Whether the last operation (or watch) worked. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Runs one KV operation with a timeout, tracking health. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const result = await withTimeout(
        this.#clock,
        this.#retryLocked(operation),
        this.#timeoutMs,
        `Deno KV did not answer within ${this.#timeoutMs} ms; retry later.`,
      );
      this.setHealthy(true);
      return result;
    } catch (error) {
      this.setHealthy(false, error);
      throw error;
    }
  }

  /** `getMany` for any number of keys (it takes 10 at a time). */
  async getMany<T>(keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
    const slices = chunks(keys, MANY).map((slice) =>
      this.kv.getMany<T[]>(slice)
    );
    return (await Promise.all(slices)).flat();
  }

  /** KV worked, or failed with `error`; ignored once closed. */
  setHealthy(healthy: boolean, error?: unknown): void {
    if (this.#closed) return;
    this.#healthy = healthy;
    if (healthy) this.#outage.up();
    else this.#outage.down(error);
  }

  /** The broker closed: health is no longer tracked. */
  close(): void {
    this.#closed = true;
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
        // Not a broker's Sleeps: the releases in close() need these retries too.
        await delay(this.#clock, 1 + Math.random() * Math.min(attempt, 10));
      }
    }
  }
}
