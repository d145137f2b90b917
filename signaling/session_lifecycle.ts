/**
 * The session lifecycle: login (with a resume token, or fresh under a unique
 * name), resume onto a new socket, detach for the grace period when the
 * connection drops, and the end of a session. The pure rules (which closes
 * detach, the token store) are in `sessions.ts`; this is the part with
 * timers, rooms and frames.
 */

import type { CallControl } from "./call_control.ts";
import { peerOf } from "./calls.ts";
import { parley, stampSuffix, tutorial } from "./frames.ts";
import type { IceServerList } from "./ice.ts";
import type { LogRecord } from "./log.ts";
import { nameKey, normalizeName } from "./names.ts";
import type { LoginCallClaim } from "./protocol.ts";
import {
  CloseCode,
  type Connection,
  type Member,
  type RelayContext,
} from "./relay_context.ts";
import type { Room } from "./rooms.ts";
import { ResumeTokens } from "./sessions.ts";

/** What sessions need from the relay beyond what every module does. */
export interface SessionContext extends RelayContext {
  readonly ice: IceServerList;
  /** The room called `name`, created if needed. */
  room(name: string): Room<Member>;
  /** `room`'s membership changed: schedule a presence delta. */
  markDirty(room: Room<Member>): void;
  /** Closes a connection on the server's initiative and forgets it now. */
  kick(conn: Connection, code: number, reason: string): void;
}

/** Logged-in users from login to the end of their session. */
export class SessionLifecycle {
  readonly #ctx: SessionContext;
  readonly #calls: CallControl;
  readonly #tokens: ResumeTokens<Member>;
  readonly #detached = new Set<Member>();
  #nextSid = 1;
  #users = 0;
  #resumed = 0;

  constructor(ctx: SessionContext, calls: CallControl) {
    this.#ctx = ctx;
    this.#calls = calls;
    this.#tokens = new ResumeTokens(ctx.config.resumeGraceMs);
  }

  /** Logged-in users, detached ones included. */
  get users(): number {
    return this.#users;
  }

  /** Sessions whose connection dropped, waiting to be resumed. */
  get detached(): number {
    return this.#detached.size;
  }

  /** Sessions resumed with a token (after a drop, or replacing a socket). */
  get resumed(): number {
    return this.#resumed;
  }

  /**
   * `login` / `username`: resumes the session a valid `resume` token names,
   * or joins the room under `requested` (or a free variant of it).
   */
  login(
    conn: Connection,
    requested: unknown,
    resume?: string,
    claim?: LoginCallClaim,
  ): void {
    if (conn.member !== null) {
      return this.#ctx.reject(conn, "already-logged-in");
    }
    const name = normalizeName(requested);
    if (name === null) return this.#ctx.reject(conn, "bad-name");
    let refused: string | undefined;
    if (resume !== undefined && conn.dialect === "parley") {
      const redeemed = this.#tokens.redeem(
        resume,
        conn.roomName,
        nameKey(name),
        this.#ctx.clock.now(),
      );
      if ("session" in redeemed) {
        return this.#resume(conn, redeemed.session, requested);
      }
      refused = redeemed.refused;
    }
    const room = this.#ctx.room(conn.roomName);
    const member = room.join(name, (joinedName, key): Member => ({
      sid: this.#nextSid++,
      dialect: conn.dialect,
      room,
      name: joinedName,
      key,
      stamp: conn.dialect === "tutorial" ? stampSuffix("name", joinedName) : "",
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
    this.#ctx.markDirty(room);
    const renamed = member.name !== requested;
    if (conn.dialect === "parley") {
      this.#welcome(member, renamed, false);
      if (claim) this.#calls.claim(member, claim);
    } else if (renamed) {
      this.#ctx.send(conn, tutorial.rejectUsername(conn.id, member.name));
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
    this.#ctx.log(record);
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
      this.#ctx.kick(old, CloseCode.replaced, "replaced");
    } else {
      this.#detached.delete(member);
      if (member.graceTimer !== null) {
        this.#ctx.clock.clearTimeout(member.graceTimer);
        member.graceTimer = null;
      }
    }
    member.conn = conn;
    conn.member = member;
    this.#resumed++;
    this.#welcome(member, member.name !== requested, true);
    const queued = member.outbox;
    member.outbox = [];
    for (const frame of queued) this.#ctx.send(conn, frame);
    this.#ctx.log({
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
    this.#ctx.send(
      member.conn!,
      parley.welcome(
        member.name,
        renamed,
        member.room.name,
        member.room.presence.snapshotJson(member.sid),
        this.#ctx.ice.json(member.name, this.#ctx.clock.now()),
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
  detach(member: Member): void {
    member.conn = null;
    this.#detached.add(member);
    this.#tokens.detach(member, this.#ctx.clock.now());
    member.graceTimer = this.#ctx.clock.setTimeout(() => {
      member.graceTimer = null;
      this.end(member, "grace-expired");
    }, this.#ctx.config.resumeGraceMs);
    this.#ctx.log({
      event: "detach",
      name: member.name,
      room: member.room.name,
      call: member.call?.id,
    });
  }

  /** The user is gone: its call ends with `peer-left` and the room sees it leave. */
  end(member: Member, reason: string): void {
    if (!this.#retire(member)) return;
    this.#calls.dropClaim(member);
    if (member.call) {
      this.#calls.end(member.call, "peer-left", [
        peerOf(member.call, member),
      ]);
    }
    this.#unseat(member);
    this.#ctx.markDirty(member.room);
    if (reason !== "left") {
      this.#ctx.log({
        event: "leave",
        name: member.name,
        room: member.room.name,
        reason,
      });
    }
  }

  /**
   * Forgets `member` without a frame to anyone (see `Relay.evictRoom`): no
   * `peer-left`, no presence delta, no resume.
   */
  forget(member: Member): void {
    if (!this.#retire(member)) return;
    if (member.claim?.timer != null) {
      this.#ctx.clock.clearTimeout(member.claim.timer);
    }
    member.claim = null;
    if (member.call) this.#calls.forget(member.call);
    this.#unseat(member);
  }

  /**
   * The first half of ending a session, whichever way: no longer live, not
   * resumable, no grace timer. False if it had ended already.
   */
  #retire(member: Member): boolean {
    if (!member.live) return false;
    member.live = false;
    this.#tokens.revoke(member);
    this.#detached.delete(member);
    if (member.graceTimer !== null) {
      this.#ctx.clock.clearTimeout(member.graceTimer);
      member.graceTimer = null;
    }
    return true;
  }

  /** The last half: out of its room and off its socket, nothing queued. */
  #unseat(member: Member): void {
    member.room.leave(member.key, member);
    this.#users--;
    if (member.conn) member.conn.member = null;
    member.conn = null;
    member.outbox = [];
  }

  /**
   * `member`'s queue overflowed while detached: the session ends, on a zero
   * timer since the caller may be inside a loop over the room or a call, and
   * can no longer be resumed.
   */
  queueFull(member: Member): void {
    member.ending = true;
    member.outbox = [];
    this.#detached.delete(member);
    this.#tokens.revoke(member);
    const clock = this.#ctx.clock;
    if (member.graceTimer !== null) clock.clearTimeout(member.graceTimer);
    member.graceTimer = clock.setTimeout(() => {
      member.graceTimer = null;
      this.end(member, "queue-full");
    }, 0);
  }
}
