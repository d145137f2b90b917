/**
 * A chore done now and then rather than every time its occasion comes up
 * (pushing back a key's expiry, say): per key, at most once per interval.
 * Pure: the caller passes the time.
 */

/** See the module doc. */
export class Throttle<K> {
  readonly #everyMs: number;
  readonly #doneAt = new Map<K, number>();

  /** @param everyMs the shortest time between two rounds of one key's chore */
  constructor(everyMs: number) {
    this.#everyMs = everyMs;
  }

  /** Whether `key`'s chore is due at `now`; if it is, it counts as done. */
  due(key: K, now: number): boolean {
    if (now - (this.#doneAt.get(key) ?? -Infinity) < this.#everyMs) {
      return false;
    }
    this.#doneAt.set(key, now);
    return true;
  }
}
