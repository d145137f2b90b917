/**
 * A module's own timers, keyed by the module's own records (a call, a
 * session, a socket): one set per module, so the module that starts a wait
 * is the one that cancels it and the one that disposes what is left.
 */

import type { Clock, TimerHandle } from "./clock.ts";

/** Timers keyed by `K`; at most one per key. */
export class Timers<K> {
  readonly #clock: Clock;
  readonly #handles = new Map<K, TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Runs `fire` after `ms`, replacing a timer already set under `key`. */
  set(key: K, ms: number, fire: () => void): void {
    this.clear(key);
    this.#handles.set(
      key,
      this.#clock.setTimeout(() => {
        this.#handles.delete(key);
        fire();
      }, ms),
    );
  }

  /** Cancels the timer under `key`, if any. */
  clear(key: K): void {
    const handle = this.#handles.get(key);
    if (handle === undefined) return;
    this.#handles.delete(key);
    this.#clock.clearTimeout(handle);
  }

  /** Cancels every timer. */
  dispose(): void {
    for (const handle of this.#handles.values()) {
      this.#clock.clearTimeout(handle);
    }
    this.#handles.clear();
  }
}
