/**
 * The wait before a broker takes a free lease, right after its store came
 * back: a store that restarted empty holds no leases until their holders
 * renew them, and taking one before that would take a room from a holder
 * that is alive and well (and end the sessions its users would resume). So
 * for `leaseMs` after the store is back, a claim that finds a lease free
 * waits that out first. Timers only through the injected clock.
 */

import type { Clock } from "../clock.ts";
import { Sleeps } from "../timing.ts";

/** See the module doc. */
export class LeaseSettling {
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #sleeps: Sleeps;
  /** Until when claims wait for holders to take their leases again. */
  #until = 0;
  #waiting: Promise<void> | null = null;
  #ended = false;

  constructor(clock: Clock, leaseMs: number) {
    this.#clock = clock;
    this.#leaseMs = leaseMs;
    this.#sleeps = new Sleeps(clock);
  }

  /** The store is back, maybe empty: holders get `leaseMs` to renew. */
  storeBack(): void {
    this.#until = this.#clock.now() + this.#leaseMs;
  }

  /** Whether a free lease may be taken now. */
  get takesFree(): boolean {
    return this.#clock.now() >= this.#until;
  }

  /**
   * Resolves once free leases may be taken: at once, or at the end of the
   * wait under way. One wait for every claim made meanwhile.
   */
  settled(): Promise<void> {
    const wait = this.#until - this.#clock.now();
    if (wait <= 0 || this.#ended) return Promise.resolve();
    this.#waiting ??= this.#sleeps.sleep(wait).finally(() => {
      this.#waiting = null;
    });
    return this.#waiting;
  }

  /** Ends the wait under way and any later one (the broker closed). */
  end(): void {
    this.#ended = true;
    this.#sleeps.end();
  }
}
