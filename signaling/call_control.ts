/**
 * Call control: the `parley.v1` ring/accept/decline/cancel/hangup exchange,
 * the ring timeout, and restoring a call both sides claim after a restart.
 * The call lifecycle here ({@linkcode CallControl.open},
 * {@linkcode CallControl.answer}, {@linkcode CallControl.end}) is shared with
 * the tutorial dialect and with sessions that end mid-call. Every handler
 * returns its outputs (see `relay_context.ts`); the ring and claim waits
 * are this module's own timers.
 */

import {
  type Call,
  type CallClaim,
  claimsMatch,
  newCallId,
  peerOf,
  restoredCallerIsFirst,
} from "./calls.ts";
import type { Clock } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import { type EndReason, parley, tutorial } from "./frames.ts";
import { nameKey, normalizeName } from "./names.ts";
import type { LoginCallClaim } from "./protocol.ts";
import {
  clearTimer,
  type Connection,
  type Effect,
  isBusy,
  log,
  type Member,
  NONE,
  reject,
  setTimer,
} from "./relay_context.ts";
import { Timers } from "./timers.ts";

/** Opens, answers and ends calls, and matches restore claims. */
export class CallControl {
  readonly #config: SignalingConfig;
  readonly #clock: Clock;
  /** Ring timeouts, by ringing call. */
  readonly #rings: Timers<Call<Member>>;
  /** Claim waits, by claimant. */
  readonly #claims: Timers<Member>;
  #calls = 0;
  #restored = 0;

  constructor(config: SignalingConfig, clock: Clock) {
    this.#config = config;
    this.#clock = clock;
    this.#rings = new Timers(clock);
    this.#claims = new Timers(clock);
  }

  /** Calls ringing or in progress. */
  get active(): number {
    return this.#calls;
  }

  /** Calls restored by mutual claim after a restart. */
  get restored(): number {
    return this.#restored;
  }

  /** Cancels every ring timeout and claim wait. */
  dispose(): void {
    this.#rings.dispose();
    this.#claims.dispose();
  }

  /** `call`: rings `to`, or answers `busy` at once. */
  call(conn: Connection, me: Member, to: string, audioOnly: boolean): Effect[] {
    if (me.call) return reject(conn, "in-call");
    const callee = me.room.find(to);
    if (!callee) return reject(conn, "unknown-user");
    if (callee === me) return reject(conn, "self-call");
    if (callee.dialect !== "parley") return reject(conn, "incompatible");
    // Fails at once rather than ringing into the queue: the person calling
    // is told why now, and a ring held for someone who may never come back
    // (or who comes back to a stale ring) helps nobody.
    if (callee.life.state !== "live") {
      const frame = parley.ended(newCallId(), "reconnecting", callee.name);
      return [{ kind: "send", conn, frame }];
    }
    if (isBusy(callee)) {
      const frame = parley.ended(newCallId(), "busy", callee.name);
      return [{ kind: "send", conn, frame }];
    }
    // Calling someone else means the client gave up restoring its old call.
    const out = this.dropClaim(me).concat(this.open(me, callee, audioOnly));
    const call = me.call!;
    out.push(
      { kind: "send", conn, frame: parley.ringing(call.id, callee.name) },
      {
        kind: "deliver",
        to: callee,
        frame: parley.incoming(call.id, me.name, audioOnly),
      },
    );
    return out;
  }

  /** `accept` by the callee of a ringing call. */
  accept(conn: Connection, me: Member, callId: string): Effect[] {
    const call = me.call;
    if (
      !call || call.id !== callId || call.callee !== me ||
      call.state !== "ringing"
    ) {
      return reject(conn, "no-call");
    }
    const out = this.answer(call);
    out.push(
      {
        kind: "deliver",
        to: call.caller,
        frame: parley.accepted(call.id, me.name, false),
      },
      {
        kind: "send",
        conn,
        frame: parley.accepted(call.id, call.caller.name, true),
      },
    );
    return out;
  }

  /**
   * `decline` (callee, ringing), `cancel` (caller, ringing), `hangup` (either,
   * any state: while ringing it means cancel or decline).
   */
  endByParty(
    conn: Connection,
    me: Member,
    action: "decline" | "cancel" | "hangup",
    callId: string,
  ): Effect[] {
    const call = me.call;
    if (!call || call.id !== callId) {
      // Hanging up a claimed call whose peer has not come back: stop waiting.
      if (action === "hangup" && me.claim?.callId === callId) {
        return this.dropClaim(me);
      }
      return reject(conn, "no-call");
    }
    const isCaller = call.caller === me;
    let reason: EndReason;
    if (call.state === "active") {
      if (action !== "hangup") return reject(conn, "no-call");
      reason = "hangup";
    } else if (action === "decline" && !isCaller) reason = "declined";
    else if (action === "cancel" && isCaller) reason = "cancelled";
    else if (action === "hangup") reason = isCaller ? "cancelled" : "declined";
    else return reject(conn, "no-call");
    return this.end(call, reason, [peerOf(call, me)]);
  }

  // --- call restore after a restart --------------------------------------

  /**
   * Records `login.call`, or restores the call at once if the named peer is
   * here claiming the same call. A claimant counts as busy while it waits,
   * and the peer's name, if nobody has it, is held for the peer until then
   * (see `name_holds.ts`).
   */
  claim(me: Member, claim: LoginCallClaim): Effect[] {
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
    me.claim = mine;
    const peerName = normalizeName(claim.peer);
    if (!peer && peerName !== null && nameKey(peerName) !== me.key) {
      me.room.holds.hold(nameKey(peerName), claim.callId, me.key, me);
    }
    return [
      setTimer(
        this.#claims,
        me,
        this.#config.resumeGraceMs,
        () => this.#claimExpired(me),
      ),
      { kind: "presence", member: me },
    ];
  }

  /** The claimed call's peer did not come back in time. */
  #claimExpired(me: Member): Effect[] {
    const waited = me.claim;
    if (!waited) return NONE;
    const out = this.dropClaim(me);
    out.push({
      kind: "deliver",
      to: me,
      frame: parley.ended(waited.callId, "peer-left", waited.peer),
    });
    return out;
  }

  /** Both sides claimed the call: it is accepted again, under its old id. */
  #restore(
    waiting: Member,
    arriving: Member,
    arrivingClaim: CallClaim,
  ): Effect[] {
    const callerFirst = restoredCallerIsFirst(waiting.claim!, arrivingClaim);
    const out = this.dropClaim(waiting);
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
      openedAt: now,
      answeredAt: now,
    };
    caller.call = call;
    callee.call = call;
    this.#calls++;
    this.#restored++;
    out.push(
      { kind: "presence", member: caller },
      { kind: "presence", member: callee },
      {
        kind: "deliver",
        to: waiting,
        frame: parley.callRestored(call.id, arriving.name),
      },
      {
        kind: "deliver",
        to: arriving,
        frame: parley.callRestored(call.id, waiting.name),
      },
      log({
        event: "call-restored",
        call: call.id,
        room: caller.room.name,
        caller: caller.name,
        callee: callee.name,
      }),
    );
    return out;
  }

  /** Forgets a pending claim (no frames: its owner moved on or left). */
  dropClaim(member: Member): Effect[] {
    if (!member.claim) return [];
    member.claim = null;
    member.room.holds.releaseBy(member);
    return [
      clearTimer(this.#claims, member),
      { kind: "presence", member },
    ];
  }

  // --- call lifecycle -----------------------------------------------------

  /**
   * Opens a ringing call (the parties' `call` is set at once), which ends
   * with `no-answer` after the timeout.
   */
  open(caller: Member, callee: Member, audioOnly: boolean): Effect[] {
    const call: Call<Member> = {
      id: newCallId(),
      caller,
      callee,
      state: "ringing",
      audioOnly,
      openedAt: this.#clock.now(),
      answeredAt: null,
    };
    caller.call = call;
    callee.call = call;
    this.#calls++;
    return [
      setTimer(
        this.#rings,
        call,
        this.#config.ringTimeoutMs,
        () =>
          caller.call === call && call.state === "ringing"
            ? this.end(call, "no-answer", [caller, callee])
            : NONE,
      ),
      { kind: "presence", member: caller },
      { kind: "presence", member: callee },
      log({
        event: "call-start",
        call: call.id,
        room: caller.room.name,
        caller: caller.name,
        callee: callee.name,
        dialect: caller.dialect,
      }),
    ];
  }

  /** The callee answered: the call is active and stops ringing. */
  answer(call: Call<Member>): Effect[] {
    call.state = "active";
    call.answeredAt = this.#clock.now();
    return [clearTimer(this.#rings, call)];
  }

  /**
   * Drops `member`'s call and claim without a frame to anyone: its room
   * moved to another instance, where both are restored by claim.
   */
  forget(member: Member): Effect[] {
    const out = this.dropClaim(member);
    const call = member.call;
    if (call === null) return out;
    for (const party of [call.caller, call.callee]) {
      if (party.call === call) party.call = null;
    }
    this.#calls--;
    out.push(clearTimer(this.#rings, call));
    return out;
  }

  /** Ends `call` and tells `notify` (parties still in the room) why. */
  end(call: Call<Member>, reason: EndReason, notify: Member[]): Effect[] {
    const out: Effect[] = [clearTimer(this.#rings, call)];
    for (const party of [call.caller, call.callee]) {
      if (party.call === call) {
        party.call = null;
        out.push({ kind: "presence", member: party });
      }
    }
    this.#calls--;
    for (const party of notify) {
      const other = peerOf(call, party);
      out.push({
        kind: "deliver",
        to: party,
        frame: party.dialect === "parley"
          ? parley.ended(call.id, reason, other.name)
          : tutorial.hangUp(other.name),
      });
    }
    out.push(log({
      event: "call-end",
      call: call.id,
      reason,
      answered: call.answeredAt !== null,
      ms: this.#clock.now() - (call.answeredAt ?? call.openedAt),
    }));
    return out;
  }
}
