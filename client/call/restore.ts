/**
 * The call machine's answer to a `welcome` after the signaling socket came
 * back. Media is peer-to-peer, so a call is never torn down because the
 * socket blinked: with `resumed` the server kept our session and any call;
 * without (a restart) it knows nothing of us, so a ringing call is gone and
 * an accepted one, claimed in the login, waits for `call-restored`. A page
 * reloaded during a call has none, and rejoins the one the server kept.
 */
import {
  basics,
  finish,
  flush,
  isAccepted,
  isLive,
  restored,
  stay,
  to,
} from "./shape.ts";
import type { CallEffect, CallEvent, Machine, Step } from "./states.ts";

type Welcome = Extract<CallEvent, { kind: "welcome" }>;
type Accept = (
  m: Machine,
  ev: { callId: string; peer: string; polite: boolean },
) => Step;

/** Advances a welcome; `accept` is the machine's own `accepted` step. */
export function onWelcome(m: Machine, ev: Welcome, accept: Accept): Step {
  const deferred = m.debts.deferred;
  const settled = { ...m, debts: { ...m.debts, deferred: [] } };
  if (!ev.resumed) return afterRestart(settled);
  const sent: CallEffect[] = deferred.map((msg) => ({ kind: "send", msg }));
  const next = resumed(settled, ev.held, deferred, accept);
  return { state: next.state, effects: [...sent, ...next.effects] };
}

/**
 * An accepted call the server kept for this session while the page
 * reloaded: new media and a new peer connection, which offers whatever
 * our role, because only a new offer tells the peer to replace its
 * connection (its runner sees an SDP of another session).
 */
export function rejoin(
  m: Machine,
  held: NonNullable<Welcome["held"]>,
): Step {
  const audioOnly = held.audioOnly === true;
  return to(m, {
    kind: "connecting",
    call: {
      peer: held.peer,
      audioOnly,
      direction: held.polite ? "incoming" : "outgoing",
      callId: held.callId,
      polite: held.polite,
      outbox: [],
    },
  }, [
    { kind: "begin", audioOnly, polite: held.polite },
    { kind: "openMedia" },
    { kind: "prepareOffer" },
    {
      kind: "notice",
      tone: "info",
      text: `Back in your call with ${held.peer}.`,
    },
  ]);
}

/** The server lost everything: only an accepted call can be claimed back. */
function afterRestart(m: Machine): Step {
  const c = m.call;
  if (!isLive(c)) return stay(m);
  if (c.kind === "restoring") return stay(m);
  // Nobody rung yet: nothing of ours was on the server.
  if (c.kind === "preparing") return stay(m);
  if (isAccepted(c)) {
    const connectedAt = c.kind === "connected" ? c.connectedAt : null;
    return to(m, { kind: "restoring", call: c.call, connectedAt });
  }
  return finish(m, c, "interrupted", false);
}

/** The server kept our session (and `held`, the call it still knows). */
function resumed(
  m: Machine,
  held: Welcome["held"],
  deferred: Machine["debts"]["deferred"],
  accept: Accept,
): Step {
  const c = m.call;
  if (!isLive(c)) {
    const callId = held?.callId;
    const told = deferred.some((msg) =>
      msg.type === "hangup" && msg.callId === callId
    );
    if (!callId || told) return stay(m);
    // A page that never had the call (reloaded during it) takes it back.
    if (c.kind === "idle" && held?.state === "active") return rejoin(m, held);
    // We ended it while away: end it for the peer.
    return to(m, c, [{ kind: "send", msg: { type: "hangup", callId } }]);
  }
  if (c.kind === "preparing") return stay(m);
  const same = held && held.peer === basics(c).peer ? held : null;
  if (isAccepted(c)) return restored(m, c, same?.callId);
  if (same?.state === "active") {
    // Accepted while we were away, and the `accepted` frame went down with
    // the old socket (a queued one arriving later is ignored).
    return accept(m, same);
  }
  if (same && c.kind === "dialing") {
    const ringing: Machine["call"] = {
      kind: "ringingOut",
      peer: c.peer,
      audioOnly: c.audioOnly,
      callId: same.callId,
      crossing: c.crossing,
      outbox: c.outbox,
    };
    return to(m, ringing);
  }
  if (c.kind !== "accepting") return stay(m);
  // Signals held while the socket was down go now.
  const out = flush(c.call);
  return to(m, { ...c, call: out.call }, out.effects);
}
