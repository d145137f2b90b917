/**
 * Names held for the other party of a call claimed after a restart. When a
 * user logs in claiming call X with B (`login.call`), B has not come back
 * yet, and whoever logs in as B first would get B's name: B's own claim would
 * then come from "B 2", match nothing, and the call would end for both. So
 * B's name is held while the claim waits, and only a login that proves to be
 * B gets it: one whose claim names the claimant and carries the same call id.
 * The call id is 128 random bits that only the call's two parties were ever
 * sent, which makes it the secret both hold.
 */

/** One hold: the name it guards belongs to the peer of `callId`'s claimant. */
interface Hold<Owner> {
  readonly callId: string;
  /** Name key of the claimant: the holder's own claim must name it. */
  readonly claimantKey: string;
  readonly owner: Owner;
}

/**
 * Held name keys of one room. Several holds may guard one name (a stale or
 * bogus claim must not lock out the real one); a login opens the name if it
 * matches any of them.
 *
 * @typeParam Owner the claimant (the waiting member) that placed a hold
 */
export class NameHolds<Owner> {
  readonly #byKey = new Map<string, Hold<Owner>[]>();
  /** A member has one claim, so at most one hold. */
  readonly #byOwner = new Map<Owner, string>();

  /** Holds in force. */
  get size(): number {
    return this.#byOwner.size;
  }

  /**
   * Holds name `key` for the peer of `owner`'s claim on `callId`, replacing
   * any hold `owner` had.
   *
   * @param claimantKey name key of `owner`
   */
  hold(key: string, callId: string, claimantKey: string, owner: Owner): void {
    this.releaseBy(owner);
    const holds = this.#byKey.get(key) ?? [];
    holds.push({ callId, claimantKey, owner });
    this.#byKey.set(key, holds);
    this.#byOwner.set(owner, key);
  }

  /** Whether name `key` is held for someone. */
  isHeld(key: string): boolean {
    return this.#byKey.has(key);
  }

  /**
   * Whether a login as `key` whose claim is on `callId` and names `peerKey`
   * is the one a hold on `key` waits for.
   */
  opensFor(key: string, callId: string, peerKey: string): boolean {
    const holds = this.#byKey.get(key);
    return holds !== undefined &&
      holds.some((h) => h.callId === callId && h.claimantKey === peerKey);
  }

  /** Ends every hold on `key`: a member now has that name. */
  release(key: string): void {
    const holds = this.#byKey.get(key);
    if (!holds) return;
    this.#byKey.delete(key);
    for (const hold of holds) this.#byOwner.delete(hold.owner);
  }

  /** Ends `owner`'s hold: its claim was matched, dropped or timed out. */
  releaseBy(owner: Owner): void {
    const key = this.#byOwner.get(owner);
    if (key === undefined) return;
    this.#byOwner.delete(owner);
    const rest = this.#byKey.get(key)!.filter((h) => h.owner !== owner);
    if (rest.length) this.#byKey.set(key, rest);
    else this.#byKey.delete(key);
  }
}
