/**
 * One 1:1 call as a pure state machine: `step(machine, event)` returns the
 * next state and the effects to carry out (`runner.ts` and `../call.ts` do
 * the I/O). No clocks, timers or sockets in here.
 *
 * The caller makes its offer while it rings, but every signal waits in the
 * call's outbox until `accepted`: exactly one offer/answer round, and nothing
 * of the callee reaches the caller before Accept. Calls that cross, the
 * restore after a server restart and the callee's fallback offer are
 * transitions below; the welcome after a reconnect is in `restore.ts`.
 */
import { SMALL_START_MS } from "../video_start.ts";
import { onWelcome } from "./restore.ts";
import {
  cancel,
  onEnded,
  onIncoming,
  onRinging,
  takeCrossing,
} from "./ringing.ts";
import {
  basics,
  callIdOf,
  finish,
  flush,
  isAccepted,
  isLive,
  type Live,
  OFFER_WAIT_MS,
  restored,
  stay,
  to,
} from "./shape.ts";
import type {
  Agreed,
  CallEffect,
  CallEvent,
  CallState,
  Machine,
  Step,
  VideoProblem,
} from "./states.ts";

export * from "./states.ts";
export { OFFER_WAIT_MS } from "./shape.ts";

/** Said when a frame a step needs cannot reach the server. */
export const OFFLINE_TEXT = "Not connected to the server; try again shortly.";

/** Said when our camera cannot be used in a call that has video. */
export const NOT_SEEN_TEXT = "The other person will not see you.";

/** Said when our camera cannot be used, so a video call goes as audio. */
export const AUDIO_ONLY_TEXT = "This call is audio only.";

const offlineNotice: CallEffect = {
  kind: "notice",
  tone: "error",
  text: OFFLINE_TEXT,
};

/** Codes of `error` frames that refuse our `call`. */
const CALL_ERRORS = new Set([
  "unknown-user",
  "self-call",
  "in-call",
  "not-logged-in",
  "incompatible",
]);

/** No call, nothing owed. */
export const INITIAL: Machine = {
  call: { kind: "idle" },
  debts: { cancelOnRinging: null, deferred: [] },
};

/**
 * Whether an `error` frame with `code` refuses our call to someone whose
 * own call to us is ringing: the machine then takes theirs, so the refusal
 * is no news for the person. Asked of `step` itself, so the rule lives in
 * one place (`refused` below).
 */
export function takesCrossingOnRefusal(m: Machine, code: string): boolean {
  return step(m, { kind: "refused", code }).state.call.kind === "accepting";
}

type Ev<K extends CallEvent["kind"]> = Extract<CallEvent, { kind: K }>;
type Of<K extends CallState["kind"]> = Extract<CallState, { kind: K }>;

/** Advances one event; see the module doc. */
export function step(m: Machine, ev: CallEvent): Step {
  const c = m.call;
  switch (ev.kind) {
    case "call":
      return onCall(m, ev);
    case "accept":
      return c.kind !== "ringingIn" ? stay(m) : to(m, {
        kind: "accepting",
        call: {
          peer: c.peer,
          audioOnly: c.audioOnly,
          direction: "incoming",
          callId: c.callId,
          polite: true,
          outbox: c.outbox,
        },
      }, [
        {
          kind: "send",
          msg: { type: "accept", callId: c.callId },
          ifOffline: "abandon",
        },
        { kind: "startTimer", timer: "offer-wait", ms: OFFER_WAIT_MS },
      ]);
    case "decline":
      return c.kind === "ringingIn" ? decline(m, c) : stay(m);
    case "hangup":
      return onHangup(m);
    case "dismiss":
      return c.kind === "ended" ? to(m, { kind: "idle" }) : stay(m);
    case "dispose":
      return {
        state: { call: { kind: "idle" }, debts: { ...m.debts, deferred: [] } },
        effects: isLive(c) ? [{ kind: "release" }] : [],
      };
    case "ringing":
      return onRinging(m, ev);
    case "incoming":
      return onIncoming(m, ev);
    case "accepted":
      return onAccepted(m, ev);
    case "ended":
      return onEnded(m, ev);
    case "restored":
      return isAccepted(c) && c.call.peer === ev.peer
        ? restored(m, c, ev.callId)
        // Restored a call we no longer have: end it for the peer as well.
        : hangUpStray(m, ev.callId);
    case "negotiation":
      if (!isAccepted(c) || c.call.callId !== ev.callId) return stay(m);
      return to(m, c, [
        { kind: "applyNegotiation", payload: ev.payload },
        ...(ev.payload.description
          ? [{ kind: "clearTimer", timer: "offer-wait" } as const]
          : []),
      ]);
    case "refused":
      if (c.kind !== "dialing" || !CALL_ERRORS.has(ev.code)) return stay(m);
      // `in-call` because their call to us came first: take theirs, since
      // both of us want to talk.
      return c.crossing
        ? takeCrossing(m, c, c.crossing)
        : finish(m, c, "unavailable", false);
    case "welcome":
      return onWelcome(m, ev, onAccepted);
    case "frameUnsent":
      if (ev.msg.type === "call") {
        return c.kind === "dialing" && c.peer === ev.msg.to
          ? finish(m, c, "unavailable", false, [offlineNotice])
          : stay(m);
      }
      return {
        state: {
          ...m,
          debts: { ...m.debts, deferred: [...m.debts.deferred, ev.msg] },
        },
        effects: [],
      };
    case "negotiationUnsent":
      return withOutbox(m, (outbox) => [...ev.payloads, ...outbox]);
    case "mediaOpened":
      if (c.kind === "preparing") return place(m, c, ev.videoProblem);
      return isLive(c) && ev.videoProblem
        ? to(m, c, [{
          kind: "notice",
          tone: "info",
          text: `${ev.videoProblem.text} ${NOT_SEEN_TEXT}`,
        }])
        : stay(m);
    case "mediaFailed":
      return onMediaFailed(m, ev);
    case "localNegotiation":
      return onLocalNegotiation(m, ev);
    case "linkState":
      return onLinkState(m, ev);
    case "iceGaveUp": {
      if (!isLive(c)) return stay(m);
      const callId = callIdOf(c);
      return finish(m, c, "failed", false, [
        {
          kind: "notice",
          tone: "error",
          text: "The connection to the other person was lost.",
        },
        ...(callId
          ? [{ kind: "send", msg: { type: "hangup", callId } } as const]
          : []),
      ]);
    }
    case "offerWaitElapsed":
      // Should the caller's offer never come (a page from before callers
      // offered, or an offer lost with a socket), the callee offers itself:
      // perfect negotiation settles any crossing.
      return c.kind === "accepting" || isAccepted(c)
        ? to(m, c, [{ kind: "fallbackOffer" }])
        : stay(m);
    case "smallStartElapsed":
      return c.kind === "connected" || c.kind === "restoring"
        ? to(m, c, [{ kind: "restoreVideo" }])
        : stay(m);
  }
}

function onCall(m: Machine, ev: Ev<"call">): Step {
  if (isLive(m.call)) {
    return to(m, m.call, [{
      kind: "notice",
      tone: "error",
      text: "Finish the current call first.",
    }]);
  }
  const { peer, audioOnly } = ev;
  return to(m, { kind: "preparing", peer, audioOnly }, [
    { kind: "begin", audioOnly, polite: false },
    { kind: "openMedia" },
  ]);
}

/**
 * Our media is open: ring the peer, as an audio call if our camera is
 * blocked (a missing or busy camera leaves a video call in which we only
 * watch). Either way the person is told why.
 */
function place(
  m: Machine,
  c: Of<"preparing">,
  problem: VideoProblem | null,
): Step {
  const dropped = !!problem?.blocked && !c.audioOnly;
  const told: CallEffect[] = problem && !c.audioOnly
    ? [{
      kind: "notice",
      tone: "info",
      text: `${problem.text} ${dropped ? AUDIO_ONLY_TEXT : NOT_SEEN_TEXT}`,
    }]
    : [];
  if (dropped) told.unshift({ kind: "dropVideo" });
  const audioOnly = c.audioOnly || dropped;
  return to(
    m,
    { kind: "dialing", peer: c.peer, audioOnly, crossing: null, outbox: [] },
    [
      ...told,
      {
        kind: "send",
        msg: { type: "call", to: c.peer, audioOnly },
        ifOffline: "report",
      },
      // The outbox holds the offer until the callee accepts.
      { kind: "prepareOffer" },
    ],
  );
}

function decline(m: Machine, c: Of<"ringingIn">): Step {
  return finish(m, c, "declined", true, [
    { kind: "send", msg: { type: "decline", callId: c.callId } },
  ]);
}

/** Ends whatever is under way: cancel, decline or hang up. */
function onHangup(m: Machine): Step {
  const c = m.call;
  switch (c.kind) {
    case "idle":
    case "ended":
      return stay(m);
    case "ringingIn":
      return decline(m, c);
    case "preparing":
      // Nobody was rung: nothing to tell anyone.
      return finish(m, c, "cancelled", true);
    case "dialing":
    case "ringingOut":
      return cancel(m, c, "cancelled");
    default:
      // Offline: the hang-up waits for the next welcome, or the peer would
      // keep a dead call until the server's grace period ends.
      return finish(m, c, "hangup", true, [{
        kind: "send",
        msg: { type: "hangup", callId: c.call.callId },
        ifOffline: "defer",
      }]);
  }
}

/** Whether `accepted` for `callId` with `peer` is about the call `c`. */
function isOurs(c: Live, callId: string, peer: string): boolean {
  if (c.kind === "preparing") return false;
  if (isAccepted(c)) return c.call.callId === callId;
  const crossing = "crossing" in c ? c.crossing : null;
  return callIdOf(c) === callId || crossing === callId ||
    basics(c).peer === peer;
}

/** The server's `accepted` (also from a welcome that found it active). */
function onAccepted(m: Machine, ev: Omit<Ev<"accepted">, "kind">): Step {
  const c = m.call;
  // Accepted after we gave up on it: end it for the peer too.
  if (!isLive(c) || !isOurs(c, ev.callId, ev.peer)) {
    return hangUpStray(m, ev.callId);
  }
  if (isAccepted(c)) return stay(m);
  const { peer, direction, audioOnly } = basics(c);
  const out = flush({
    peer,
    direction,
    audioOnly,
    callId: ev.callId,
    polite: ev.polite,
    outbox: "call" in c ? c.call.outbox : "outbox" in c ? c.outbox : [],
  });
  return to(m, { kind: "connecting", call: out.call }, [
    { kind: "setPolite", polite: ev.polite },
    // The polite side answers the caller's offer, which follows `accepted`;
    // a server that merged crossing calls may make either side the caller.
    ...(ev.polite
      ? [
        { kind: "connect" } as const,
        { kind: "startTimer", timer: "offer-wait", ms: OFFER_WAIT_MS } as const,
      ]
      : [{ kind: "prepareOffer" } as const]),
    ...out.effects,
  ]);
}

function hangUpStray(m: Machine, callId: string): Step {
  return to(m, m.call, [{ kind: "send", msg: { type: "hangup", callId } }]);
}

function onMediaFailed(m: Machine, ev: Ev<"mediaFailed">): Step {
  const c = m.call;
  if (!isLive(c)) return stay(m);
  const notice: CallEffect = {
    kind: "notice",
    tone: "error",
    text: ev.message,
  };
  // Nothing to call with: ring nobody (or stop ringing). A callee without
  // media can still accept and watch and listen.
  if (c.kind === "preparing") {
    return finish(m, c, "media-error", true, [notice]);
  }
  return c.kind === "dialing" || c.kind === "ringingOut"
    ? cancel(m, c, "media-error", [notice])
    : to(m, c, [notice]);
}

function onLocalNegotiation(m: Machine, ev: Ev<"localNegotiation">): Step {
  const c = m.call;
  if (
    c.kind === "accepting" || c.kind === "connecting" || c.kind === "connected"
  ) {
    const out = flush({ ...c.call, outbox: [...c.call.outbox, ev.payload] });
    return to(m, { ...c, call: out.call }, out.effects);
  }
  return withOutbox(m, (outbox) => [...outbox, ev.payload]);
}

/** The call with its outbox changed by `change`; no effects. */
function withOutbox(
  m: Machine,
  change: (outbox: Agreed["outbox"]) => Agreed["outbox"],
): Step {
  const c = m.call;
  if (!isLive(c) || c.kind === "preparing") return stay(m);
  if ("call" in c) {
    return to(m, { ...c, call: { ...c.call, outbox: change(c.call.outbox) } });
  }
  return to(m, { ...c, outbox: change(c.outbox) });
}

function onLinkState(m: Machine, ev: Ev<"linkState">): Step {
  const c = m.call;
  const up = ev.state === "connected" || ev.state === "completed";
  const waiting = c.kind === "connecting" ||
    (c.kind === "restoring" && c.connectedAt === null);
  if (!up || !waiting) return stay(m);
  const next: CallState = c.kind === "restoring"
    ? { ...c, connectedAt: ev.at }
    : { kind: "connected", call: c.call, connectedAt: ev.at };
  return to(m, next, [
    { kind: "startTimer", timer: "small-start", ms: SMALL_START_MS },
  ]);
}
