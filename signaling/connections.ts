/**
 * The open sockets as the relay sees them, by id: opening one (with its
 * rate limiter and its login deadline, this module's own timers) and
 * closing one, whose session then detaches or ends. Handlers return their
 * outputs (see `relay_context.ts`).
 */

import type { ConnectionId } from "./bus.ts";
import type { Clock } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import { UNKNOWN_ADDRESS } from "./detached.ts";
import { tutorial } from "./frames.ts";
import { RateLimiter } from "./limits.ts";
import type { LogRecord } from "./log.ts";
import type { Dialect } from "./protocol.ts";
import {
  CloseCode,
  type Connection,
  type Effect,
  log,
  NONE,
  setTimer,
} from "./relay_context.ts";
import type { SessionLifecycle } from "./session_lifecycle.ts";
import { closeOutcome } from "./sessions.ts";
import { Timers } from "./timers.ts";

/** Facts about a new connection that the transport knows. */
export interface ConnectionMeta {
  /** The client's address (see `client_address.ts`). */
  ip?: string;
  /** Whether the upgrade request carried an `Origin` header (a browser page). */
  hasOrigin?: boolean;
}

/** Open connections by id. */
export class Connections {
  readonly #config: SignalingConfig;
  readonly #clock: Clock;
  readonly #sessions: SessionLifecycle;
  readonly #byId = new Map<ConnectionId, Connection>();
  /** Sockets that have not logged in yet, closed when their time is up. */
  readonly #logins: Timers<Connection>;

  constructor(
    config: SignalingConfig,
    clock: Clock,
    sessions: SessionLifecycle,
  ) {
    this.#config = config;
    this.#clock = clock;
    this.#sessions = sessions;
    this.#logins = new Timers(clock);
  }

  /** Open connections. */
  get size(): number {
    return this.#byId.size;
  }

  /** The open connection `id`, if any. */
  get(id: ConnectionId): Connection | undefined {
    return this.#byId.get(id);
  }

  /** Every open connection. */
  values(): IterableIterator<Connection> {
    return this.#byId.values();
  }

  /** Cancels every login deadline. */
  dispose(): void {
    this.#logins.dispose();
  }

  /** A new socket; tutorial clients are greeted with their `id`. */
  open(
    id: ConnectionId,
    dialect: Dialect,
    roomName: string,
    meta: ConnectionMeta,
  ): Effect[] {
    const now = this.#clock.now();
    const config = this.#config;
    const conn: Connection = {
      id,
      dialect,
      roomName,
      address: meta.ip ?? UNKNOWN_ADDRESS,
      hasOrigin: meta.hasOrigin === true,
      limiter: new RateLimiter(
        config.ratePerSecond,
        config.rateBurst,
        config.abuseCloseMs,
        now,
      ),
      openedAt: now,
      member: null,
      errors: 0,
    };
    this.#byId.set(id, conn);
    const record: LogRecord = {
      event: "connect",
      conn: id,
      dialect,
      room: roomName,
      ip: meta.ip,
    };
    const out: Effect[] = [
      // A socket that never logs in would hold a connection slot for free.
      setTimer(
        this.#logins,
        conn,
        config.loginTimeoutMs,
        () => this.#loginExpired(conn),
      ),
      log(record),
    ];
    if (dialect === "tutorial") {
      out.push({ kind: "send", conn, frame: tutorial.id(id) });
    }
    return out;
  }

  #loginExpired(conn: Connection): Effect[] {
    if (conn.member !== null || this.#byId.get(conn.id) !== conn) return NONE;
    const ms = this.#config.loginTimeoutMs;
    const reason = `log in within ${ms} ms of connecting`;
    return [{ kind: "close", conn, code: CloseCode.policy, reason }];
  }

  /** `conn` has a session now: its login deadline is over. */
  loggedIn(conn: Connection): void {
    this.#logins.clear(conn);
  }

  /**
   * The socket `id` closed (idempotent). A `parley.v1` session that lost
   * its connection (see {@linkcode closeOutcome}) detaches; otherwise it
   * ends.
   */
  closed(id: ConnectionId, code?: number, wasClean = true): Effect[] {
    const conn = this.#byId.get(id);
    if (!conn) return NONE;
    this.#byId.delete(id);
    this.#logins.clear(conn);
    const member = conn.member;
    conn.member = null;
    let out: Effect[] = [];
    if (member) {
      out = member.dialect === "parley" &&
          closeOutcome(code ?? 1005, wasClean) === "detach"
        ? this.#sessions.detach(member)
        : this.#sessions.end(member, "left");
    }
    const record: LogRecord = {
      event: "disconnect",
      conn: id,
      code,
      ms: this.#clock.now() - conn.openedAt,
      errors: conn.errors,
    };
    return out.concat(log(record));
  }

  /** Whether any open connection asked for room `name`. */
  inRoom(name: string): boolean {
    for (const conn of this.#byId.values()) {
      if (conn.roomName === name) return true;
    }
    return false;
  }
}
