/**
 * Call control: the `parley.v1` ring/accept/decline/cancel/hangup exchange,
 * the ring timeout, and restoring a call both sides claim after a restart.
 * The call lifecycle here ({@linkcode CallControl.open},
 * {@linkcode CallControl.answer}, {@linkcode CallControl.end}) is shared with
 * the tutorial dialect and with sessions that end mid-call.
 */

import {
  type Call,
  type CallClaim,
  claimsMatch,
  newCallId,
  peerOf,
  restoredCallerIsFirst,
} from "./calls.ts";
import { type EndReason, parley, tutorial } from "./frames.ts";
import { nameKey, normalizeName } from "./names.ts";
import type { LoginCallClaim } from "./protocol.ts";
import {
  type Connection,
  isBusy,
  type Member,
  type RelayContext,
} from "./relay_context.ts";

/** Opens, answers and ends calls, and matches restore claims. */
export class CallControl {
  readonly #ctx: RelayContext;
  #calls = 0;
  #restored = 0;

  constructor(ctx: RelayContext) {
    this.#ctx = ctx;
  }

  /** Calls ringing or in progress. */
  get active(): number {
    return this.#calls;
  }

  /** Calls restored by mutual claim after a restart. */
  get restored(): number {
    return this.#restored;
  }

  /** `call`: rings `to`, or answers `busy` at once. */
  call(conn: Connection, me: Member, to: string, audioOnly: boolean): void {
    const ctx = this.#ctx;
    if (me.call) return ctx.reject(conn, "in-call");
    const callee = me.room.find(to);
    if (!callee) return ctx.reject(conn, "unknown-user");
    if (callee === me) return ctx.reject(conn, "self-call");
    if (callee.dialect !== "parley") return ctx.reject(conn, "incompatible");
    // Fails at once rather than ringing into the queue: the person calling
    // is told why now, and a ring held for someone who may never come back
    // (or who comes back to a stale ring) helps nobody.
    if (callee.conn === null) {
      return ctx.send(
        conn,
        parley.ended(newCallId(), "reconnecting", callee.name),
      );
    }
    if (isBusy(callee)) {
      return ctx.send(conn, parley.ended(newCallId(), "busy", callee.name));
    }
    // Calling someone else means the client gave up restoring its old call.
    this.dropClaim(me);
    const call = this.open(me, callee, audioOnly);
    ctx.send(conn, parley.ringing(call.id, callee.name));
    ctx.deliver(callee, parley.incoming(call.id, me.name, audioOnly));
  }

  /** `accept` by the callee of a ringing call. */
  accept(conn: Connection, me: Member, callId: string): void {
    const call = me.call;
    if (
      !call || call.id !== callId || call.callee !== me ||
      call.state !== "ringing"
    ) {
      return this.#ctx.reject(conn, "no-call");
    }
    this.answer(call);
    this.#ctx.deliver(call.caller, parley.accepted(call.id, me.name, false));
    this.#ctx.send(conn, parley.accepted(call.id, call.caller.name, true));
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
  ): void {
    const call = me.call;
    if (!call || call.id !== callId) {
      // Hanging up a claimed call whose peer has not come back: stop waiting.
      if (action === "hangup" && me.claim?.callId === callId) {
        return this.dropClaim(me);
      }
      return this.#ctx.reject(conn, "no-call");
    }
    const isCaller = call.caller === me;
    let reason: EndReason;
    if (call.state === "active") {
      if (action !== "hangup") return this.#ctx.reject(conn, "no-call");
      reason = "hangup";
    } else if (action === "decline" && !isCaller) reason = "declined";
    else if (action === "cancel" && isCaller) reason = "cancelled";
    else if (action === "hangup") reason = isCaller ? "cancelled" : "declined";
    else return this.#ctx.reject(conn, "no-call");
    this.end(call, reason, [peerOf(call, me)]);
  }

  // --- call restore after a restart --------------------------------------

  /**
   * Records `login.call`, or restores the call at once if the named peer is
   * here claiming the same call. A claimant counts as busy while it waits,
   * and the peer's name, if nobody has it, is held for the peer until then
   * (see `name_holds.ts`).
   */
  claim(me: Member, claim: LoginCallClaim): void {
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
      timer: this.#ctx.clock.setTimeout(() => {
        const waited = me.claim;
        if (!waited) return;
        waited.timer = null;
        this.dropClaim(me);
        this.#ctx.deliver(
          me,
          parley.ended(waited.callId, "peer-left", waited.peer),
        );
      }, this.#ctx.config.resumeGraceMs),
    };
    const peerName = normalizeName(claim.peer);
    if (!peer && peerName !== null && nameKey(peerName) !== me.key) {
      me.room.holds.hold(nameKey(peerName), claim.callId, me.key, me);
    }
    this.#ctx.presenceChanged(me);
  }

  /** Both sides claimed the call: it is accepted again, under its old id. */
  #restore(waiting: Member, arriving: Member, arrivingClaim: CallClaim): void {
    const ctx = this.#ctx;
    const callerFirst = restoredCallerIsFirst(waiting.claim!, arrivingClaim);
    this.dropClaim(waiting);
    const [caller, callee] = callerFirst
      ? [waiting, arriving]
      : [arriving, waiting];
    const now = ctx.clock.now();
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
    ctx.presenceChanged(caller);
    ctx.presenceChanged(callee);
    ctx.deliver(waiting, parley.callRestored(call.id, arriving.name));
    ctx.deliver(arriving, parley.callRestored(call.id, waiting.name));
    ctx.log({
      event: "call-restored",
      call: call.id,
      room: caller.room.name,
      caller: caller.name,
      callee: callee.name,
    });
  }

  /** Forgets a pending claim (no frames: its owner moved on or left). */
  dropClaim(member: Member): void {
    const claim = member.claim;
    if (!claim) return;
    if (claim.timer !== null) this.#ctx.clock.clearTimeout(claim.timer);
    member.claim = null;
    member.room.holds.releaseBy(member);
    this.#ctx.presenceChanged(member);
  }

  // --- call lifecycle -----------------------------------------------------

  /** Opens a ringing call, which ends with `no-answer` after the timeout. */
  open(caller: Member, callee: Member, audioOnly: boolean): Call<Member> {
    const ctx = this.#ctx;
    const call: Call<Member> = {
      id: newCallId(),
      caller,
      callee,
      state: "ringing",
      audioOnly,
      timer: null,
      openedAt: ctx.clock.now(),
      answeredAt: null,
    };
    call.timer = ctx.clock.setTimeout(() => {
      call.timer = null;
      if (caller.call === call && call.state === "ringing") {
        this.end(call, "no-answer", [caller, callee]);
      }
    }, ctx.config.ringTimeoutMs);
    caller.call = call;
    callee.call = call;
    this.#calls++;
    ctx.presenceChanged(caller);
    ctx.presenceChanged(callee);
    ctx.log({
      event: "call-start",
      call: call.id,
      room: caller.room.name,
      caller: caller.name,
      callee: callee.name,
      dialect: caller.dialect,
    });
    return call;
  }

  /** The callee answered: the call is active and stops ringing. */
  answer(call: Call<Member>): void {
    call.state = "active";
    call.answeredAt = this.#ctx.clock.now();
    if (call.timer !== null) {
      this.#ctx.clock.clearTimeout(call.timer);
      call.timer = null;
    }
  }

  /** Drops `call` silently: its room moved to another instance. */
  forget(call: Call<Member>): void {
    if (call.timer !== null) {
      this.#ctx.clock.clearTimeout(call.timer);
      call.timer = null;
    }
    for (const party of [call.caller, call.callee]) {
      if (party.call === call) party.call = null;
    }
    this.#calls--;
  }

  /** Ends `call` and tells `notify` (parties still in the room) why. */
  end(call: Call<Member>, reason: EndReason, notify: Member[]): void {
    const ctx = this.#ctx;
    if (call.timer !== null) {
      ctx.clock.clearTimeout(call.timer);
      call.timer = null;
    }
    for (const party of [call.caller, call.callee]) {
      if (party.call === call) {
        party.call = null;
        ctx.presenceChanged(party);
      }
    }
    this.#calls--;
    for (const party of notify) {
      const other = peerOf(call, party);
      ctx.deliver(
        party,
        party.dialect === "parley"
          ? parley.ended(call.id, reason, other.name)
          : tutorial.hangUp(other.name),
      );
    }
    const now = ctx.clock.now();
    ctx.log({
      event: "call-end",
      call: call.id,
      reason,
      answered: call.answeredAt !== null,
      ms: now - (call.answeredAt ?? call.openedAt),
    });
  }
}
