/**
 * Session resume, the pure part: which socket closes end a session and which
 * only detach it, and the store of single-use resume tokens. No timers and no
 * clock: callers pass the time in, so the rules read (and test) the same
 * under a manual clock and the real one.
 */

import { randomToken } from "./tokens.ts";

/** What a closed socket means for its session. */
export type CloseOutcome =
  /** The user left on purpose (or the server put them out): end it now. */
  | "leave"
  /** The connection was lost: keep the session for the grace period. */
  | "detach";

/**
 * Classifies a socket close. Only a clean 1000/1001 is a goodbye: Deno
 * reports a missed ping as an unclean 1001 ("No response from ping frame.")
 * and a dropped TCP connection as an unclean 1006 or 0, and a client closes
 * with 4000 when its own heartbeat gives up. The server's own policy closes
 * (1008, 1009) end the session too: a client put out for abuse must not come
 * back through a resume.
 */
export function closeOutcome(code: number, wasClean: boolean): CloseOutcome {
  if (code === 1008 || code === 1009) return "leave";
  if (wasClean && (code === 1000 || code === 1001)) return "leave";
  return "detach";
}

/** Why {@linkcode ResumeTokens.redeem} refused a token. */
export type RedeemRefusal =
  /** Never issued here, already used, or replaced by a newer one. */
  | "unknown"
  /** The session's grace period ran out. */
  | "expired"
  /** Issued for a session in another room. */
  | "wrong-room"
  /** Issued to a session under another name. */
  | "wrong-name";

/** A successful redemption, or why not. */
export type Redeemed<S> = { session: S } | { refused: RedeemRefusal };

interface Entry<S> {
  readonly token: string;
  readonly session: S;
  readonly room: string;
  readonly nameKey: string;
  /** When a detached session stops being resumable; Infinity while attached. */
  expiresAt: number;
}

/**
 * Resume tokens, one per live session. A token is bound to its session's room
 * and name, is single use (redeeming it removes it; the resumed session is
 * issued a new one), and stops working when its session has been detached
 * for longer than the grace period or is revoked.
 *
 * @typeParam S the caller's session object
 */
export class ResumeTokens<S> {
  readonly #byToken = new Map<string, Entry<S>>();
  readonly #bySession = new Map<S, Entry<S>>();
  readonly #newToken: () => string;

  /**
   * @param graceMs how long a detached session stays resumable
   * @param newToken token generator (random 128 bits by default)
   */
  constructor(readonly graceMs: number, newToken: () => string = randomToken) {
    this.#newToken = newToken;
  }

  /** Live tokens. */
  get size(): number {
    return this.#byToken.size;
  }

  /**
   * Issues a token for `session` (attached: it does not expire until
   * {@linkcode detach}), replacing any token it had.
   *
   * @param nameKey the session's name key (`nameKey()` of its name)
   */
  issue(session: S, room: string, nameKey: string): string {
    this.revoke(session);
    const entry: Entry<S> = {
      token: this.#newToken(),
      session,
      room,
      nameKey,
      expiresAt: Infinity,
    };
    this.#byToken.set(entry.token, entry);
    this.#bySession.set(session, entry);
    return entry.token;
  }

  /**
   * Starts the grace period of `session`'s token; returns when it ends
   * (`undefined` if the session has no token).
   */
  detach(session: S, now: number): number | undefined {
    const entry = this.#bySession.get(session);
    if (!entry) return undefined;
    entry.expiresAt = now + this.graceMs;
    return entry.expiresAt;
  }

  /**
   * Redeems `token` for a login in `room` under `nameKey`. On success the
   * token is gone (single use) and the caller issues a new one; a refused
   * token is left alone, except an expired one, which is removed.
   */
  redeem(
    token: string,
    room: string,
    nameKey: string,
    now: number,
  ): Redeemed<S> {
    const entry = this.#byToken.get(token);
    if (!entry) return { refused: "unknown" };
    if (now >= entry.expiresAt) {
      this.#remove(entry);
      return { refused: "expired" };
    }
    if (entry.room !== room) return { refused: "wrong-room" };
    if (entry.nameKey !== nameKey) return { refused: "wrong-name" };
    this.#remove(entry);
    return { session: entry.session };
  }

  /** Removes `session`'s token (the session ended). */
  revoke(session: S): void {
    const entry = this.#bySession.get(session);
    if (entry) this.#remove(entry);
  }

  #remove(entry: Entry<S>): void {
    this.#byToken.delete(entry.token);
    this.#bySession.delete(entry.session);
  }
}
