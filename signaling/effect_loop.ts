/**
 * The one loop that applies handlers' outputs (see `relay_context.ts`), in
 * order. Outputs that applying an output produces (a close that ends a
 * session, an outbox that overflows) queue behind the rest, and an input
 * that arrives while the loop runs (a bus reporting back at once, a timer
 * fired by a test clock) waits its turn: no handler ever runs inside another.
 */

import type { Effect } from "./relay_context.ts";

/** Applies outputs one at a time, queueing what arrives meanwhile. */
export class EffectLoop {
  readonly #applyOne: (effect: Effect) => void;
  readonly #failed: (error: unknown) => void;
  #applying = false;
  #later: Effect[] = [];

  /**
   * @param applyOne carries out one output; what it leads to goes to
   *   {@linkcode EffectLoop.queue}
   * @param failed told when a handler or `applyOne` threw; the loop goes on
   *   with the next output
   */
  constructor(
    applyOne: (effect: Effect) => void,
    failed: (error: unknown) => void,
  ) {
    this.#applyOne = applyOne;
    this.#failed = failed;
  }

  /** Whether outputs are being applied now (an input would have to wait). */
  get running(): boolean {
    return this.#applying;
  }

  /** Runs `handler` and applies its outputs, or queues it if the loop runs. */
  input(handler: () => Effect[]): void {
    if (this.#applying) {
      this.#later.push({ kind: "then", run: handler });
      return;
    }
    let effects: Effect[];
    try {
      effects = handler();
    } catch (error) {
      return this.#failed(error);
    }
    this.apply(effects);
  }

  /** Applies `effects`, then whatever applying them queued, until none is left. */
  apply(effects: readonly Effect[]): void {
    if (this.#applying) return this.queue(effects);
    this.#applying = true;
    try {
      let batch = effects;
      for (;;) {
        for (let i = 0; i < batch.length; i++) {
          try {
            this.#applyOne(batch[i]);
          } catch (error) {
            this.#failed(error);
          }
        }
        if (this.#later.length === 0) break;
        batch = this.#later;
        this.#later = [];
      }
    } finally {
      this.#applying = false;
    }
  }

  /** Queues `effects` behind those being applied (to be called while applying). */
  queue(effects: readonly Effect[]): void {
    for (let i = 0; i < effects.length; i++) this.#later.push(effects[i]);
  }
}
