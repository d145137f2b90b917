/**
 * The call machine, state by event: for every state kind and every event
 * kind, the table says which state comes next and which effects (by kind)
 * are asked for, or that the event is ignored (same state, no effects).
 * Adding a state or event kind without rows fails here (and `KINDS_LISTED`
 * does not compile until the kind is listed).
 */
import assert from "node:assert/strict";
import {
  AUDIO_ONLY_TEXT,
  type CallEffect,
  EVENT_KINDS,
  INITIAL,
  KINDS_LISTED,
  type Machine,
  NOT_SEEN_TEXT,
  OFFER_WAIT_MS,
  OFFLINE_TEXT,
  STATE_KINDS,
  step,
  takesCrossingOnRefusal,
} from "../../client/call/machine.ts";
import {
  type EventKind,
  EVENTS,
  machineIn,
  type StateKind,
  STATES,
} from "./call_machine_samples.ts";

/** The event changes nothing and asks for nothing. */
const IGNORED = "ignored";
/** In a row, the state kind it started from. */
const SAME = "=";
/** The next state's kind, then the kinds of the effects, in order. */
type Row =
  | typeof IGNORED
  | [StateKind | typeof SAME, ...CallEffect["kind"][]];
type Rows = Record<EventKind, Row>;

/** No call: idle, or ended. */
const NO_CALL: Rows = {
  call: ["preparing", "begin", "openMedia"],
  accept: IGNORED,
  decline: IGNORED,
  hangup: IGNORED,
  dismiss: IGNORED,
  dispose: ["idle"],
  ringing: IGNORED,
  incoming: ["ringingIn", "begin", "openMedia", "prepareAnswer"],
  // Accepted or restored after we gave up on it: ended for the peer too.
  accepted: [SAME, "send"],
  ended: IGNORED,
  restored: [SAME, "send"],
  negotiation: IGNORED,
  refused: IGNORED,
  // Forgets the hang-ups owed (none here).
  welcome: [SAME],
  frameUnsent: [SAME],
  negotiationUnsent: IGNORED,
  mediaOpened: IGNORED,
  mediaFailed: IGNORED,
  localNegotiation: IGNORED,
  linkState: IGNORED,
  iceGaveUp: IGNORED,
  offerWaitElapsed: IGNORED,
  smallStartElapsed: IGNORED,
};

/** What every call under way does alike. */
const UNDER_WAY = {
  call: [SAME, "notice"],
  dismiss: IGNORED,
  dispose: ["idle", "release"],
  ringing: IGNORED,
  // From bob, call c2: declined while busy with another call id.
  incoming: [SAME, "send"],
  // A welcome after a restart: only an accepted call survives.
  welcome: ["ended", "release"],
  frameUnsent: [SAME],
  negotiationUnsent: [SAME],
  mediaOpened: [SAME, "notice"],
  mediaFailed: [SAME, "notice"],
  localNegotiation: [SAME],
  linkState: IGNORED,
  iceGaveUp: ["ended", "notice", "send", "release"],
  offerWaitElapsed: IGNORED,
  smallStartElapsed: IGNORED,
} satisfies Partial<Rows>;

/** Before the server's `accepted`. */
const NOT_ACCEPTED = {
  ...UNDER_WAY,
  accept: IGNORED,
  decline: IGNORED,
  accepted: ["connecting", "setPolite", "prepareOffer"],
  ended: ["ended", "release"],
  restored: [SAME, "send"],
  negotiation: IGNORED,
  refused: IGNORED,
} satisfies Partial<Rows>;

/** Accepted by the server: connecting, connected, restoring. */
const ACCEPTED: Rows = {
  ...UNDER_WAY,
  accept: IGNORED,
  decline: IGNORED,
  hangup: ["ended", "send", "release"],
  accepted: IGNORED,
  ended: ["ended", "release"],
  restored: [SAME],
  negotiation: [SAME, "applyNegotiation", "clearTimer"],
  refused: IGNORED,
  welcome: ["restoring"],
  localNegotiation: [SAME, "sendNegotiation"],
  offerWaitElapsed: [SAME, "fallbackOffer"],
};

const TABLE: Record<StateKind, Rows> = {
  idle: NO_CALL,
  preparing: {
    ...NOT_ACCEPTED,
    // Nobody was rung: nothing to tell anyone.
    hangup: ["ended", "release"],
    // bob rings us meanwhile: his call is taken at once.
    incoming: ["accepting", "setPolite", "send", "startTimer"],
    // Accepted before we placed anything: not ours, ended for the peer.
    accepted: [SAME, "send"],
    ended: IGNORED,
    // Nothing of ours was on the server to lose (hang-ups owed are settled).
    welcome: [SAME],
    negotiationUnsent: IGNORED,
    localNegotiation: IGNORED,
    // The camera could not be used: an audio call, and the person told why.
    mediaOpened: ["dialing", "dropVideo", "notice", "send", "prepareOffer"],
    mediaFailed: ["ended", "notice", "release"],
    iceGaveUp: ["ended", "notice", "release"],
  },
  dialing: {
    ...NOT_ACCEPTED,
    // The server has not named the call: cancelled once it does.
    hangup: ["ended", "release"],
    ringing: ["ringingOut"],
    // Crossing calls wait for our call's id to be settled.
    incoming: [SAME],
    refused: ["ended", "release"],
    mediaFailed: ["ended", "notice", "release"],
    iceGaveUp: ["ended", "notice", "release"],
  },
  ringingOut: {
    ...NOT_ACCEPTED,
    hangup: ["ended", "send", "release"],
    // alice sorts before bob: she takes his call and cancels hers.
    incoming: ["accepting", "setPolite", "send", "startTimer", "send"],
    accepted: ["connecting", "setPolite", "prepareOffer", "sendNegotiation"],
    mediaFailed: ["ended", "notice", "send", "release"],
  },
  ringingIn: {
    ...NOT_ACCEPTED,
    accept: ["accepting", "send", "startTimer"],
    decline: ["ended", "send", "release"],
    hangup: ["ended", "send", "release"],
  },
  accepting: {
    ...NOT_ACCEPTED,
    hangup: ["ended", "send", "release"],
    localNegotiation: [SAME, "sendNegotiation"],
    offerWaitElapsed: [SAME, "fallbackOffer"],
  },
  connecting: { ...ACCEPTED, linkState: ["connected", "startTimer"] },
  connected: { ...ACCEPTED, smallStartElapsed: [SAME, "restoreVideo"] },
  restoring: {
    ...ACCEPTED,
    restored: ["connected"],
    welcome: [SAME],
    // Signals wait for `call-restored`.
    localNegotiation: [SAME],
    smallStartElapsed: [SAME, "restoreVideo"],
  },
  ended: { ...NO_CALL, dismiss: ["idle"] },
};

Deno.test("the table has a row for every state kind and every event kind, and no others", () => {
  assert.equal(KINDS_LISTED, true);
  assert.deepEqual(Object.keys(TABLE).sort(), [...STATE_KINDS].sort());
  assert.deepEqual(Object.keys(STATES).sort(), [...STATE_KINDS].sort());
  assert.deepEqual(Object.keys(EVENTS).sort(), [...EVENT_KINDS].sort());
  for (const s of STATE_KINDS) {
    assert.deepEqual(Object.keys(TABLE[s]).sort(), [...EVENT_KINDS].sort(), s);
    assert.equal(STATES[s].kind, s);
  }
  for (const e of EVENT_KINDS) assert.equal(EVENTS[e].kind, e);
});

for (const s of STATE_KINDS) {
  Deno.test(`in ${s}, every event goes where the table says`, () => {
    for (const e of EVENT_KINDS) {
      const before = machineIn(s);
      const copy = structuredClone(before);
      const { state, effects } = step(before, EVENTS[e]);
      const row = TABLE[s][e];
      assert.deepEqual(before, copy, `${s} + ${e}: the input is not changed`);
      if (row === IGNORED) {
        assert.equal(state, before, `${s} + ${e}: ignored`);
        assert.deepEqual(effects, [], `${s} + ${e}: ignored`);
        continue;
      }
      const [next, ...kinds] = row;
      const expected = next === SAME ? s : next;
      assert.equal(state.call.kind, expected, `${s} + ${e}: next state`);
      assert.deepEqual(effects.map((x) => x.kind), kinds, `${s} + ${e}`);
    }
  });
}

Deno.test("a frame that must leave for a step to happen is always the step's first effect", () => {
  for (const s of STATE_KINDS) {
    for (const e of EVENT_KINDS) {
      const { effects } = step(machineIn(s), EVENTS[e]);
      effects.forEach((x, i) => {
        if (x.kind === "send" && x.ifOffline === "abandon") {
          assert.equal(i, 0, `${s} + ${e}`);
        }
      });
    }
  }
});

/** Runs `events` from `m`, returning the last step and all effects. */
function run(m: Machine, ...events: Parameters<typeof step>[1][]) {
  let state = m;
  const all: CallEffect[] = [];
  for (const ev of events) {
    const next = step(state, ev);
    state = next.state;
    all.push(...next.effects);
  }
  return { state, effects: all };
}

const sends = (effects: CallEffect[]) =>
  effects.flatMap((x) => x.kind === "send" ? [x.msg] : []);

Deno.test("the caller's offer waits in the outbox until accepted, then leaves with the callee's role", () => {
  const payload = { description: { type: "offer" as const, sdp: "o" } };
  const { state, effects } = run(
    INITIAL,
    EVENTS.call,
    { kind: "mediaOpened", videoProblem: null },
    EVENTS.ringing,
    { kind: "localNegotiation", payload },
  );
  assert.equal(state.call.kind, "ringingOut");
  assert.equal(effects.filter((x) => x.kind === "sendNegotiation").length, 0);
  const accepted = step(state, EVENTS.accepted);
  assert.equal(accepted.state.call.kind, "connecting");
  assert.deepEqual(accepted.effects.at(-1), {
    kind: "sendNegotiation",
    callId: "c1",
    payloads: [payload],
  });
});

Deno.test("the callee who accepts waits OFFER_WAIT_MS for the caller's offer before offering itself", () => {
  const { effects } = step(machineIn("ringingIn"), EVENTS.accept);
  assert.deepEqual(effects[1], {
    kind: "startTimer",
    timer: "offer-wait",
    ms: OFFER_WAIT_MS,
  });
});

Deno.test("calls that cross: the later name keeps ringing and forgets the other call once it ends", () => {
  const ringing = step(machineIn("dialing"), { ...EVENTS.ringing, me: "zoe" });
  const crossed = step(ringing.state, { ...EVENTS.incoming, me: "zoe" });
  assert.equal(crossed.state.call.kind, "ringingOut");
  assert.deepEqual(crossed.effects, []);
  const gone = step(crossed.state, {
    kind: "ended",
    callId: "c2",
    reason: "cancelled",
    peer: "bob",
  });
  assert.deepEqual(gone.state.call, { ...ringing.state.call });
});

Deno.test("calls that cross: busy for ours while theirs rings makes us accept theirs", () => {
  const { state, effects } = run(
    machineIn("dialing"),
    EVENTS.incoming,
    { kind: "ended", callId: "c9", reason: "busy", peer: "bob" },
  );
  assert.equal(state.call.kind, "accepting");
  assert.deepEqual(sends(effects), [{ type: "accept", callId: "c2" }]);
});

Deno.test("a call to someone reconnecting ends with reconnecting, fresh call id and all", () => {
  for (const kind of ["dialing", "ringingOut"] as const) {
    const { state, effects } = step(machineIn(kind), {
      kind: "ended",
      callId: "fresh",
      reason: "reconnecting",
      peer: "bob",
    });
    assert.equal(state.call.kind, "ended", kind);
    assert.equal(
      state.call.kind === "ended" && state.call.reason,
      "reconnecting",
    );
    assert.deepEqual(sends(effects), [], "nothing to tell the server");
  }
});

Deno.test("a page reloaded in a call rejoins the call the server kept, and offers whatever its role", () => {
  for (const polite of [true, false]) {
    const held = {
      callId: "c7",
      peer: "bob",
      polite,
      state: "active" as const,
    };
    const { state, effects } = step(INITIAL, {
      kind: "welcome",
      resumed: true,
      held,
    });
    assert.deepEqual(state.call, {
      kind: "connecting",
      call: {
        peer: "bob",
        audioOnly: false,
        direction: polite ? "incoming" : "outgoing",
        callId: "c7",
        polite,
        outbox: [],
      },
    });
    assert.deepEqual(effects.map((e) => e.kind), [
      "begin",
      "openMedia",
      "prepareOffer",
      "notice",
    ]);
    assert.deepEqual(effects[0], { kind: "begin", audioOnly: false, polite });
  }
  // An audio-only call comes back audio-only.
  const audio = step(INITIAL, {
    kind: "welcome",
    resumed: true,
    held: { callId: "c7", peer: "bob", polite: true, audioOnly: true },
  });
  assert.equal(audio.state.call.kind, "idle", "not active: not rejoined");
  const active = step(INITIAL, {
    kind: "welcome",
    resumed: true,
    held: {
      callId: "c7",
      peer: "bob",
      polite: true,
      state: "active",
      audioOnly: true,
    },
  });
  assert.deepEqual(active.effects[0], {
    kind: "begin",
    audioOnly: true,
    polite: true,
  });
  // A call this page ended (not a reloaded page's) is not rejoined: it is
  // hung up for the peer.
  const ended = step(machineIn("ended"), {
    kind: "welcome",
    resumed: true,
    held: { callId: "c7", peer: "bob", polite: true, state: "active" },
  });
  assert.equal(ended.state.call.kind, "ended");
  assert.deepEqual(sends(ended.effects), [{ type: "hangup", callId: "c7" }]);
});

Deno.test("a claimed call the peer never restores ends as not-restored", () => {
  const { state } = step(machineIn("restoring"), EVENTS.ended);
  assert.equal(
    state.call.kind === "ended" && state.call.reason,
    "not-restored",
  );
});

Deno.test("a resumed welcome brings a restoring call back and sends what waited", () => {
  const payload = { candidate: null };
  const { state, effects } = run(
    machineIn("connected"),
    EVENTS.welcome,
    { kind: "localNegotiation", payload },
    { kind: "welcome", resumed: true, held: null },
  );
  assert.equal(state.call.kind, "connected");
  assert.deepEqual(effects.at(-1), {
    kind: "sendNegotiation",
    callId: "c1",
    payloads: [payload],
  });
});

Deno.test("a resumed welcome that finds our ringing call active treats it as accepted", () => {
  const { state } = step(machineIn("accepting"), {
    kind: "welcome",
    resumed: true,
    held: { callId: "c1", peer: "bob", polite: true, state: "active" },
  });
  assert.equal(state.call.kind, "connecting");
});

Deno.test("a hang-up that could not leave is sent after the next resumed welcome, and only once", () => {
  const hungUp = step(machineIn("connected"), EVENTS.hangup);
  const msg = sends(hungUp.effects)[0];
  const owed = step(hungUp.state, { kind: "frameUnsent", msg });
  const back = step(owed.state, {
    kind: "welcome",
    resumed: true,
    held: { callId: "c1", peer: "bob", polite: false },
  });
  assert.deepEqual(sends(back.effects), [{ type: "hangup", callId: "c1" }]);
  assert.deepEqual(back.state.debts.deferred, []);
});

Deno.test("a ring cancelled before the server named it is cancelled when it does", () => {
  const cancelled = step(machineIn("dialing"), EVENTS.hangup);
  assert.equal(cancelled.state.debts.cancelOnRinging, "bob");
  const named = step(cancelled.state, EVENTS.ringing);
  assert.deepEqual(sends(named.effects), [{ type: "cancel", callId: "c1" }]);
  assert.equal(named.state.debts.cancelOnRinging, null);
});

Deno.test("a refusal is taken as a crossing call only while dialing someone whose call to us rings", () => {
  const cases: [StateKind, boolean, string, boolean][] = [
    ["dialing", true, "in-call", true],
    ["dialing", true, "unknown-user", true],
    ["dialing", false, "in-call", false],
    ["dialing", true, "bad-message", false],
    ["ringingOut", true, "in-call", false],
    ["idle", false, "in-call", false],
  ];
  for (const [kind, crossing, code, taken] of cases) {
    const m = machineIn(kind);
    const call = m.call.kind === "dialing"
      ? { ...m.call, crossing: crossing ? "bob" : null }
      : m.call;
    assert.equal(
      takesCrossingOnRefusal({ ...m, call }, code),
      taken,
      `${kind} ${crossing ? "crossing" : "alone"} ${code}`,
    );
  }
});

Deno.test("a caller's media opens before anyone is rung, and then the call frame leaves", () => {
  const calling = step(INITIAL, EVENTS.call);
  assert.deepEqual(sends(calling.effects), []);
  const placed = step(calling.state, {
    kind: "mediaOpened",
    videoProblem: null,
  });
  assert.equal(placed.state.call.kind, "dialing");
  assert.deepEqual(sends(placed.effects), [
    { type: "call", to: "bob", audioOnly: false },
  ]);
});

Deno.test("a blocked camera makes a video call an audio call before anyone is rung, and says which device and why", () => {
  const blocked = "Camera access is blocked for this site.";
  const { state, effects } = run(INITIAL, EVENTS.call, {
    kind: "mediaOpened",
    videoProblem: { text: blocked, blocked: true },
  });
  assert.equal(state.call.kind, "dialing");
  assert.equal(state.call.kind === "dialing" && state.call.audioOnly, true);
  assert.deepEqual(sends(effects), [
    { type: "call", to: "bob", audioOnly: true },
  ]);
  assert.ok(effects.some((x) => x.kind === "dropVideo"));
  const notice = effects.find((x) => x.kind === "notice");
  assert.equal(
    notice?.kind === "notice" && notice.text,
    `${blocked} ${AUDIO_ONLY_TEXT}`,
  );
});

Deno.test("a missing camera leaves a video call in which we only watch, and says so", () => {
  const missing = "No camera was found.";
  const { state, effects } = run(INITIAL, EVENTS.call, {
    kind: "mediaOpened",
    videoProblem: { text: missing, blocked: false },
  });
  assert.deepEqual(sends(effects), [
    { type: "call", to: "bob", audioOnly: false },
  ]);
  assert.equal(state.call.kind === "dialing" && state.call.audioOnly, false);
  assert.ok(!effects.some((x) => x.kind === "dropVideo"));
  const notice = effects.find((x) => x.kind === "notice");
  assert.equal(
    notice?.kind === "notice" && notice.text,
    `${missing} ${NOT_SEEN_TEXT}`,
  );
});

Deno.test("a blocked microphone rings nobody: no frame leaves, and the call ends with the reason", () => {
  const { state, effects } = run(INITIAL, EVENTS.call, {
    kind: "mediaFailed",
    message: "Microphone access is blocked for this site.",
  });
  assert.deepEqual(sends(effects), []);
  assert.equal(state.call.kind === "ended" && state.call.reason, "media-error");
});

Deno.test("a call that rings us while our media opens is taken at once instead of placing ours", () => {
  const ringing = run(INITIAL, EVENTS.call, EVENTS.incoming);
  assert.equal(ringing.state.call.kind, "accepting");
  assert.deepEqual(sends(ringing.effects), [{ type: "accept", callId: "c2" }]);
  // Our media, once open, places nothing more.
  const opened = step(ringing.state, {
    kind: "mediaOpened",
    videoProblem: null,
  });
  assert.deepEqual(sends(opened.effects), []);
  assert.equal(opened.state.call.kind, "accepting");
});

Deno.test("a call frame that cannot reach the server ends the call as unavailable, with the reason", () => {
  const { state, effects } = step(machineIn("dialing"), {
    kind: "frameUnsent",
    msg: { type: "call", to: "bob", audioOnly: false },
  });
  assert.equal(state.call.kind === "ended" && state.call.reason, "unavailable");
  assert.ok(
    effects.some((x) => x.kind === "notice" && x.text === OFFLINE_TEXT),
  );
});
