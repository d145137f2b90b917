/**
 * The session lifecycle: login (with a resume token, or fresh under a unique
 * name), resume onto a new socket, detach for the grace period when the
 * connection drops, and the end of a session. The pure rules (which closes
 * detach, the token store) are in `sessions.ts`; this is the part with
 * timers, rooms and frames.
 */

import type { CallControl } from "./call_control.ts";
import { peerOf } from "./calls.ts";
import { DetachedSessions, UNKNOWN_ADDRESS } from "./detached.ts";
import { parley, stampSuffix, tutorial } from "./frames.ts";
import type { IceServerList } from "./ice.ts";
import type { LogRecord } from "./log.ts";
import { checkName, nameKey } from "./names.ts";
import type { LoginCallClaim } from "./protocol.ts";
import {
  CloseCode,
  type Connection,
  isBusy,
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
  readonly #detached = new DetachedSessions<Member>();
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
    const verdict = checkName(requested);
    // The rule's own sentence names the character, so the person can fix it.
    if (!verdict.ok) return this.#ctx.reject(conn, "bad-name", verdict.problem);
    const name = verdict.name;
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
    // Detached members count: they are in everyone's presence all the same.
    if (room.members.size >= this.#ctx.config.maxRoomMembers) {
      return this.#ctx.reject(conn, "room-full");
    }
    // A name held for a claimed call's party opens to the login proving it
    // is that party (see name_holds.ts).
    const opensHold = claim &&
      ((key: string) =>
        room.holds.opensFor(key, claim.callId, nameKey(claim.peer)));
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
      outbox: null,
      graceTimer: null,
      ending: false,
      live: true,
    }), opensHold);
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
    // Back from `reconnecting` (a no-op in the next delta when only the
    // socket was replaced).
    this.#ctx.presenceChanged(member);
    this.#resumed++;
    this.#welcome(member, member.name !== requested, true);
    const outbox = member.outbox;
    member.outbox = null;
    // Call frames first, then how much chat was lost, then the chat kept.
    const queued = outbox?.drain() ?? [];
    for (const frame of queued) this.#ctx.send(conn, frame);
    this.#ctx.log({
      event: "resume",
      conn: conn.id,
      name: member.name,
      room: member.room.name,
      replaced: old?.id,
      queued: queued.length,
      droppedChats: outbox?.droppedChats,
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
      call.audioOnly,
    );
    this.#ctx.send(
      member.conn!,
      parley.welcome(
        member.name,
        renamed,
        member.room.name,
        member.room.presence.snapshotJson(member.sid),
        this.#ctx.ice.json(
          member.name,
          this.#ctx.clock.now(),
          member.conn!.hasOrigin,
        ),
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
    const address = member.conn?.address ?? UNKNOWN_ADDRESS;
    member.conn = null;
    this.#capFrom(address);
    this.#detached.add(member, address);
    this.#tokens.detach(member, this.#ctx.clock.now());
    // The room sees `reconnecting` until it resumes or the grace ends.
    this.#ctx.presenceChanged(member);
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

  /**
   * Keeps `address` under its cap of detached sessions before one more
   * joins them, by ending its oldest that is not in a call (else its
   * oldest). The oldest rather than the newcomer: behind one NAT, the
   * session that dropped last is the likeliest to come back, and a client
   * dropping in a loop only ever pushes out its own older sessions.
   */
  #capFrom(address: string): void {
    const cap = this.#ctx.config.maxDetachedPerAddress;
    while (this.#detached.countFrom(address) >= cap) {
      const victim = this.#detached.victimFrom(address, isBusy);
      if (victim === undefined) return;
      // Out of the count even if ending it turns out to be a no-op.
      this.#detached.delete(victim);
      this.end(victim, "detached-cap");
    }
  }

  /**
   * Ends one detached session to make room in a full process: the oldest
   * not in a call, else the oldest, of the address holding the most. False
   * when there is none to end.
   */
  shedDetached(): boolean {
    const address = this.#detached.heaviestAddress();
    const victim = address === undefined
      ? undefined
      : this.#detached.victimFrom(address, isBusy);
    if (victim === undefined) return false;
    this.#detached.delete(victim);
    this.end(victim, "capacity");
    return true;
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
    member.room.holds.releaseBy(member);
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
    member.outbox = null;
  }

  /**
   * `member`'s queue overflowed while detached: the session ends, on a zero
   * timer since the caller may be inside a loop over the room or a call, and
   * can no longer be resumed.
   */
  queueFull(member: Member): void {
    member.ending = true;
    member.outbox = null;
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
