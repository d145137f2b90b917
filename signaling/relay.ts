/**
 * The relay core: who is connected where, under which name, in which call,
 * and who receives what. Plain TypeScript with no sockets: frames come in as
 * strings with a connection id, and go out through a {@linkcode Bus}.
 */

import type { Bus, ConnectionId } from "./bus.ts";
import { type Call, newCallId, peerOf } from "./calls.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import {
  type EndReason,
  errorFrame,
  parley,
  stampFrame,
  stampSuffix,
  tutorial,
} from "./frames.ts";
import { type Logger, type LogRecord, quietLogger } from "./log.ts";
import { RateLimiter } from "./limits.ts";
import { nameKey, normalizeName } from "./names.ts";
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
import { Room } from "./rooms.ts";
import { randomToken } from "./tokens.ts";

/** WebSocket close codes the relay uses. */
export const CloseCode = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
} as const;

/** Errors logged per connection before further ones are only counted. */
const MAX_LOGGED_ERRORS = 10;

/** One open connection as the relay sees it. */
interface Connection {
  readonly id: ConnectionId;
  readonly dialect: Dialect;
  readonly roomName: string;
  readonly limiter: RateLimiter;
  readonly openedAt: number;
  room: Room<Connection> | null;
  /** Set by login; `null` before. */
  name: string | null;
  key: string;
  /** `,"from":"name"}` / `,"name":"name"}`: stamps relayed frames. */
  stamp: string;
  call: Call<Connection> | null;
  resume: string | null;
  errors: number;
}

/** Counters for `/metrics`. */
export interface RelayStats {
  /** Open connections (logged in or not). */
  connections: number;
  /** Logged-in users. */
  users: number;
  rooms: number;
  /** Calls ringing or in progress. */
  calls: number;
  framesIn: number;
  framesOut: number;
  /** SDP/ICE messages relayed between call parties. */
  relayed: number;
  chats: number;
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
  readonly #iceServersJson: string;
  readonly #conns = new Map<ConnectionId, Connection>();
  readonly #rooms = new Map<string, Room<Connection>>();
  #dirtyRooms = new Set<Room<Connection>>();
  #presenceTimer: TimerHandle | null = null;
  #users = 0;
  #calls = 0;
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
    this.#iceServersJson = JSON.stringify(options.config.iceServers);
  }

  /**
   * Registers a new connection (its socket is open and attached to the bus).
   * Tutorial clients are greeted with their `id`.
   */
  open(
    id: ConnectionId,
    dialect: Dialect,
    roomName: string,
    meta: { ip?: string } = {},
  ): void {
    const now = this.#clock.now();
    const conn: Connection = {
      id,
      dialect,
      roomName,
      limiter: new RateLimiter(
        this.#config.ratePerSecond,
        this.#config.rateBurst,
        this.#config.abuseCloseMs,
        now,
      ),
      openedAt: now,
      room: null,
      name: null,
      key: "",
      stamp: "",
      call: null,
      resume: null,
      errors: 0,
    };
    this.#conns.set(id, conn);
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
    } catch (error) {
      this.#log({
        event: "internal-error",
        conn: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /**
   * Forgets a connection whose socket closed (idempotent): its call peer is
   * told `peer-left` (tutorial: `hang-up`) and the room sees it leave.
   */
  disconnect(id: ConnectionId, code?: number): void {
    const conn = this.#conns.get(id);
    if (!conn) return;
    this.#conns.delete(id);
    if (conn.call) {
      const peer = peerOf(conn.call, conn);
      this.#endCall(conn.call, "peer-left", [peer]);
    }
    if (conn.room && conn.name !== null) {
      conn.room.leave(conn.key, conn);
      this.#users--;
      this.#markDirty(conn.room);
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
   */
  kick(id: ConnectionId, code: number, reason: string): void {
    const conn = this.#conns.get(id);
    if (conn) this.#kick(conn, code, reason);
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

  /** Counters for `/metrics`. */
  stats(): RelayStats {
    return {
      connections: this.#conns.size,
      users: this.#users,
      rooms: this.#rooms.size,
      calls: this.#calls,
      framesIn: this.#framesIn,
      framesOut: this.#framesOut,
      relayed: this.#relayed,
      chats: this.#chats,
      errors: { ...this.#errors },
      kicked: { ...this.#kicked },
    };
  }

  /** Ids of all open connections. */
  connectionIds(): ConnectionId[] {
    return [...this.#conns.keys()];
  }

  /** Cancels the relay's timers (presence tick, ring timeouts). */
  dispose(): void {
    if (this.#presenceTimer !== null) {
      this.#clock.clearTimeout(this.#presenceTimer);
      this.#presenceTimer = null;
    }
    for (const conn of this.#conns.values()) {
      if (conn.call?.timer != null) {
        this.#clock.clearTimeout(conn.call.timer);
        conn.call.timer = null;
      }
    }
  }

  // --- dispatch -----------------------------------------------------------

  #onParley(conn: Connection, msg: ParleyMessage, raw: string): void {
    if (msg.type === "ping") return this.#send(conn, parley.pong);
    if (msg.type === "login") return this.#login(conn, msg.name);
    if (conn.name === null) return this.#reject(conn, "not-logged-in");
    switch (msg.type) {
      case "signal":
        return this.#signal(conn, msg.callId, raw);
      case "chat":
        return this.#chat(conn, msg.text);
      case "call":
        return this.#call(conn, msg.to, msg.audioOnly);
      case "accept":
        return this.#accept(conn, msg.callId);
      case "decline":
      case "cancel":
      case "hangup":
        return this.#endByParty(conn, msg.type, msg.callId);
    }
  }

  #onTutorial(conn: Connection, msg: TutorialMessage, raw: string): void {
    if (msg.type === "username") return this.#login(conn, msg.name);
    if (conn.name === null) return this.#reject(conn, "not-logged-in");
    switch (msg.type) {
      case "new-ice-candidate":
      case "video-answer":
        return this.#tutorialRelay(conn, msg.type, msg.target, raw);
      case "video-offer":
        return this.#tutorialOffer(conn, msg.target, raw);
      case "message":
        return this.#chat(conn, msg.text);
      case "hang-up":
        return this.#tutorialHangUp(conn, msg.target);
    }
  }

  // --- login and chat -----------------------------------------------------

  #login(conn: Connection, requested: unknown): void {
    if (conn.name !== null) return this.#reject(conn, "already-logged-in");
    const name = normalizeName(requested);
    if (name === null) return this.#reject(conn, "bad-name");
    const room = this.#room(conn.roomName);
    const joined = room.join(name, conn);
    conn.room = room;
    conn.name = joined.name;
    conn.key = joined.key;
    conn.stamp = stampSuffix(
      conn.dialect === "parley" ? "from" : "name",
      joined.name,
    );
    this.#users++;
    this.#markDirty(room);
    const renamed = joined.name !== requested;
    if (conn.dialect === "parley") {
      conn.resume = randomToken();
      this.#send(
        conn,
        parley.welcome(
          joined.name,
          renamed,
          room.name,
          room.presence.snapshotJson(),
          this.#iceServersJson,
          conn.resume,
        ),
      );
    } else if (renamed) {
      this.#send(conn, tutorial.rejectUsername(conn.id, joined.name));
    }
    this.#log({
      event: "login",
      conn: conn.id,
      name: joined.name,
      room: room.name,
      renamed,
    });
  }

  #chat(conn: Connection, text: string): void {
    const clean = cleanChatText(text, this.#config.maxChatChars);
    if (isRejection(clean)) {
      return this.#reject(conn, clean.reject, clean.detail);
    }
    const at = this.#clock.now();
    let parleyFrame: string | undefined;
    let tutorialFrame: string | undefined;
    for (const member of conn.room!.members.values()) {
      if (member.dialect === "parley") {
        parleyFrame ??= parley.chat(
          JSON.stringify(conn.name),
          JSON.stringify(clean),
          at,
        );
        this.#send(member, parleyFrame);
      } else {
        tutorialFrame ??= tutorial.message(conn.name!, clean, at);
        this.#send(member, tutorialFrame);
      }
    }
    this.#chats++;
  }

  // --- parley call control ------------------------------------------------

  #call(conn: Connection, to: string, audioOnly: boolean): void {
    if (conn.call) return this.#reject(conn, "in-call");
    const callee = conn.room!.find(to);
    if (!callee) return this.#reject(conn, "unknown-user");
    if (callee === conn) return this.#reject(conn, "self-call");
    if (callee.dialect !== "parley") return this.#reject(conn, "incompatible");
    if (callee.call) {
      return this.#send(conn, parley.ended(newCallId(), "busy", callee.name!));
    }
    const call = this.#openCall(conn, callee, audioOnly);
    this.#send(conn, parley.ringing(call.id, callee.name!));
    this.#send(callee, parley.incoming(call.id, conn.name!, audioOnly));
  }

  #accept(conn: Connection, callId: string): void {
    const call = conn.call;
    if (
      !call || call.id !== callId || call.callee !== conn ||
      call.state !== "ringing"
    ) {
      return this.#reject(conn, "no-call");
    }
    this.#answer(call);
    this.#send(call.caller, parley.accepted(call.id, conn.name!, false));
    this.#send(conn, parley.accepted(call.id, call.caller.name!, true));
  }

  /**
   * `decline` (callee, ringing), `cancel` (caller, ringing), `hangup` (either,
   * any state: while ringing it means cancel or decline).
   */
  #endByParty(
    conn: Connection,
    action: "decline" | "cancel" | "hangup",
    callId: string,
  ): void {
    const call = conn.call;
    if (!call || call.id !== callId) return this.#reject(conn, "no-call");
    const isCaller = call.caller === conn;
    let reason: EndReason;
    if (call.state === "active") {
      if (action !== "hangup") return this.#reject(conn, "no-call");
      reason = "hangup";
    } else if (action === "decline" && !isCaller) reason = "declined";
    else if (action === "cancel" && isCaller) reason = "cancelled";
    else if (action === "hangup") reason = isCaller ? "cancelled" : "declined";
    else return this.#reject(conn, "no-call");
    this.#endCall(call, reason, [peerOf(call, conn)]);
  }

  #signal(conn: Connection, callId: string, raw: string): void {
    const call = conn.call;
    if (!call || call.id !== callId || call.state !== "active") {
      return this.#reject(conn, "no-call");
    }
    this.#relayed++;
    this.#send(peerOf(call, conn), stampFrame(raw, conn.stamp));
  }

  // --- tutorial calls -----------------------------------------------------

  /**
   * A `video-offer` opens a call with an available user, or renegotiates the
   * current one. The sample client only offers when it has no call, so an
   * offer to someone else means it abandoned its previous call.
   */
  #tutorialOffer(conn: Connection, target: string, raw: string): void {
    const peer = conn.room!.find(target);
    if (!peer) return this.#reject(conn, "unknown-user");
    if (peer === conn) return this.#reject(conn, "self-call");
    const current = conn.call;
    if (current && peerOf(current, conn) === peer) {
      this.#relayed++;
      return this.#send(peer, stampFrame(raw, conn.stamp));
    }
    if (peer.dialect !== "tutorial") return this.#reject(conn, "incompatible");
    if (current) this.#endCall(current, "hangup", [peerOf(current, conn)]);
    // Busy: the sample client has no busy signal, but ends its call on hang-up.
    if (peer.call) return this.#send(conn, tutorial.hangUp(peer.name!));
    this.#openCall(conn, peer, false);
    this.#relayed++;
    this.#send(peer, stampFrame(raw, conn.stamp));
  }

  #tutorialRelay(
    conn: Connection,
    type: "video-answer" | "new-ice-candidate",
    target: string,
    raw: string,
  ): void {
    const call = conn.call;
    const peer = call && peerOf(call, conn);
    if (!peer || nameKey(target) !== peer.key) {
      return this.#reject(
        conn,
        conn.room!.find(target) ? "no-call" : "unknown-user",
      );
    }
    if (
      type === "video-answer" && call.state === "ringing" &&
      call.callee === conn
    ) {
      this.#answer(call);
    }
    this.#relayed++;
    this.#send(peer, stampFrame(raw, conn.stamp));
  }

  /** `hang-up` ends the sender's call; without a target it means that call. */
  #tutorialHangUp(conn: Connection, target: string | null): void {
    const call = conn.call;
    if (!call) return this.#reject(conn, "no-call");
    const peer = peerOf(call, conn);
    if (target !== null && nameKey(target) !== peer.key) {
      return this.#reject(
        conn,
        conn.room!.find(target) ? "no-call" : "unknown-user",
      );
    }
    this.#endCall(call, "hangup", [peer]);
  }

  // --- call lifecycle -----------------------------------------------------

  #openCall(
    caller: Connection,
    callee: Connection,
    audioOnly: boolean,
  ): Call<Connection> {
    const call: Call<Connection> = {
      id: newCallId(),
      caller,
      callee,
      state: "ringing",
      audioOnly,
      timer: null,
      openedAt: this.#clock.now(),
      answeredAt: null,
    };
    call.timer = this.#clock.setTimeout(() => {
      call.timer = null;
      if (caller.call === call && call.state === "ringing") {
        this.#endCall(call, "no-answer", [caller, callee]);
      }
    }, this.#config.ringTimeoutMs);
    caller.call = call;
    callee.call = call;
    this.#calls++;
    this.#presenceChanged(caller);
    this.#presenceChanged(callee);
    this.#log({
      event: "call-start",
      call: call.id,
      room: caller.roomName,
      caller: caller.name,
      callee: callee.name,
      dialect: caller.dialect,
    });
    return call;
  }

  #answer(call: Call<Connection>): void {
    call.state = "active";
    call.answeredAt = this.#clock.now();
    if (call.timer !== null) {
      this.#clock.clearTimeout(call.timer);
      call.timer = null;
    }
  }

  /** Ends `call` and tells `notify` (parties still connected) why. */
  #endCall(
    call: Call<Connection>,
    reason: EndReason,
    notify: Connection[],
  ): void {
    if (call.timer !== null) {
      this.#clock.clearTimeout(call.timer);
      call.timer = null;
    }
    for (const party of [call.caller, call.callee]) {
      if (party.call === call) {
        party.call = null;
        this.#presenceChanged(party);
      }
    }
    this.#calls--;
    for (const party of notify) {
      if (!this.#conns.has(party.id)) continue;
      const other = peerOf(call, party);
      this.#send(
        party,
        party.dialect === "parley"
          ? parley.ended(call.id, reason, other.name!)
          : tutorial.hangUp(other.name!),
      );
    }
    const now = this.#clock.now();
    this.#log({
      event: "call-end",
      call: call.id,
      reason,
      answered: call.answeredAt !== null,
      ms: now - (call.answeredAt ?? call.openedAt),
    });
  }

  // --- presence -----------------------------------------------------------

  #presenceChanged(conn: Connection): void {
    if (!conn.room || !this.#conns.has(conn.id)) return;
    conn.room.presence.touch(conn.key);
    this.#markDirty(conn.room);
  }

  #markDirty(room: Room<Connection>): void {
    this.#dirtyRooms.add(room);
    if (this.#presenceTimer === null) {
      this.#presenceTimer = this.#clock.setTimeout(() => {
        this.#presenceTimer = null;
        this.flushPresence();
      }, this.#config.presenceTickMs);
    }
  }

  #flushRoom(room: Room<Connection>): void {
    const delta = room.presence.flush((key): PresenceEntry | undefined => {
      const member = room.members.get(key);
      return member && {
        id: member.id,
        name: member.name!,
        state: member.call ? "busy" : "available",
      };
    });
    if (delta) {
      let userlist: string | undefined;
      for (const member of room.members.values()) {
        if (member.dialect === "parley") {
          const frame = delta.frameFor(member.id);
          if (frame !== null) this.#send(member, frame);
        } else if (delta.membershipChanged) {
          userlist ??= tutorial.userlist(
            JSON.stringify(Array.from(room.members.values(), (m) => m.name)),
          );
          this.#send(member, userlist);
        }
      }
    }
    if (room.members.size === 0 && room.presence.empty) {
      this.#rooms.delete(room.name);
    }
  }

  #room(name: string): Room<Connection> {
    let room = this.#rooms.get(name);
    if (!room) {
      room = new Room<Connection>(name);
      this.#rooms.set(name, room);
    }
    return room;
  }

  // --- output -------------------------------------------------------------

  #send(conn: Connection, frame: string): void {
    this.#framesOut++;
    this.#bus.send(conn.id, frame);
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
