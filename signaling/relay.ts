/**
 * The relay core: who is connected where, under which name, in which call,
 * and who receives what. Plain TypeScript with no sockets: frames come in as
 * strings with a connection id, and go out through a {@linkcode Bus}.
 *
 * A socket ({@linkcode Connection}) and a logged-in user ({@linkcode Member})
 * are separate: a `parley.v1` user whose connection drops stays a member for
 * the grace period (detached: frames for it are queued), and a new socket
 * presenting the session's resume token takes it over.
 */

import type { Bus, ConnectionId } from "./bus.ts";
import { CallControl } from "./call_control.ts";
import { peerOf } from "./calls.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import { UNKNOWN_ADDRESS } from "./detached.ts";
import { errorFrame, parley, stampFrame, tutorial } from "./frames.ts";
import { IceServerList } from "./ice.ts";
import { type Logger, type LogRecord, quietLogger } from "./log.ts";
import { RateLimiter } from "./limits.ts";
import { PriorityOutbox } from "./outbox.ts";
import type { PresenceEntry } from "./presence.ts";
import {
  cleanChatText,
  type Dialect,
  type ErrorCode,
  frameTooBig,
  isRejection,
  type ParleyMessage,
  parseFrame,
  type TutorialMessage,
  validateParley,
  validateTutorial,
} from "./protocol.ts";
import {
  CloseCode,
  type Connection,
  type Member,
  presenceState,
} from "./relay_context.ts";
import { Room } from "./rooms.ts";
import { closeOutcome } from "./sessions.ts";
import { type SessionContext, SessionLifecycle } from "./session_lifecycle.ts";
import { TutorialCalls } from "./tutorial.ts";

export { CloseCode };

/** Errors logged per connection before further ones are only counted. */
const MAX_LOGGED_ERRORS = 10;

/** Facts about a new connection that the transport knows. */
export interface ConnectionMeta {
  /** The client's address (see `client_address.ts`). */
  ip?: string;
  /** Whether the upgrade request carried an `Origin` header (a browser page). */
  hasOrigin?: boolean;
}

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
  readonly #ice: IceServerList;
  readonly #callControl: CallControl;
  readonly #tutorial: TutorialCalls;
  readonly #sessions: SessionLifecycle;
  readonly #conns = new Map<ConnectionId, Connection>();
  readonly #rooms = new Map<string, Room<Member>>();
  #dirtyRooms = new Set<Room<Member>>();
  #presenceTimer: TimerHandle | null = null;
  #framesIn = 0;
  #framesOut = 0;
  #relayed = 0;
  #chats = 0;
  readonly #errors: Record<string, number> = {};
  readonly #kicked: Record<string, number> = {};

  constructor(options: RelayOptions) {
    this.#config = options.config;
    this.#bus = options.bus;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? quietLogger;
    this.#ice = new IceServerList(
      options.config.iceServers,
      options.config.turn,
    );
    const ctx: SessionContext = {
      config: this.#config,
      clock: this.#clock,
      log: this.#log,
      send: (conn, frame) => this.#send(conn, frame),
      deliver: (member, frame) => this.#deliver(member, frame),
      reject: (conn, code, detail) => this.#reject(conn, code, detail),
      relayFrame: (from, to, raw) => this.#relayFrame(from, to, raw),
      presenceChanged: (member) => this.#presenceChanged(member),
      ice: this.#ice,
      room: (name) => this.#room(name),
      markDirty: (room) => this.#markDirty(room),
      kick: (conn, code, reason) => this.#kick(conn, code, reason),
    };
    this.#callControl = new CallControl(ctx);
    this.#tutorial = new TutorialCalls(ctx, this.#callControl);
    this.#sessions = new SessionLifecycle(ctx, this.#callControl);
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
    const now = this.#clock.now();
    const conn: Connection = {
      id,
      dialect,
      roomName,
      address: meta.ip ?? UNKNOWN_ADDRESS,
      hasOrigin: meta.hasOrigin === true,
      limiter: new RateLimiter(
        this.#config.ratePerSecond,
        this.#config.rateBurst,
        this.#config.abuseCloseMs,
        now,
      ),
      openedAt: now,
      member: null,
      errors: 0,
      loginTimer: null,
    };
    this.#conns.set(id, conn);
    // A socket that never logs in would hold a connection slot for free.
    conn.loginTimer = this.#clock.setTimeout(() => {
      conn.loginTimer = null;
      if (conn.member === null && this.#conns.get(id) === conn) {
        this.#kick(
          conn,
          CloseCode.policy,
          `log in within ${this.#config.loginTimeoutMs} ms of connecting`,
        );
      }
    }, this.#config.loginTimeoutMs);
    this.#log({
      event: "connect",
      conn: id,
      dialect,
      room: roomName,
      ip: meta.ip,
    });
    if (dialect === "tutorial") this.#send(conn, tutorial.id(id));
  }

  /**
   * Handles one received frame: size and rate checks, parsing, validation,
   * routing. Never throws; a bug is logged as `internal-error`.
   */
  receive(
    id: ConnectionId,
    data: string | ArrayBuffer | ArrayBufferView | Blob,
  ): void {
    const conn = this.#conns.get(id);
    if (!conn) return;
    this.#framesIn++;
    try {
      if (frameTooBig(data, this.#config.maxFrameBytes)) {
        this.#kick(
          conn,
          CloseCode.tooBig,
          `frame too big: send at most ${this.#config.maxFrameBytes} bytes`,
        );
        return;
      }
      const verdict = conn.limiter.check(this.#clock.now());
      if (verdict !== "ok") {
        if (verdict === "warn") this.#reject(conn, "rate-limited");
        else if (verdict === "close") {
          this.#reject(conn, "rate-limited");
          this.#kick(
            conn,
            CloseCode.policy,
            "rate limit exceeded for too long",
          );
        }
        return;
      }
      if (typeof data !== "string") {
        this.#reject(conn, "bad-json", "Binary frames are not accepted.");
        return;
      }
      const parsed = parseFrame(data);
      if (isRejection(parsed)) {
        this.#reject(conn, parsed.reject, parsed.detail);
        return;
      }
      if (conn.dialect === "parley") {
        const msg = validateParley(parsed);
        if (isRejection(msg)) this.#reject(conn, msg.reject, msg.detail);
        else this.#onParley(conn, msg, data);
      } else {
        const msg = validateTutorial(parsed);
        if (isRejection(msg)) this.#reject(conn, msg.reject, msg.detail);
        else this.#onTutorial(conn, msg, data);
      }
      if (conn.member !== null && conn.loginTimer !== null) {
        this.#clock.clearTimeout(conn.loginTimer);
        conn.loginTimer = null;
      }
    } catch (error) {
      this.#log({
        event: "internal-error",
        conn: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /**
   * Forgets a connection whose socket closed (idempotent). A `parley.v1`
   * session that lost its connection (see {@linkcode closeOutcome}) is
   * detached for the grace period; otherwise the user leaves: the call peer
   * is told `peer-left` (tutorial: `hang-up`) and the room sees it go.
   *
   * @param code the close code; `wasClean` whether the close handshake
   *   completed (Deno reports a missed ping as an unclean 1001)
   */
  disconnect(id: ConnectionId, code?: number, wasClean = true): void {
    const conn = this.#conns.get(id);
    if (!conn) return;
    this.#conns.delete(id);
    if (conn.loginTimer !== null) {
      this.#clock.clearTimeout(conn.loginTimer);
      conn.loginTimer = null;
    }
    const member = conn.member;
    conn.member = null;
    if (member) {
      if (
        member.dialect === "parley" &&
        closeOutcome(code ?? 1005, wasClean) === "detach"
      ) {
        this.#sessions.detach(member);
      } else {
        this.#sessions.end(member, "left");
      }
    }
    this.#log({
      event: "disconnect",
      conn: id,
      code,
      ms: this.#clock.now() - conn.openedAt,
      errors: conn.errors,
    });
  }

  /**
   * Closes a connection on the server's initiative (e.g. a client that stopped
   * reading) and forgets it at once, without waiting for the close handshake.
   * Its session ends: a connection put out by the server is not resumable.
   */
  kick(id: ConnectionId, code: number, reason: string): void {
    const conn = this.#conns.get(id);
    if (conn) this.#kick(conn, code, reason);
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
    while (openSockets + this.#sessions.detached >= max) {
      if (!this.#sessions.shedDetached()) return false;
    }
    return true;
  }

  /** Sends every pending presence delta (and tutorial `userlist`) now. */
  flushPresence(): void {
    if (this.#presenceTimer !== null) {
      this.#clock.clearTimeout(this.#presenceTimer);
      this.#presenceTimer = null;
    }
    const rooms = [...this.#dirtyRooms];
    this.#dirtyRooms.clear();
    for (const room of rooms) this.#flushRoom(room);
  }

  /**
   * Whether room `name` has anyone in it: a connection, a logged-in user or
   * a detached session waiting to be resumed.
   */
  hasRoom(name: string): boolean {
    if (this.#rooms.has(name)) return true;
    for (const conn of this.#conns.values()) {
      if (conn.roomName === name) return true;
    }
    return false;
  }

  /**
   * Closes every connection in room `name` with `code` and forgets the
   * room's users and calls without telling anyone: the room now runs on
   * another instance, where all of them reconnect and their calls are
   * restored by claim, so a `peer-left` here would only hang up the media.
   */
  evictRoom(name: string, code: number, reason: string): void {
    for (const conn of [...this.#conns.values()]) {
      if (conn.roomName !== name) continue;
      conn.member = null;
      this.#kick(conn, code, reason);
    }
    const room = this.#rooms.get(name);
    if (!room) return;
    for (const member of [...room.members.values()]) {
      this.#sessions.forget(member);
    }
    this.#rooms.delete(name);
    this.#dirtyRooms.delete(room);
  }

  /** Counters for `/metrics`. */
  stats(): RelayStats {
    return {
      connections: this.#conns.size,
      users: this.#sessions.users,
      rooms: this.#rooms.size,
      calls: this.#callControl.active,
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      relayed: this.#relayed,
      chats: this.#chats,
      detached: this.#sessions.detached,
      resumed: this.#sessions.resumed,
      restored: this.#callControl.restored,
      errors: { ...this.#errors },
      kicked: { ...this.#kicked },
    };
  }

  /** Ids of all open connections. */
  connectionIds(): ConnectionId[] {
    return [...this.#conns.keys()];
  }

  /** Cancels the relay's timers (presence tick, ring, grace and claim waits). */
  dispose(): void {
    if (this.#presenceTimer !== null) {
      this.#clock.clearTimeout(this.#presenceTimer);
      this.#presenceTimer = null;
    }
    for (const conn of this.#conns.values()) {
      if (conn.loginTimer !== null) {
        this.#clock.clearTimeout(conn.loginTimer);
        conn.loginTimer = null;
      }
    }
    for (const room of this.#rooms.values()) {
      for (const member of room.members.values()) {
        if (member.call?.timer != null) {
          this.#clock.clearTimeout(member.call.timer);
          member.call.timer = null;
        }
        if (member.graceTimer !== null) {
          this.#clock.clearTimeout(member.graceTimer);
          member.graceTimer = null;
        }
        if (member.claim?.timer != null) {
          this.#clock.clearTimeout(member.claim.timer);
          member.claim.timer = null;
        }
      }
    }
  }

  // --- dispatch -----------------------------------------------------------

  #onParley(conn: Connection, msg: ParleyMessage, raw: string): void {
    if (msg.type === "ping") return this.#send(conn, parley.pong);
    if (msg.type === "login") {
      return this.#sessions.login(conn, msg.name, msg.resume, msg.call);
    }
    const me = conn.member;
    if (me === null) return this.#reject(conn, "not-logged-in");
    switch (msg.type) {
      case "signal":
        return this.#signal(conn, me, msg.callId, raw);
      case "chat":
        return this.#chat(conn, me, msg.text);
      case "call":
        return this.#callControl.call(conn, me, msg.to, msg.audioOnly);
      case "accept":
        return this.#callControl.accept(conn, me, msg.callId);
      case "decline":
      case "cancel":
      case "hangup":
        return this.#callControl.endByParty(conn, me, msg.type, msg.callId);
      case "ice-servers":
        return this.#send(
          conn,
          parley.iceServers(
            this.#ice.json(me.name, this.#clock.now(), conn.hasOrigin),
          ),
        );
    }
  }

  #onTutorial(conn: Connection, msg: TutorialMessage, raw: string): void {
    if (msg.type === "username") return this.#sessions.login(conn, msg.name);
    const me = conn.member;
    if (me === null) return this.#reject(conn, "not-logged-in");
    switch (msg.type) {
      case "new-ice-candidate":
      case "video-answer":
        return this.#tutorial.relay(conn, me, msg.type, msg.target, raw);
      case "video-offer":
        return this.#tutorial.offer(conn, me, msg.target, raw);
      case "message":
        return this.#chat(conn, me, msg.text);
      case "hang-up":
        return this.#tutorial.hangUp(conn, me, msg.target);
    }
  }

  // --- chat ---------------------------------------------------------------

  #chat(conn: Connection, me: Member, text: string): void {
    const clean = cleanChatText(text, this.#config.maxChatChars);
    if (isRejection(clean)) {
      return this.#reject(conn, clean.reject, clean.detail);
    }
    const at = this.#clock.now();
    let parleyFrame: string | undefined;
    let tutorialFrame: string | undefined;
    for (const member of me.room.members.values()) {
      if (member.dialect === "parley") {
        parleyFrame ??= parley.chat(
          JSON.stringify(me.name),
          JSON.stringify(clean),
          at,
        );
        this.#deliver(member, parleyFrame);
      } else {
        tutorialFrame ??= tutorial.message(me.name, clean, at);
        this.#deliver(member, tutorialFrame);
      }
    }
    this.#chats++;
  }

  // --- calls ------------------------------------------------------------

  #signal(conn: Connection, me: Member, callId: string, raw: string): void {
    const call = me.call;
    if (!call || call.id !== callId || call.state !== "active") {
      return this.#reject(conn, "no-call");
    }
    // The hot path: the frame goes on exactly as it came. No `from` is
    // stamped on: the peer knows who sends signals for its call, and a frame
    // carrying its own `from` was refused (protocol.ts). A stamp cost a new
    // string per message, about 5% of the relay's CPU per message.
    this.#relayed++;
    this.#deliver(peerOf(call, me), raw);
  }

  /**
   * Relays a tutorial-dialect SDP/ICE frame as sent, with the sender's
   * `name` stamped on: the tutorial's client reads it from there.
   */
  #relayFrame(from: Member, to: Member, raw: string): void {
    this.#relayed++;
    this.#deliver(to, stampFrame(raw, from.stamp));
  }

  // --- presence -----------------------------------------------------------

  #presenceChanged(member: Member): void {
    if (!member.live) return;
    member.room.presence.touch(member.key);
    this.#markDirty(member.room);
  }

  #markDirty(room: Room<Member>): void {
    this.#dirtyRooms.add(room);
    if (this.#presenceTimer === null) {
      this.#presenceTimer = this.#clock.setTimeout(() => {
        this.#presenceTimer = null;
        this.flushPresence();
      }, this.#config.presenceTickMs);
    }
  }

  #flushRoom(room: Room<Member>): void {
    const delta = room.presence.flush((key): PresenceEntry | undefined => {
      const member = room.members.get(key);
      return member && {
        id: member.sid,
        name: member.name,
        state: presenceState(member),
      };
    });
    if (delta) {
      let userlist: string | undefined;
      for (const member of room.members.values()) {
        // Not queued for a detached user: the resumed welcome's snapshot
        // already includes it, and replaying older deltas on top would undo.
        if (member.conn === null) continue;
        if (member.dialect === "parley") {
          const frame = delta.frameFor(member.sid);
          if (frame !== null) this.#send(member.conn, frame);
        } else if (delta.membershipChanged) {
          userlist ??= tutorial.userlist(
            JSON.stringify(Array.from(room.members.values(), (m) => m.name)),
          );
          this.#send(member.conn, userlist);
        }
      }
    }
    if (room.members.size === 0 && room.presence.empty) {
      this.#rooms.delete(room.name);
    }
  }

  #room(name: string): Room<Member> {
    let room = this.#rooms.get(name);
    if (!room) {
      room = new Room<Member>(name);
      this.#rooms.set(name, room);
    }
    return room;
  }

  // --- output -------------------------------------------------------------

  #send(conn: Connection, frame: string): void {
    this.#framesOut++;
    this.#bus.send(conn.id, frame);
  }

  /**
   * Sends to a member's socket, or queues while it is detached: room chat
   * past its bound is dropped (and counted for the member), while call
   * frames past theirs end the session (see
   * {@linkcode SessionLifecycle.queueFull}): the room cannot end a call.
   */
  #deliver(member: Member, frame: string): void {
    if (!member.live || member.ending) return;
    if (member.conn !== null) return this.#send(member.conn, frame);
    member.outbox ??= new PriorityOutbox({
      callChars: this.#config.maxBufferedBytes,
    });
    if (!member.outbox.push(frame)) this.#sessions.queueFull(member);
  }

  #reject(conn: Connection, code: ErrorCode, detail?: string): void {
    this.#errors[code] = (this.#errors[code] ?? 0) + 1;
    this.#send(conn, errorFrame(code, detail));
    if (conn.errors++ < MAX_LOGGED_ERRORS) {
      const record: LogRecord = { event: "error", conn: conn.id, code };
      if (conn.errors === MAX_LOGGED_ERRORS) record.more = "suppressed";
      this.#log(record);
    }
  }

  #kick(conn: Connection, code: number, reason: string): void {
    this.#kicked[code] = (this.#kicked[code] ?? 0) + 1;
    this.#bus.close(conn.id, code, reason);
    this.disconnect(conn.id, code);
  }
}
