/**
 * Per-connection rate limiting, pure: the caller passes the time in, so the
 * behaviour is the same under a test clock and the real one.
 */

/** Classic token bucket: `burst` tokens, refilled at `ratePerSecond`. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  /**
   * @param ratePerSecond tokens added per second
   * @param burst bucket size (and the initial fill)
   * @param now the current time in ms
   */
  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#last = now;
  }

  /** Takes one token if available; returns whether it did. */
  take(now: number): boolean {
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(
        this.burst,
        this.#tokens + (elapsed * this.ratePerSecond) / 1000,
      );
      this.#last = now;
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }
}

/** What to do with one incoming message. */
export type RateVerdict =
  /** Process it. */
  | "ok"
  /** Drop it silently (the client was warned recently). */
  | "drop"
  /** Drop it and tell the client `rate-limited`. */
  | "warn"
  /** Drop it and close the connection with 1008. */
  | "close";

/** Silence after which an abusive episode is considered over. */
const ABUSE_QUIET_MS = 1000;
/** At most one `rate-limited` warning per this interval. */
const WARN_INTERVAL_MS = 1000;

/**
 * A token bucket plus the abuse policy around it: a client over its rate gets
 * at most one warning per second, and one that keeps going over for
 * `abuseCloseMs` (no pause of a second without a dropped message) is cut off.
 */
export class RateLimiter {
  #bucket: TokenBucket;
  #abuseSince = -1;
  #lastDrop = -Infinity;
  #lastWarn = -Infinity;

  constructor(
    ratePerSecond: number,
    burst: number,
    readonly abuseCloseMs: number,
    now: number,
  ) {
    this.#bucket = new TokenBucket(ratePerSecond, burst, now);
  }

  /** Decides the fate of one message arriving at `now`. */
  check(now: number): RateVerdict {
    if (this.#bucket.take(now)) {
      if (this.#abuseSince >= 0 && now - this.#lastDrop >= ABUSE_QUIET_MS) {
        this.#abuseSince = -1;
      }
      return "ok";
    }
    if (this.#abuseSince < 0 || now - this.#lastDrop >= ABUSE_QUIET_MS) {
      this.#abuseSince = now;
    }
    this.#lastDrop = now;
    if (now - this.#abuseSince >= this.abuseCloseMs) return "close";
    if (now - this.#lastWarn >= WARN_INTERVAL_MS) {
      this.#lastWarn = now;
      return "warn";
    }
    return "drop";
  }
}
