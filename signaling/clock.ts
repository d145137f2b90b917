/**
 * Time as a dependency: the relay core never reads the wall clock or starts
 * timers directly, so tests can drive ring timeouts and presence ticks by hand.
 */

/** Opaque handle returned by {@linkcode Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The time and timer functions the signaling core uses. */
export interface Clock {
  /** Milliseconds since the epoch (or any monotonic-enough origin). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now` and the global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};
