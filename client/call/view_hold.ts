/**
 * Keeping the callee's view still from Accept until its answer has left (or
 * {@link HOLD_VIEW_MS}): the caller's offer comes right after the server's
 * `accepted`, and redrawing meanwhile kept Chromium's main thread from it for
 * about 40 ms, a quarter of the time from Accept to the first frame. A
 * rendering concern, so it sits beside the snapshot, not in the machine.
 */
import type { Timers } from "../timers.ts";

/** The longest the callee's view stays still after Accept. */
export const HOLD_VIEW_MS = 250;

/** One hold at a time; owns its timer. */
export class ViewHold {
  #timers: Timers;
  #onRelease: () => void;
  #timer: number | undefined;

  /** `onRelease` redraws once the hold ends by itself or by {@link release}. */
  constructor(timers: Timers, onRelease: () => void) {
    this.#timers = timers;
    this.#onRelease = onRelease;
  }

  /** Whether the view should not be redrawn now. */
  get holding(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts holding, for at most {@link HOLD_VIEW_MS}. */
  hold(): void {
    if (this.holding) return;
    this.#timer = this.#timers.setTimeout(() => this.release(), HOLD_VIEW_MS);
  }

  /** Ends the hold and redraws. */
  release(): void {
    if (!this.cancel()) return;
    this.#onRelease();
  }

  /** Ends the hold without redrawing; returns whether one was on. */
  cancel(): boolean {
    if (!this.holding) return false;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    return true;
  }
}
