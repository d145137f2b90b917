/**
 * The session lifecycle: login (with a resume token, or fresh under a unique
 * name), resume onto a new socket, detach for the grace period when the
 * connection drops, and the end of a session. The pure rules (which closes
 * detach, the token store, the moves of a member's life) are in
 * `sessions.ts` and `member_life.ts`; this is the part with rooms, frames
 * and the grace timers, which are this module's own. Handlers return their
 * outputs (see `relay_context.ts`).
 */

import type { CallControl } from "./call_control.ts";
import { peerOf } from "./calls.ts";
import type { Clock } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import { DetachedSessions } from "./detached.ts";
import { parley, stampSuffix, tutorial } from "./frames.ts";
import type { IceServerList } from "./ice.ts";
import type { LogRecord } from "./log.ts";
import { liveOn, stepLife } from "./member_life.ts";
import { checkName, nameKey } from "./names.ts";
import type { LoginCallClaim } from "./protocol.ts";
import {
  clearTimer,
  CloseCode,
  type Connection,
  type Effect,
  isBusy,
  log,
  type Member,
  NONE,
  reject,
  setTimer,
} from "./relay_context.ts";
import { Room } from "./rooms.ts";
import { ResumeTokens } from "./sessions.ts";
import { Timers } from "./timers.ts";

/** What the session lifecycle works with. */
export interface SessionParts {
  readonly config: SignalingConfig;
  readonly clock: Clock;
  readonly ice: IceServerList;
  /** The relay's rooms by name; logins create them, presence removes them. */
  readonly rooms: Map<string, Room<Member>>;
  readonly calls: CallControl;
}

/** Logged-in users from login to the end of their session. */
export class SessionLifecycle {
  readonly #config: SignalingConfig;
  readonly #clock: Clock;
  readonly #ice: IceServerList;
  readonly #rooms: Map<string, Room<Member>>;
  readonly #calls: CallControl;
  readonly #tokens: ResumeTokens<Member>;
  readonly #detached = new DetachedSessions<Member>();
  /** Grace periods of detached sessions (and nothing else). */
  readonly #grace: Timers<Member>;
  #nextSid = 1;
  #users = 0;
  #resumed = 0;

  constructor(parts: SessionParts) {
    this.#config = parts.config;
    this.#clock = parts.clock;
    this.#ice = parts.ice;
    this.#rooms = parts.rooms;
    this.#calls = parts.calls;
    this.#tokens = new ResumeTokens(parts.config.resumeGraceMs);
    this.#grace = new Timers(parts.clock);
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

  /** Cancels every grace period. */
  dispose(): void {
    this.#grace.dispose();
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
  ): Effect[] {
    if (conn.member !== null) return reject(conn, "already-logged-in");
    const verdict = checkName(requested);
    // The rule's own sentence names the character, so the person can fix it.
    if (!verdict.ok) return reject(conn, "bad-name", verdict.problem);
    const name = verdict.name;
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
    // Detached members count: they are in everyone's presence all the same.
    if (room.members.size >= this.#config.maxRoomMembers) {
      return reject(conn, "room-full");
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
      life: liveOn(conn),
      call: null,
      claim: null,
    }), opensHold);
    conn.member = member;
    this.#users++;
    const out: Effect[] = [{ kind: "roster", room }];
    const renamed = member.name !== requested;
    if (conn.dialect === "parley") {
      out.push(this.#welcome(member, conn, renamed, false));
      if (claim) out.push(...this.#calls.claim(member, claim));
    } else if (renamed) {
      const frame = tutorial.rejectUsername(conn.id, member.name);
      out.push({ kind: "send", conn, frame });
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
    out.push(log(record));
    return out;
  }

  /** Moves `member` onto `conn`: from a dropped socket, or off one still open. */
  #resume(conn: Connection, member: Member, requested: unknown): Effect[] {
    const life = member.life;
    const next = stepLife(life, { type: "resume", conn });
    // Tokens are revoked as a session starts ending, so this is a guard.
    if (next === null) return reject(conn, "already-logged-in");
    const out: Effect[] = [];
    let old: Connection | undefined;
    if (life.state === "live") {
      // The old socket may be half-open (its network went away unnoticed):
      // the client holding the token is the one that is really there.
      // Forgotten at once, like a kicked socket, so nothing it still sends
      // (a login, say) can act before its close completes.
      old = life.conn;
      old.member = null;
      out.push({
        kind: "close",
        conn: old,
        code: CloseCode.replaced,
        reason: "replaced",
      });
    } else {
      this.#detached.delete(member);
      out.push(clearTimer(this.#grace, member));
    }
    const outbox = life.state === "detached" ? life.outbox : null;
    member.life = next;
    conn.member = member;
    // Back from `reconnecting` (a no-op in the next delta when only the
    // socket was replaced).
    out.push({ kind: "presence", member });
    this.#resumed++;
    out.push(this.#welcome(member, conn, member.name !== requested, true));
    // Call frames first, then how much chat was lost, then the chat kept.
    const queued = outbox?.drain() ?? [];
    for (const frame of queued) out.push({ kind: "send", conn, frame });
    out.push(log({
      event: "resume",
      conn: conn.id,
      name: member.name,
      room: member.room.name,
      replaced: old?.id,
      queued: queued.length,
      droppedChats: outbox?.droppedChats,
    }));
    return out;
  }

  /** `welcome` with a fresh resume token (the previous one is void). */
  #welcome(
    member: Member,
    conn: Connection,
    renamed: boolean,
    resumed: boolean,
  ): Effect {
    const call = member.call;
    const callJson = call && parley.welcomeCall(
      call.id,
      peerOf(call, member).name,
      call.callee === member,
      call.state,
      call.audioOnly,
    );
    const frame = parley.welcome(
      member.name,
      renamed,
      member.room.name,
      member.room.presence.snapshotJson(member.sid),
      this.#ice.json(member.name, this.#clock.now(), conn.hasOrigin),
      this.#tokens.issue(member, member.room.name, member.key),
      resumed,
      resumed ? callJson : null,
    );
    return { kind: "send", conn, frame };
  }

  /**
   * Keeps a session whose connection dropped: it stays in the room and in
   * its call, frames for it queue up, and it ends after the grace period
   * unless resumed. A ringing call keeps ringing: its ring timeout still
   * applies, so it ends with `no-answer` or, if the grace period runs out
   * first, `peer-left` — whichever comes first.
   */
  detach(member: Member): Effect[] {
    const life = member.life;
    if (life.state !== "live") return NONE;
    const address = life.conn.address;
    member.life = stepLife(life, { type: "detach", address })!;
    const out = this.#capFrom(address);
    this.#detached.add(member, address);
    this.#tokens.detach(member, this.#clock.now());
    out.push(
      // The room sees `reconnecting` until it resumes or the grace ends.
      { kind: "presence", member },
      setTimer(
        this.#grace,
        member,
        this.#config.resumeGraceMs,
        () => this.end(member, "grace-expired"),
      ),
      log({
        event: "detach",
        name: member.name,
        room: member.room.name,
        call: member.call?.id,
      }),
    );
    return out;
  }

  /**
   * Keeps `address` under its cap of detached sessions before one more
   * joins them, by ending its oldest that is not in a call (else its
   * oldest). The oldest rather than the newcomer: behind one NAT, the
   * session that dropped last is the likeliest to come back, and a client
   * dropping in a loop only ever pushes out its own older sessions.
   */
  #capFrom(address: string): Effect[] {
    const out: Effect[] = [];
    const cap = this.#config.maxDetachedPerAddress;
    while (this.#detached.countFrom(address) >= cap) {
      const victim = this.#detached.victimFrom(address, isBusy);
      if (victim === undefined) break;
      // Out of the count even if ending it turns out to be a no-op.
      this.#detached.delete(victim);
      out.push(...this.end(victim, "detached-cap"));
    }
    return out;
  }

  /**
   * Ends one detached session to make room in a full process: the oldest
   * not in a call, else the oldest, of the address holding the most.
   * `null` when there is none to end.
   */
  shedDetached(): Effect[] | null {
    const address = this.#detached.heaviestAddress();
    const victim = address === undefined
      ? undefined
      : this.#detached.victimFrom(address, isBusy);
    if (victim === undefined) return null;
    this.#detached.delete(victim);
    return this.end(victim, "capacity");
  }

  /** The user is gone: its call ends with `peer-left` and the room sees it leave. */
  end(member: Member, reason: string): Effect[] {
    const life = member.life;
    if (!this.#retire(member)) return NONE;
    const out = [clearTimer(this.#grace, member)];
    out.push(...this.#calls.dropClaim(member));
    if (member.call) {
      out.push(
        ...this.#calls.end(member.call, "peer-left", [
          peerOf(member.call, member),
        ]),
      );
    }
    this.#unseat(member, life.state === "live" ? life.conn : null);
    out.push({ kind: "roster", room: member.room });
    if (reason !== "left") {
      out.push(log({
        event: "leave",
        name: member.name,
        room: member.room.name,
        reason,
      }));
    }
    return out;
  }

  /**
   * Forgets `member` without a frame to anyone (see `Relay.evictRoom`): no
   * `peer-left`, no presence delta, no resume.
   */
  forget(member: Member): Effect[] {
    const life = member.life;
    if (!this.#retire(member)) return NONE;
    const out = [clearTimer(this.#grace, member)];
    out.push(...this.#calls.forget(member));
    member.room.holds.releaseBy(member);
    this.#unseat(member, life.state === "live" ? life.conn : null);
    return out;
  }

  /**
   * `member`'s outbox overflowed while detached: its call can no longer be
   * delivered whole. Nothing more is queued for it and it can no longer be
   * resumed; the session ends once the outputs already waiting are applied.
   */
  overflow(member: Member): Effect[] {
    const next = stepLife(member.life, { type: "overflow" });
    if (next === null) return NONE;
    member.life = next;
    this.#detached.delete(member);
    this.#tokens.revoke(member);
    return [
      clearTimer(this.#grace, member),
      { kind: "then", run: () => this.end(member, "queue-full") },
    ];
  }

  /**
   * The first half of ending a session, whichever way: gone, not
   * resumable. False if it had ended already.
   */
  #retire(member: Member): boolean {
    const next = stepLife(member.life, { type: "end" });
    if (next === null) return false;
    member.life = next;
    this.#tokens.revoke(member);
    this.#detached.delete(member);
    return true;
  }

  /** The last half: out of its room and off its socket. */
  #unseat(member: Member, conn: Connection | null): void {
    member.room.leave(member.key, member);
    this.#users--;
    if (conn !== null && conn.member === member) conn.member = null;
  }

  /** The room called `name`, created if needed. */
  #room(name: string): Room<Member> {
    let room = this.#rooms.get(name);
    if (!room) {
      room = new Room<Member>(name);
      this.#rooms.set(name, room);
    }
    return room;
  }
}
