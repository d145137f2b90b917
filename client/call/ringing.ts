/**
 * The call machine's transitions while a call rings: dialing, the ring
 * being named, calls that cross (glare), and the ring's end. Pure.
 */
import {
  basics,
  callIdOf,
  finish,
  isLive,
  OFFER_WAIT_MS,
  stay,
  to,
} from "./shape.ts";
import type {
  CallEffect,
  CallEndReason,
  CallEvent,
  CallState,
  Machine,
  Step,
} from "./states.ts";

type Ev<K extends CallEvent["kind"]> = Extract<CallEvent, { kind: K }>;
type Of<K extends CallState["kind"]> = Extract<CallState, { kind: K }>;

/** Stops our ringing, even before the server has named the call. */
export function cancel(
  m: Machine,
  c: Of<"dialing" | "ringingOut">,
  reason: CallEndReason,
  effects: CallEffect[] = [],
): Step {
  if (c.kind === "ringingOut") {
    return finish(m, c, reason, true, [...effects, {
      kind: "send",
      msg: { type: "cancel", callId: c.callId },
    }]);
  }
  const owed = { ...m, debts: { ...m.debts, cancelOnRinging: c.peer } };
  return finish(owed, c, reason, true, effects);
}

/** The server named our ringing call (or one we already cancelled). */
export function onRinging(m: Machine, ev: Ev<"ringing">): Step {
  const c = m.call;
  if (c.kind === "dialing" && c.peer === ev.to) {
    const ringing: Of<"ringingOut"> = {
      ...c,
      kind: "ringingOut",
      callId: ev.callId,
    };
    return resolveCrossing(m, ringing, ev.me);
  }
  if (m.debts.cancelOnRinging !== ev.to) return stay(m);
  return {
    state: { ...m, debts: { ...m.debts, cancelOnRinging: null } },
    effects: [{ kind: "send", msg: { type: "cancel", callId: ev.callId } }],
  };
}

/** Someone rings us: a new call, theirs crossing ours, or one too many. */
export function onIncoming(m: Machine, ev: Ev<"incoming">): Step {
  const c = m.call;
  if (!isLive(c)) {
    return to(m, {
      kind: "ringingIn",
      peer: ev.from,
      audioOnly: ev.audioOnly,
      callId: ev.callId,
      outbox: [],
    }, [
      { kind: "begin", audioOnly: ev.audioOnly, polite: true },
      { kind: "openMedia" },
      // Media and a connection while it rings, but no tracks, so no offer.
      { kind: "prepareAnswer" },
    ]);
  }
  // Our media is still opening and we have rung nobody: take their call at
  // once (the answer waits for our media) rather than keep them ringing.
  if (c.kind === "preparing" && c.peer === ev.from) {
    return takeCrossing(m, c, ev.callId);
  }
  const ours = c.kind === "dialing" || c.kind === "ringingOut";
  if (ours && c.peer === ev.from) {
    // We ring them (or are about to) while they ring us.
    const crossed = { ...c, crossing: ev.callId };
    return crossed.kind === "ringingOut"
      ? resolveCrossing(m, crossed, ev.me)
      : to(m, crossed);
  }
  if (callIdOf(c) === ev.callId) return stay(m);
  // Already busy with someone else; the server normally prevents this.
  return to(m, c, [{
    kind: "send",
    msg: { type: "decline", callId: ev.callId },
  }]);
}

/**
 * Calls that cross: the person whose name sorts first accepts the peer's
 * call and withdraws their own; the other just waits. Both apply the same
 * rule, so exactly one call survives even if the server does not merge.
 */
function resolveCrossing(
  m: Machine,
  c: Of<"ringingOut">,
  me: string | null,
): Step {
  if (!c.crossing || !me || !(me < c.peer)) return to(m, c);
  const taken = takeCrossing(m, c, c.crossing);
  return {
    ...taken,
    effects: [...taken.effects, {
      kind: "send",
      msg: { type: "cancel", callId: c.callId },
    }],
  };
}

/**
 * Takes the peer's ringing call instead of ours, accepting it: as its
 * callee we answer the peer's offer, and the one we made for our own call
 * is dropped (being polite, we roll it back when theirs comes).
 */
export function takeCrossing(
  m: Machine,
  c: Of<"preparing" | "dialing" | "ringingOut">,
  callId: string,
): Step {
  return to(m, {
    kind: "accepting",
    call: {
      peer: c.peer,
      audioOnly: c.audioOnly,
      direction: "incoming",
      callId,
      polite: true,
      outbox: [],
    },
  }, [
    { kind: "setPolite", polite: true },
    { kind: "send", msg: { type: "accept", callId } },
    { kind: "startTimer", timer: "offer-wait", ms: OFFER_WAIT_MS },
  ]);
}

/** The server ended a call: ours, or the one that crossed it. */
export function onEnded(m: Machine, ev: Ev<"ended">): Step {
  const c = m.call;
  if (!isLive(c)) return stay(m);
  // Nobody was rung, and a call to us would have been taken at once.
  if (c.kind === "preparing") return stay(m);
  if (c.kind === "dialing" || c.kind === "ringingOut") {
    // `busy` and `reconnecting` come with a fresh call id, and may beat
    // `ringing`.
    const ours = c.peer === ev.peer &&
      (c.kind === "dialing" || c.callId === ev.callId ||
        ev.reason === "busy" || ev.reason === "reconnecting");
    if (ours) {
      // Our call lost the race; theirs to us is still ringing: take it.
      return c.crossing
        ? takeCrossing(m, c, c.crossing)
        : finish(m, c, ev.reason, false);
    }
    return c.crossing === ev.callId ? to(m, { ...c, crossing: null }) : stay(m);
  }
  if (callIdOf(c) !== ev.callId) return stay(m);
  // A ring that timed out on our side is the call we did not answer.
  const missed = ev.reason === "no-answer" &&
    basics(c).direction === "incoming";
  // peer-left for a claimed call: the peer never came back after the server
  // lost the call, which deserves its own sentence.
  const why = c.kind === "restoring" && ev.reason === "peer-left"
    ? "not-restored"
    : ev.reason;
  return finish(m, c, why, missed);
}
