/**
 * The relay's counters for `/metrics`: frames in and out, relayed signals,
 * `error` frames by code and server-side closes by code, and which errors
 * are still worth a log line.
 */

import type { LogRecord } from "./log.ts";
import type { ErrorCode } from "./protocol.ts";
import type { Connection } from "./relay_context.ts";

/** Errors logged per connection before further ones are only counted. */
const MAX_LOGGED_ERRORS = 10;

/** Counters for `/metrics`. */
export interface RelayStats {
  /** Open connections (logged in or not). */
  connections: number;
  /** Logged-in users, detached ones included. */
  users: number;
  rooms: number;
  /** Calls ringing or in progress. */
  calls: number;
  framesIn: number;
  framesOut: number;
  /** SDP/ICE messages relayed between call parties. */
  relayed: number;
  chats: number;
  /** Sessions whose connection dropped, waiting to be resumed. */
  detached: number;
  /** Sessions resumed with a token (after a drop, or replacing a socket). */
  resumed: number;
  /** Calls restored by mutual claim after a restart. */
  restored: number;
  /** `error` frames sent, by code. */
  errors: Record<string, number>;
  /** Connections the server closed, by close code. */
  kicked: Record<string, number>;
}

/** The counts the relay's loop keeps itself. */
type Counted = "framesIn" | "framesOut" | "relayed" | "errors" | "kicked";

/** The counters the relay's loop keeps as it applies outputs. */
export class RelayTally {
  framesIn = 0;
  framesOut = 0;
  relayed = 0;
  readonly #errors: Record<string, number> = {};
  readonly #kicked: Record<string, number> = {};

  /** One `error` frame with `code` went out. */
  rejected(code: ErrorCode): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
  }

  /** The server closed a connection with `code`. */
  kicked(code: number): void {
    this.#kicked[code] = (this.#kicked[code] ?? 0) + 1;
  }

  /**
   * The log record for `conn`'s next error, or `null` once it has had its
   * share (the last one logged says the rest are suppressed).
   */
  errorRecord(conn: Connection, code: ErrorCode): LogRecord | null {
    if (conn.errors++ >= MAX_LOGGED_ERRORS) return null;
    const record: LogRecord = { event: "error", conn: conn.id, code };
    if (conn.errors === MAX_LOGGED_ERRORS) record.more = "suppressed";
    return record;
  }

  /** These counters with the other modules' `rest`. */
  stats(rest: Omit<RelayStats, Counted>): RelayStats {
    return {
      ...rest,
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      relayed: this.relayed,
      errors: { ...this.#errors },
      kicked: { ...this.#kicked },
    };
  }
}
