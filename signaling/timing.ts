/**
 * Waiting, over an injected {@linkcode Clock}: how long to wait before a
 * retry, a deadline on a promise, and sleeps that can be cut short. The two
 * cluster brokers and the browser's relay client share these, so there is
 * one backoff rule and one timeout rule, and tests can drive them by hand.
 *
 * Browser-safe: it uses nothing but the clock it is given.
 */

import type { Clock, TimerHandle } from "./clock.ts";

/** Tuning for {@link backoffDelay}. */
export interface BackoffOptions {
  /** Delay of the first retry before jitter, in ms. */
  baseMs?: number;
  /** Upper bound of any delay, in ms. */
  capMs?: number;
  /** Growth factor per attempt. */
  factor?: number;
  /**
   * Share of the delay that is random, 0..1. With 0.5 the delay lies in
   * [half, full] of the exponential value: never a thundering herd, never
   * an immediate retry loop. 0 makes it exact.
   */
  jitter?: number;
}

/** Defaults (the browser's reconnects): 0.5 s, 1 s, 2 s, … up to 30 s. */
export const DEFAULT_BACKOFF: Required<BackoffOptions> = {
  baseMs: 500,
  capMs: 30_000,
  factor: 2,
  jitter: 0.5,
};

/**
 * Delay before retry number `attempt` (0 for the first retry).
 *
 * @param random a source of numbers in [0, 1), injectable for tests
 * @returns milliseconds, always within [0, capMs]
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = {},
): number {
  const { baseMs, capMs, factor, jitter } = { ...DEFAULT_BACKOFF, ...options };
  const safeAttempt = Math.max(0, Math.floor(attempt));
  // Math.min before the power would not prevent Infinity for huge attempts.
  const exponential = Math.min(capMs, baseMs * Math.pow(factor, safeAttempt));
  const spread = Math.min(1, Math.max(0, jitter));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(exponential * (1 - spread) + exponential * spread * r);
}

/**
 * `promise`, or a rejection with `message` if it has not settled within
 * `ms` on `clock`. A late rejection of `promise` is not left unhandled.
 */
export function withTimeout<T>(
  clock: Clock,
  promise: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  promise.catch(() => {});
  let timer: TimerHandle = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() =>
    clock.clearTimeout(timer)
  );
}

/** Resolves after `ms` on `clock`; nothing can cut it short. */
export function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Sleeps that its owner can end all at once: a loop that waits between
 * retries must not keep a closed broker alive until its timer fires.
 */
export class Sleeps {
  readonly #clock: Clock;
  readonly #waking = new Map<() => void, TimerHandle>();
  #ended = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Resolves after `ms`, or at {@linkcode Sleeps.end} if that comes first. */
  sleep(ms: number): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#clock.clearTimeout(this.#waking.get(wake));
        this.#waking.delete(wake);
        resolve();
      };
      this.#waking.set(wake, this.#clock.setTimeout(wake, ms));
    });
  }

  /** Ends every sleep now; later sleeps resolve at once. */
  end(): void {
    this.#ended = true;
    for (const wake of [...this.#waking.keys()]) wake();
  }
}
