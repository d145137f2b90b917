/**
 * The relay core: who is connected where, under which name, in which call,
 * and who receives what. Plain TypeScript with no sockets: frames come in as
 * strings with a connection id, and go out through a {@linkcode Bus}.
 *
 * A socket ({@linkcode Connection}) and a logged-in user ({@linkcode Member})
 * are separate: a `parley.v1` user whose connection drops stays a member for
 * the grace period (detached: frames for it are queued), and a new socket
 * presenting the session's resume token takes it over.
 *
 * Every input (a frame, an open or a close, a timer) runs a handler that
 * returns outputs ({@linkcode Effect}); this class is the one loop that
 * applies them, in order. Outputs that lead to more handling (a close
 * ending a session, an outbox overflowing) queue behind the rest, and an
 * input arriving while the loop runs (from a bus that reports back at once)
 * waits its turn, so no handler runs inside another.
 */

import type { Bus, ConnectionId } from "./bus.ts";
import { CallControl } from "./call_control.ts";
import { type ConnectionMeta, Connections } from "./connections.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import { errorFrame } from "./frames.ts";
import { IceServerList } from "./ice.ts";
import { EffectLoop } from "./effect_loop.ts";
import { Inbound } from "./inbound.ts";
import { type Logger, quietLogger } from "./log.ts";
import { PriorityOutbox } from "./outbox.ts";
import { PresenceTicker } from "./presence_ticker.ts";
import type { Dialect } from "./protocol.ts";
import {
  CloseCode,
  type Connection,
  type Effect,
  type Member,
} from "./relay_context.ts";
import type { Room } from "./rooms.ts";
import { SessionLifecycle } from "./session_lifecycle.ts";
import { TutorialCalls } from "./tutorial.ts";

export { CloseCode };
export type { ConnectionMeta };
export type { RelayStats } from "./relay_stats.ts";
import { type RelayStats, RelayTally } from "./relay_stats.ts";

/** What the relay needs from its surroundings. */
export interface RelayOptions {
  config: SignalingConfig;
  bus: Bus;
  clock?: Clock;
  logger?: Logger;
}

/** The routing core shared by both dialects. */
export class Relay {
  readonly #config: SignalingConfig;
  readonly #bus: Bus;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #calls: CallControl;
  readonly #sessions: SessionLifecycle;
  readonly #inbound: Inbound;
  readonly #presence: PresenceTicker;
  readonly #conns: Connections;
  readonly #rooms = new Map<string, Room<Member>>();
  readonly #tally = new RelayTally();
  readonly #loop = new EffectLoop(
    (effect) => this.#applyOne(effect),
    (error) => this.#internalError(undefined, error),
  );

  constructor(options: RelayOptions) {
    const config = this.#config = options.config;
    this.#bus = options.bus;
    const clock = this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? quietLogger;
    const ice = new IceServerList(config.iceServers, config.turn);
    const calls = this.#calls = new CallControl(config, clock);
    const sessions = this.#sessions = new SessionLifecycle({
      config,
      clock,
      ice,
      rooms: this.#rooms,
      calls,
    });
    this.#inbound = new Inbound({
      config,
      clock,
      ice,
      sessions,
      calls,
      tutorial: new TutorialCalls(calls),
    });
    this.#presence = new PresenceTicker(
      this.#rooms,
      config.presenceTickMs,
      clock,
    );
    this.#conns = new Connections(config, clock, sessions);
  }

  /**
   * Registers a new connection (its socket is open and attached to the bus).
   * Tutorial clients are greeted with their `id`.
   */
  open(
    id: ConnectionId,
    dialect: Dialect,
    roomName: string,
    meta: ConnectionMeta = {},
  ): void {
    this.#loop.input(() => this.#conns.open(id, dialect, roomName, meta));
  }

  /**
   * Handles one received frame: size and rate checks, parsing, validation,
   * routing. Never throws; a bug is logged as `internal-error`.
   */
  receive(
    id: ConnectionId,
    data: string | ArrayBuffer | ArrayBufferView | Blob,
  ): void {
    // The common case without the closure `input` takes.
    if (this.#loop.running) this.#loop.input(() => this.#received(id, data));
    else this.#loop.apply(this.#received(id, data));
  }

  #received(
    id: ConnectionId,
    data: string | ArrayBuffer | ArrayBufferView | Blob,
  ): Effect[] {
    const conn = this.#conns.get(id);
    if (!conn) return [];
    this.#tally.framesIn++;
    const before = conn.member;
    try {
      const out = this.#inbound.frame(conn, data);
      if (before === null && conn.member !== null) this.#conns.loggedIn(conn);
      return out;
    } catch (error) {
      this.#internalError(id, error);
      return [];
    }
  }

  /**
   * Forgets a connection whose socket closed (idempotent). A `parley.v1`
   * session that lost its connection (see `closeOutcome` in `sessions.ts`) is
   * detached for the grace period; otherwise the user leaves: the call peer
   * is told `peer-left` (tutorial: `hang-up`) and the room sees it go.
   *
   * @param code the close code; `wasClean` whether the close handshake
   *   completed (Deno reports a missed ping as an unclean 1001)
   */
  disconnect(id: ConnectionId, code?: number, wasClean = true): void {
    this.#loop.input(() => this.#conns.closed(id, code, wasClean));
  }

  /**
   * Closes a connection on the server's initiative (e.g. a client that stopped
   * reading) and forgets it at once, without waiting for the close handshake.
   * Its session ends: a connection put out by the server is not resumable.
   */
  kick(id: ConnectionId, code: number, reason: string): void {
    this.#loop.input(() => {
      const conn = this.#conns.get(id);
      return conn ? [{ kind: "close", conn, code, reason }] : [];
    });
  }

  /**
   * Whether the transport may take one more socket when `openSockets` are
   * open: detached sessions count against `maxConnections` like sockets
   * (each holds a user in memory and in presence), but a process full of
   * them still lets real users in: the oldest detached session of the
   * address holding the most (sparing calls where it can) ends to make
   * room. Only open sockets alone at the cap refuse.
   */
  admitSocket(openSockets: number): boolean {
    const max = this.#config.maxConnections;
    if (openSockets >= max) return false;
    let admit = true;
    this.#loop.input(() => {
      const out: Effect[] = [];
      while (openSockets + this.#sessions.detached >= max) {
        const shed = this.#sessions.shedDetached();
        if (shed === null) {
          admit = false;
          break;
        }
        out.push(...shed);
      }
      return out;
    });
    return admit;
  }

  /**
   * Whether room `name` has anyone in it: a connection, a logged-in user or
   * a detached session waiting to be resumed.
   */
  hasRoom(name: string): boolean {
    return this.#rooms.has(name) || this.#conns.inRoom(name);
  }

  /**
   * Closes every connection in room `name` with `code` and forgets the
   * room's users and calls without telling anyone: the room now runs on
   * another instance, where all of them reconnect and their calls are
   * restored by claim, so a `peer-left` here would only hang up the media.
   */
  evictRoom(name: string, code: number, reason: string): void {
    this.#loop.input(() => {
      const out: Effect[] = [];
      for (const conn of this.#conns.values()) {
        if (conn.roomName !== name) continue;
        conn.member = null;
        out.push({ kind: "close", conn, code, reason });
      }
      const room = this.#rooms.get(name);
      if (!room) return out;
      for (const member of [...room.members.values()]) {
        out.push(...this.#sessions.forget(member));
      }
      this.#rooms.delete(name);
      this.#presence.forget(room);
      return out;
    });
  }

  /** Counters for `/metrics`. */
  stats(): RelayStats {
    return this.#tally.stats({
      connections: this.#conns.size,
      users: this.#sessions.users,
      rooms: this.#rooms.size,
      calls: this.#calls.active,
      chats: this.#inbound.chats,
      detached: this.#sessions.detached,
      resumed: this.#sessions.resumed,
      restored: this.#calls.restored,
    });
  }

  /** Cancels every module's timers (presence tick, login, ring, grace, claim). */
  dispose(): void {
    this.#presence.dispose();
    this.#conns.dispose();
    this.#calls.dispose();
    this.#sessions.dispose();
  }

  // --- applying outputs ---------------------------------------------------

  #applyOne(effect: Effect): void {
    switch (effect.kind) {
      case "relay":
        this.#tally.relayed++;
        return this.#deliver(effect.to, effect.frame);
      case "deliver":
        return this.#deliver(effect.to, effect.frame);
      case "send":
        return this.#send(effect.conn, effect.frame);
      case "reject":
        return this.#reject(effect);
      case "close":
        return this.#close(effect.conn, effect.code, effect.reason);
      case "presence":
        return this.#loop.queue(this.#presence.touch(effect.member));
      case "roster":
        return this.#loop.queue(this.#presence.markDirty(effect.room));
      case "setTimer": {
        const fire = effect.fire;
        const loop = this.#loop;
        return effect.timers.set(effect.key, effect.ms, () => loop.input(fire));
      }
      case "clearTimer":
        return effect.timers.clear(effect.key);
      case "log":
        return this.#log(effect.record);
      case "then":
        return this.#loop.queue(effect.run());
    }
  }

  #internalError(conn: ConnectionId | undefined, error: unknown): void {
    this.#log({
      event: "internal-error",
      conn,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  // --- output -------------------------------------------------------------

  #send(conn: Connection, frame: string): void {
    this.#tally.framesOut++;
    this.#bus.send(conn.id, frame);
  }

  /**
   * Sends to a member's socket, or queues while it is detached: room chat
   * past its bound is dropped (and counted for the member), while call
   * frames past theirs end the session (see
   * {@linkcode SessionLifecycle.overflow}): the room cannot end a call.
   */
  #deliver(member: Member, frame: string): void {
    const life = member.life;
    if (life.state === "live") return this.#send(life.conn, frame);
    if (life.state !== "detached") return;
    life.outbox ??= new PriorityOutbox({
      callChars: this.#config.maxBufferedBytes,
    });
    if (!life.outbox.push(frame)) {
      this.#loop.queue(this.#sessions.overflow(member));
    }
  }

  #reject(effect: Extract<Effect, { kind: "reject" }>): void {
    const { conn, code } = effect;
    this.#tally.rejected(code);
    this.#send(conn, errorFrame(code, effect.detail));
    const record = this.#tally.errorRecord(conn, code);
    if (record) this.#log(record);
  }

  /** Closes `conn` and forgets it now; its session's outputs queue up. */
  #close(conn: Connection, code: number, reason: string): void {
    this.#tally.kicked(code);
    this.#bus.close(conn.id, code, reason);
    this.#loop.queue(this.#conns.closed(conn.id, code));
  }
}
