/**
 * Reconnect delays: exponential growth with jitter, capped.
 *
 * Jitter spreads reconnects out so that a server restart is not followed by
 * every tab knocking at the same millisecond.
 */

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
   * an immediate retry loop.
   */
  jitter?: number;
}

/** Defaults: 0.5 s, 1 s, 2 s, … up to 30 s. */
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
