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
import {
  type Call,
  type CallClaim,
  claimsMatch,
  newCallId,
  peerOf,
  restoredCallerIsFirst,
} from "./calls.ts";
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
import { IceServerList } from "./ice.ts";
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
  type LoginCallClaim,
  type ParleyMessage,
  parseFrame,
  type TutorialMessage,
  validateParley,
  validateTutorial,
} from "./protocol.ts";
import { Room } from "./rooms.ts";
import { closeOutcome, ResumeTokens } from "./sessions.ts";

/** WebSocket close codes the relay uses. */
export const CloseCode = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  /** The session was resumed on another socket. */
  replaced: 4001,
} as const;

/** Errors logged per connection before further ones are only counted. */
const MAX_LOGGED_ERRORS = 10;

/**
 * Frames queued for a detached session. Past this the session ends: a user
 * gone that long in a busy room would come back to a stale flood anyway.
 */
export const MAX_QUEUED_FRAMES = 256;

/** One open socket as the relay sees it. */
interface Connection {
  readonly id: ConnectionId;
  readonly dialect: Dialect;
  readonly roomName: string;
  readonly limiter: RateLimiter;
  readonly openedAt: number;
  /** The session on this socket: `null` before login, and once replaced. */
  member: Member | null;
  errors: number;
}

/** A call claimed at login after a restart, waiting for the peer's claim. */
interface PendingClaim extends CallClaim {
  /** Ends the wait with `peer-left` after the grace period. */
  timer: TimerHandle | null;
}

/**
 * A logged-in user: a name in a room and maybe a call. Outlives its socket
 * while detached (`conn` is `null`), for the grace period.
 */
interface Member {
  /** Stable across resumes; presence tells users apart by it. */
  readonly sid: number;
  readonly dialect: Dialect;
  readonly room: Room<Member>;
  readonly name: string;
  readonly key: string;
  /** `,"from":"name"}` / `,"name":"name"}`: stamps relayed frames. */
  readonly stamp: string;
  /** The socket now; `null` while detached. */
  conn: Connection | null;
  call: Call<Member> | null;
  claim: PendingClaim | null;
  /** Frames held while detached, sent right after the next `welcome`. */
  outbox: string[];
  /** Grace period while detached (or the immediate end once over-queued). */
  graceTimer: TimerHandle | null;
  /** The queue overflowed: the session ends on the next timer turn. */
  ending: boolean;
  /** False once the session has ended: late timers and frames do nothing. */
  live: boolean;
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
  readonly #tokens: ResumeTokens<Member>;
  readonly #conns = new Map<ConnectionId, Connection>();
  readonly #rooms = new Map<string, Room<Member>>();
  readonly #detached = new Set<Member>();
  #dirtyRooms = new Set<Room<Member>>();
  #presenceTimer: TimerHandle | null = null;
  #nextSid = 1;
  #users = 0;
  #calls = 0;
  #framesIn = 0;
  #framesOut = 0;
  #relayed = 0;
  #chats = 0;
  #resumed = 0;
  #restored = 0;
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
    this.#tokens = new ResumeTokens(options.config.resumeGraceMs);
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
      member: null,
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
    const member = conn.member;
    conn.member = null;
    if (member) {
      if (
        member.dialect === "parley" &&
        closeOutcome(code ?? 1005, wasClean) === "detach"
      ) {
        this.#detach(member);
      } else {
        this.#endSession(member, "left");
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
      detached: this.#detached.size,
      resumed: this.#resumed,
      restored: this.#restored,
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
      return this.#login(conn, msg.name, msg.resume, msg.call);
    }
    const me = conn.member;
    if (me === null) return this.#reject(conn, "not-logged-in");
    switch (msg.type) {
      case "signal":
        return this.#signal(conn, me, msg.callId, raw);
      case "chat":
        return this.#chat(conn, me, msg.text);
      case "call":
        return this.#call(conn, me, msg.to, msg.audioOnly);
      case "accept":
        return this.#accept(conn, me, msg.callId);
      case "decline":
      case "cancel":
      case "hangup":
        return this.#endByParty(conn, me, msg.type, msg.callId);
      case "ice-servers":
        return this.#send(
          conn,
          parley.iceServers(this.#ice.json(me.name, this.#clock.now())),
        );
    }
  }

  #onTutorial(conn: Connection, msg: TutorialMessage, raw: string): void {
    if (msg.type === "username") return this.#login(conn, msg.name);
    const me = conn.member;
    if (me === null) return this.#reject(conn, "not-logged-in");
    switch (msg.type) {
      case "new-ice-candidate":
      case "video-answer":
        return this.#tutorialRelay(conn, me, msg.type, msg.target, raw);
      case "video-offer":
        return this.#tutorialOffer(conn, me, msg.target, raw);
      case "message":
        return this.#chat(conn, me, msg.text);
      case "hang-up":
        return this.#tutorialHangUp(conn, me, msg.target);
    }
  }

  // --- sessions: login, resume, detach, leave ------------------------------

  #login(
    conn: Connection,
    requested: unknown,
    resume?: string,
    claim?: LoginCallClaim,
  ): void {
    if (conn.member !== null) return this.#reject(conn, "already-logged-in");
    const name = normalizeName(requested);
    if (name === null) return this.#reject(conn, "bad-name");
    let refused: string | undefined;
    if (resume !== undefined && conn.dialect === "parley") {
      const redeemed = this.#tokens.redeem(
        resume,
        conn.roomName,
        nameKey(name),
        this.#clock.now(),
      );
      if ("session" in redeemed) {
        return this.#resume(conn, redeemed.session, requested);
      }
      refused = redeemed.refused;
    }
    const room = this.#room(conn.roomName);
    const member = room.join(name, (joinedName, key): Member => ({
      sid: this.#nextSid++,
      dialect: conn.dialect,
      room,
      name: joinedName,
      key,
      stamp: stampSuffix(
        conn.dialect === "parley" ? "from" : "name",
        joinedName,
      ),
      conn,
      call: null,
      claim: null,
      outbox: [],
      graceTimer: null,
      ending: false,
      live: true,
    }));
    conn.member = member;
    this.#users++;
    this.#markDirty(room);
    const renamed = member.name !== requested;
    if (conn.dialect === "parley") {
      this.#welcome(member, renamed, false);
      if (claim) this.#claim(member, claim);
    } else if (renamed) {
      this.#send(conn, tutorial.rejectUsername(conn.id, member.name));
    }
    const record: LogRecord = {
      event: "login",
      conn: conn.id,
      name: member.name,
      room: room.name,
      renamed,
    };
    // Why a token did not resume (never the token itself), and whether the
    // login claimed a call: the two things to look for after a restart.
    if (refused) record.resume = refused;
    if (claim) record.claim = true;
    this.#log(record);
  }

  /** Moves `member` onto `conn`: from a dropped socket, or off one still open. */
  #resume(conn: Connection, member: Member, requested: unknown): void {
    const old = member.conn;
    if (old !== null) {
      // The old socket may be half-open (its network went away unnoticed):
      // the client holding the token is the one that is really there.
      // Forgotten at once, like a kicked socket, so nothing it still sends
      // (a login, say) can act before its close completes.
      old.member = null;
      this.#kick(old, CloseCode.replaced, "replaced");
    } else {
      this.#detached.delete(member);
      if (member.graceTimer !== null) {
        this.#clock.clearTimeout(member.graceTimer);
        member.graceTimer = null;
      }
    }
    member.conn = conn;
    conn.member = member;
    this.#resumed++;
    this.#welcome(member, member.name !== requested, true);
    const queued = member.outbox;
    member.outbox = [];
    for (const frame of queued) this.#send(conn, frame);
    this.#log({
      event: "resume",
      conn: conn.id,
      name: member.name,
      room: member.room.name,
      replaced: old?.id,
      queued: queued.length,
    });
  }

  /** `welcome` with a fresh resume token (the previous one is void). */
  #welcome(member: Member, renamed: boolean, resumed: boolean): void {
    const call = member.call;
    const callJson = call && parley.welcomeCall(
      call.id,
      peerOf(call, member).name,
      call.callee === member,
      call.state,
    );
    this.#send(
      member.conn!,
      parley.welcome(
        member.name,
        renamed,
        member.room.name,
        member.room.presence.snapshotJson(member.sid),
        this.#ice.json(member.name, this.#clock.now()),
        this.#tokens.issue(member, member.room.name, member.key),
        resumed,
        resumed ? callJson : null,
      ),
    );
  }

  /**
   * Keeps a session whose connection dropped: it stays in the room and in
   * its call, frames for it queue up, and it ends after the grace period
   * unless resumed. A ringing call keeps ringing: its ring timeout still
   * applies, so it ends with `no-answer` or, if the grace period runs out
   * first, `peer-left` — whichever comes first.
   */
  #detach(member: Member): void {
    member.conn = null;
    this.#detached.add(member);
    this.#tokens.detach(member, this.#clock.now());
    member.graceTimer = this.#clock.setTimeout(() => {
      member.graceTimer = null;
      this.#endSession(member, "grace-expired");
    }, this.#config.resumeGraceMs);
    this.#log({
      event: "detach",
      name: member.name,
      room: member.room.name,
      call: member.call?.id,
    });
  }

  /** The user is gone: its call ends with `peer-left` and the room sees it leave. */
  #endSession(member: Member, reason: string): void {
    if (!member.live) return;
    member.live = false;
    this.#tokens.revoke(member);
    this.#detached.delete(member);
    if (member.graceTimer !== null) {
      this.#clock.clearTimeout(member.graceTimer);
      member.graceTimer = null;
    }
    this.#dropClaim(member);
    if (member.call) {
      this.#endCall(member.call, "peer-left", [peerOf(member.call, member)]);
    }
    member.room.leave(member.key, member);
    this.#users--;
    this.#markDirty(member.room);
    if (member.conn) member.conn.member = null;
    member.conn = null;
    member.outbox = [];
    if (reason !== "left") {
      this.#log({
        event: "leave",
        name: member.name,
        room: member.room.name,
        reason,
      });
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

  // --- parley call control ------------------------------------------------

  #call(conn: Connection, me: Member, to: string, audioOnly: boolean): void {
    if (me.call) return this.#reject(conn, "in-call");
    const callee = me.room.find(to);
    if (!callee) return this.#reject(conn, "unknown-user");
    if (callee === me) return this.#reject(conn, "self-call");
    if (callee.dialect !== "parley") return this.#reject(conn, "incompatible");
    if (isBusy(callee)) {
      return this.#send(conn, parley.ended(newCallId(), "busy", callee.name));
    }
    // Calling someone else means the client gave up restoring its old call.
    this.#dropClaim(me);
    const call = this.#openCall(me, callee, audioOnly);
    this.#send(conn, parley.ringing(call.id, callee.name));
    this.#deliver(callee, parley.incoming(call.id, me.name, audioOnly));
  }

  #accept(conn: Connection, me: Member, callId: string): void {
    const call = me.call;
    if (
      !call || call.id !== callId || call.callee !== me ||
      call.state !== "ringing"
    ) {
      return this.#reject(conn, "no-call");
    }
    this.#answer(call);
    this.#deliver(call.caller, parley.accepted(call.id, me.name, false));
    this.#send(conn, parley.accepted(call.id, call.caller.name, true));
  }

  /**
   * `decline` (callee, ringing), `cancel` (caller, ringing), `hangup` (either,
   * any state: while ringing it means cancel or decline).
   */
  #endByParty(
    conn: Connection,
    me: Member,
    action: "decline" | "cancel" | "hangup",
    callId: string,
  ): void {
    const call = me.call;
    if (!call || call.id !== callId) {
      // Hanging up a claimed call whose peer has not come back: stop waiting.
      if (action === "hangup" && me.claim?.callId === callId) {
        return this.#dropClaim(me);
      }
      return this.#reject(conn, "no-call");
    }
    const isCaller = call.caller === me;
    let reason: EndReason;
    if (call.state === "active") {
      if (action !== "hangup") return this.#reject(conn, "no-call");
      reason = "hangup";
    } else if (action === "decline" && !isCaller) reason = "declined";
    else if (action === "cancel" && isCaller) reason = "cancelled";
    else if (action === "hangup") reason = isCaller ? "cancelled" : "declined";
    else return this.#reject(conn, "no-call");
    this.#endCall(call, reason, [peerOf(call, me)]);
  }

  #signal(conn: Connection, me: Member, callId: string, raw: string): void {
    const call = me.call;
    if (!call || call.id !== callId || call.state !== "active") {
      return this.#reject(conn, "no-call");
    }
    this.#relayed++;
    this.#deliver(peerOf(call, me), stampFrame(raw, me.stamp));
  }

  // --- call restore after a restart --------------------------------------

  /**
   * Records `login.call`, or restores the call at once if the named peer is
   * here claiming the same call. A claimant counts as busy while it waits.
   */
  #claim(me: Member, claim: LoginCallClaim): void {
    const mine: CallClaim = {
      callId: claim.callId,
      peer: claim.peer,
      polite: claim.polite,
    };
    const peer = me.room.find(claim.peer);
    if (
      peer && peer !== me && peer.claim && peer.call === null &&
      claimsMatch(mine, me.key, peer.claim, peer.key, nameKey)
    ) {
      return this.#restore(peer, me, mine);
    }
    me.claim = {
      ...mine,
      timer: this.#clock.setTimeout(() => {
        const waited = me.claim;
        if (!waited) return;
        waited.timer = null;
        this.#dropClaim(me);
        this.#deliver(
          me,
          parley.ended(waited.callId, "peer-left", waited.peer),
        );
      }, this.#config.resumeGraceMs),
    };
    this.#presenceChanged(me);
  }

  /** Both sides claimed the call: it is accepted again, under its old id. */
  #restore(waiting: Member, arriving: Member, arrivingClaim: CallClaim): void {
    const callerFirst = restoredCallerIsFirst(waiting.claim!, arrivingClaim);
    this.#dropClaim(waiting);
    const [caller, callee] = callerFirst
      ? [waiting, arriving]
      : [arriving, waiting];
    const now = this.#clock.now();
    const call: Call<Member> = {
      id: arrivingClaim.callId,
      caller,
      callee,
      state: "active",
      audioOnly: false,
      timer: null,
      openedAt: now,
      answeredAt: now,
    };
    caller.call = call;
    callee.call = call;
    this.#calls++;
    this.#restored++;
    this.#presenceChanged(caller);
    this.#presenceChanged(callee);
    this.#deliver(waiting, parley.callRestored(call.id, arriving.name));
    this.#deliver(arriving, parley.callRestored(call.id, waiting.name));
    this.#log({
      event: "call-restored",
      call: call.id,
      room: caller.room.name,
      caller: caller.name,
      callee: callee.name,
    });
  }

  /** Forgets a pending claim (no frames: its owner moved on or left). */
  #dropClaim(member: Member): void {
    const claim = member.claim;
    if (!claim) return;
    if (claim.timer !== null) this.#clock.clearTimeout(claim.timer);
    member.claim = null;
    this.#presenceChanged(member);
  }

  // --- tutorial calls -----------------------------------------------------

  /**
   * A `video-offer` opens a call with an available user, or renegotiates the
   * current one. The sample client only offers when it has no call, so an
   * offer to someone else means it abandoned its previous call.
   */
  #tutorialOffer(
    conn: Connection,
    me: Member,
    target: string,
    raw: string,
  ): void {
    const peer = me.room.find(target);
    if (!peer) return this.#reject(conn, "unknown-user");
    if (peer === me) return this.#reject(conn, "self-call");
    const current = me.call;
    if (current && peerOf(current, me) === peer) {
      this.#relayed++;
      return this.#deliver(peer, stampFrame(raw, me.stamp));
    }
    if (peer.dialect !== "tutorial") return this.#reject(conn, "incompatible");
    if (current) this.#endCall(current, "hangup", [peerOf(current, me)]);
    // Busy: the sample client has no busy signal, but ends its call on hang-up.
    if (peer.call) return this.#send(conn, tutorial.hangUp(peer.name));
    this.#openCall(me, peer, false);
    this.#relayed++;
    this.#deliver(peer, stampFrame(raw, me.stamp));
  }

  #tutorialRelay(
    conn: Connection,
    me: Member,
    type: "video-answer" | "new-ice-candidate",
    target: string,
    raw: string,
  ): void {
    const call = me.call;
    const peer = call && peerOf(call, me);
    if (!peer || nameKey(target) !== peer.key) {
      return this.#reject(
        conn,
        me.room.find(target) ? "no-call" : "unknown-user",
      );
    }
    if (
      type === "video-answer" && call.state === "ringing" &&
      call.callee === me
    ) {
      this.#answer(call);
    }
    this.#relayed++;
    this.#deliver(peer, stampFrame(raw, me.stamp));
  }

  /** `hang-up` ends the sender's call; without a target it means that call. */
  #tutorialHangUp(conn: Connection, me: Member, target: string | null): void {
    const call = me.call;
    if (!call) return this.#reject(conn, "no-call");
    const peer = peerOf(call, me);
    if (target !== null && nameKey(target) !== peer.key) {
      return this.#reject(
        conn,
        me.room.find(target) ? "no-call" : "unknown-user",
      );
    }
    this.#endCall(call, "hangup", [peer]);
  }

  // --- call lifecycle -----------------------------------------------------

  #openCall(caller: Member, callee: Member, audioOnly: boolean): Call<Member> {
    const call: Call<Member> = {
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
      room: caller.room.name,
      caller: caller.name,
      callee: callee.name,
      dialect: caller.dialect,
    });
    return call;
  }

  #answer(call: Call<Member>): void {
    call.state = "active";
    call.answeredAt = this.#clock.now();
    if (call.timer !== null) {
      this.#clock.clearTimeout(call.timer);
      call.timer = null;
    }
  }

  /** Ends `call` and tells `notify` (parties still in the room) why. */
  #endCall(call: Call<Member>, reason: EndReason, notify: Member[]): void {
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
      const other = peerOf(call, party);
      this.#deliver(
        party,
        party.dialect === "parley"
          ? parley.ended(call.id, reason, other.name)
          : tutorial.hangUp(other.name),
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
        state: isBusy(member) ? "busy" : "available",
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
   * Sends to a member's socket, or queues while it is detached. A queue past
   * {@linkcode MAX_QUEUED_FRAMES} ends the session, on a zero timer: we may be
   * inside a loop over the room or a call.
   */
  #deliver(member: Member, frame: string): void {
    if (!member.live || member.ending) return;
    if (member.conn !== null) return this.#send(member.conn, frame);
    if (member.outbox.length < MAX_QUEUED_FRAMES) {
      member.outbox.push(frame);
      return;
    }
    member.ending = true;
    member.outbox = [];
    this.#detached.delete(member);
    this.#tokens.revoke(member);
    if (member.graceTimer !== null) this.#clock.clearTimeout(member.graceTimer);
    member.graceTimer = this.#clock.setTimeout(() => {
      member.graceTimer = null;
      this.#endSession(member, "queue-full");
    }, 0);
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

/** Ringing, in a call, or waiting for a claimed call's peer. */
function isBusy(member: Member): boolean {
  return member.call !== null || member.claim !== null;
}
