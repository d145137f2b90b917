/**
 * What a broker says about its store going away: the outage (when it starts,
 * then at most once a minute while it lasts), sends refused meanwhile because
 * the send buffer was full (the first one, and their count when the outage
 * ends), and the recovery with how long the store was gone. The Redis and KV
 * brokers keep one each.
 */
import type { Clock } from "../clock.ts";
import type { LogRecord } from "../log.ts";

/** While the store stays unreachable, say so again at most this often. */
const DOWN_LOG_EVERY_MS = 60_000;

/** A broker's outage and send-buffer bookkeeping; see the module doc. */
export class OutageLog {
  readonly #record: (fields: LogRecord) => void;
  readonly #bufferLimit: number;
  readonly #clock: Pick<Clock, "now">;
  #downSince: number | null = null;
  #lastDownLog = 0;
  #dropped = 0;

  /**
   * @param bufferLimit sends the broker holds at most
   * @param record writes one log line (the broker adds its own fields)
   * @param clock the broker's clock
   */
  constructor(
    bufferLimit: number,
    record: (fields: LogRecord) => void,
    clock: Pick<Clock, "now">,
  ) {
    this.#bufferLimit = bufferLimit;
    this.#record = record;
    this.#clock = clock;
  }

  /**
   * Whether one more send fits beside the `queued` ones held. A send that
   * does not fit is counted, and the first of them logged.
   */
  admits(queued: number): boolean {
    if (queued < this.#bufferLimit) return true;
    if (this.#dropped++ === 0) {
      this.#record({
        event: "error",
        code: "broker-send-dropped",
        limit: this.#bufferLimit,
      });
    }
    return false;
  }

  /** The store failed to answer. */
  down(error: unknown): void {
    const now = this.#clock.now();
    this.#downSince ??= now;
    if (now - this.#lastDownLog < DOWN_LOG_EVERY_MS) return;
    this.#lastDownLog = now;
    this.#record({
      event: "error",
      code: "broker-unreachable",
      downMs: now - this.#downSince,
      detail: error instanceof Error ? error.message : String(error),
    });
  }

  /**
   * The store answers again. Logs and ends the outage under way, if any, and
   * says whether there was one.
   */
  up(): boolean {
    if (this.#downSince === null) return false;
    this.#record({
      event: "connect",
      downMs: this.#clock.now() - this.#downSince,
      dropped: this.#dropped,
    });
    this.#downSince = null;
    this.#lastDownLog = 0;
    this.#dropped = 0;
    return true;
  }
}
