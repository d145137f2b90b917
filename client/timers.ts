/**
 * The timer functions client modules use, injectable so tests can drive time
 * by hand instead of sleeping.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The real clock of the page (or of Deno). */
export const realTimers: Timers = {
  // Node's typings (pulled in by tests) say Timeout; browsers and Deno give
  // a number, which is all this module promises.
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id) => globalThis.clearTimeout(id),
  now: () => Date.now(),
};
