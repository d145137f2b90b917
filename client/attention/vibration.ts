/**
 * A phone's vibration while a call rings, in a repeating pattern; stopped
 * with `vibrate(0)`. `navigator.vibrate` plays a pattern once, so one timer
 * starts it again each cycle. Owns that timer.
 */
import type { Timers } from "../timers.ts";

/** Buzz, pause, buzz, then a longer pause: a phone's ring. */
export const RING_PATTERN: readonly number[] = [400, 200, 400, 1_400];
const CYCLE_MS = RING_PATTERN.reduce((a, b) => a + b, 0);

/** `navigator.vibrate`, where it exists. */
export type Vibrate = (pattern: number | number[]) => boolean;

/** See the module doc; {@link Vibration.set} is idempotent. */
export class Vibration {
  #on = false;
  #timer: number | undefined;

  /**
   * `vibrate` is absent on most desktops; `mayVibrate` says whether the
   * page has had a user gesture (browsers refuse, and warn, before one).
   */
  constructor(
    private readonly vibrate: Vibrate | undefined,
    private readonly timers: Timers,
    private readonly mayVibrate: () => boolean = () => true,
  ) {}

  /** Starts (true) or stops (false) the ringing pattern. */
  set(on: boolean): void {
    if (on === this.#on || !this.vibrate) return;
    this.#on = on;
    this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (on) this.#buzz();
    else if (this.mayVibrate()) this.#call(0);
  }

  /** Stops vibrating. */
  dispose(): void {
    this.set(false);
  }

  #buzz(): void {
    if (this.mayVibrate()) this.#call([...RING_PATTERN]);
    this.#timer = this.timers.setTimeout(() => this.#buzz(), CYCLE_MS);
  }

  #call(pattern: number | number[]): void {
    try {
      this.vibrate!(pattern);
    } catch {
      // A refusal is no reason to break the ring.
    }
  }
}
