/**
 * Sessions waiting out the resume grace period ("detached"), indexed by the
 * client address they dropped from, oldest first. A detached session costs
 * memory and a place in everyone's presence but no socket, so without this
 * index one client that logs in and drops in a loop could fill a room (and
 * the process) with them; the relay uses it to cap them per address and to
 * pick which one ends when the process needs the room.
 */

/** The address bucket of connections whose client address is not known. */
export const UNKNOWN_ADDRESS = "unknown";

/**
 * Detached sessions per client address, each address's in the order they
 * detached. Pure bookkeeping: ending a session is the caller's business.
 *
 * @typeParam S the caller's session object
 */
export class DetachedSessions<S> {
  readonly #addressOf = new Map<S, string>();
  /** Sets keep insertion order, so each one's first entry is its oldest. */
  readonly #byAddress = new Map<string, Set<S>>();

  /** Detached sessions in all. */
  get size(): number {
    return this.#addressOf.size;
  }

  /** Whether `session` is held here. */
  has(session: S): boolean {
    return this.#addressOf.has(session);
  }

  /** Adds `session` as the newest from `address` (moving it if it was held). */
  add(session: S, address: string): void {
    this.delete(session);
    this.#addressOf.set(session, address);
    let bucket = this.#byAddress.get(address);
    if (!bucket) {
      bucket = new Set();
      this.#byAddress.set(address, bucket);
    }
    bucket.add(session);
  }

  /** Removes `session` (resumed or ended); false if it was not held. */
  delete(session: S): boolean {
    const address = this.#addressOf.get(session);
    if (address === undefined) return false;
    this.#addressOf.delete(session);
    const bucket = this.#byAddress.get(address)!;
    bucket.delete(session);
    // Empty buckets go at once: addresses are attacker-chosen in number.
    if (bucket.size === 0) this.#byAddress.delete(address);
    return true;
  }

  /** Detached sessions that dropped from `address`. */
  countFrom(address: string): number {
    return this.#byAddress.get(address)?.size ?? 0;
  }

  /**
   * The session to end to make room at `address`: its oldest one that
   * `spare` does not protect, or its oldest if all are protected;
   * `undefined` when `address` holds none.
   */
  victimFrom(address: string, spare?: (session: S) => boolean): S | undefined {
    const bucket = this.#byAddress.get(address);
    if (!bucket) return undefined;
    let oldest: S | undefined;
    for (const session of bucket) {
      oldest ??= session;
      if (!spare?.(session)) return session;
    }
    return oldest;
  }

  /**
   * The address holding the most detached sessions (the first to reach that
   * count on a tie); `undefined` when none is held. Linear in the number of
   * addresses: asked only when the process is full.
   */
  heaviestAddress(): string | undefined {
    let heaviest: string | undefined;
    let most = 0;
    for (const [address, bucket] of this.#byAddress) {
      if (bucket.size > most) {
        most = bucket.size;
        heaviest = address;
      }
    }
    return heaviest;
  }
}
