/**
 * Calls that survive bad networks, at the session level: reconnect status,
 * resume tokens (also across a reload), call claims after a server restart,
 * held signals, refreshed TURN credentials and quality sampling.
 */
import assert from "node:assert/strict";
import { HOLD_VIEW_MS } from "../../client/call.ts";
import type { ClientMessage } from "../../client/protocol.ts";
import { relayForced } from "../../client/browser_session.ts";
import { loadSavedSession } from "../../client/saved_session.ts";
import { REPLACED_CLOSE_CODE } from "../../client/relay_client.ts";
import {
  FakeClock,
  FakePeerConnection,
  FakeSocket,
  MemoryStore,
  settle,
} from "./fakes.ts";
import { fakeSession } from "./fake_session.ts";
import { chromiumReport } from "./stats_fixtures.ts";

function setup(store = new MemoryStore()) {
  const clock = new FakeClock();
  clock.time = 1_764_000_000_000;
  const { session, socket, state } = fakeSession(clock, {
    storage: store,
    qualityIntervalMs: 1500,
  });
  const sent = () => socket().sent as ClientMessage[];
  const pc = () => FakePeerConnection.instances.at(-1)!;
  return { session, clock, socket, sent, pc, store, state };
}

function welcome(extra: Record<string, unknown> = {}) {
  return {
    type: "welcome",
    name: "ann",
    renamed: false,
    room: "r",
    users: [{ name: "bob", state: "available" }],
    iceServers: [],
    resume: "tok-1",
    ...extra,
  };
}

/** Logged in as ann, in a connected call with bob (ann called). */
async function inCall(t = setup(), welcomeExtra = {}) {
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome(welcomeExtra));
  t.session.call("bob");
  t.socket().receive({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  t.socket().receive({
    type: "accepted",
    callId: "c1",
    peer: "bob",
    polite: false,
  });
  await settle(40);
  // ann's offer, made while it rang, left on accepted; bob answers.
  assert.ok(
    t.sent().some((m) =>
      m.type === "signal" && m.description?.type === "offer"
    ),
  );
  t.socket().receive({
    type: "signal",
    callId: "c1",
    description: { type: "answer", sdp: "answer-1" },
  });
  await settle(40);
  assert.equal(t.pc().signalingState, "stable");
  t.pc().setIceState("connected");
  assert.equal(t.state.call.value.phase, "connected");
  return t;
}

/** Drops the socket and lets the first retry open a new one. */
function dropAndReopen(t: ReturnType<typeof setup>) {
  t.socket().drop(1006);
  assert.equal(t.state.relayStatus.value, "reconnecting");
  t.clock.tick(1000);
  t.socket().open();
}

Deno.test("after a drop the status says reconnecting until the server welcomes us back", () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome());
  assert.equal(t.state.relayStatus.value, "connected");
  dropAndReopen(t);
  // Open again, but not logged in yet: still reconnecting, not "connecting".
  assert.equal(t.state.relayStatus.value, "reconnecting");
  t.socket().receive(welcome({ resumed: true, resume: "tok-2" }));
  assert.equal(t.state.relayStatus.value, "connected");
  t.session.close();
});

Deno.test("the login after a drop during a call carries the resume token and claims the call", async () => {
  const t = await inCall();
  dropAndReopen(t);
  assert.deepEqual(t.sent(), [{
    type: "login",
    name: "ann",
    resume: "tok-1",
    // ann called, so she is the impolite one; a restored call keeps that.
    call: { callId: "c1", peer: "bob", polite: false },
  }]);
  t.session.close();
});

Deno.test("a resumed session keeps the call and its connection, sends held signals, and says nothing about the name", async () => {
  const t = await inCall();
  const pc = t.pc();
  t.socket().drop(1006);
  // An ICE candidate found while the socket is down waits.
  pc.gather("while-down");
  t.clock.tick(1000);
  t.socket().open();
  t.socket().receive(welcome({
    resumed: true,
    resume: "tok-2",
    call: { callId: "c1", peer: "bob", polite: false },
  }));
  assert.equal(t.state.call.value.phase, "connected");
  assert.equal(t.pc(), pc);
  assert.equal(pc.closed, false);
  assert.deepEqual(t.sent().at(-1), {
    type: "signal",
    callId: "c1",
    candidate: { candidate: "while-down", sdpMid: "0", sdpMLineIndex: 0 },
  });
  assert.equal(t.state.me.value, "ann");
  assert.deepEqual(t.state.notices.value, []);
  t.session.close();
});

Deno.test("after a server restart the call stays up and signals wait for call-restored", async () => {
  const t = await inCall();
  const pc = t.pc();
  dropAndReopen(t);
  t.socket().receive(welcome({ resumed: false, resume: "new-1" }));
  assert.equal(t.state.call.value.phase, "connected");
  // An ICE restart's offer would be refused before the call is restored.
  pc.setIceState("failed");
  await settle();
  assert.ok(t.sent().every((m) => m.type !== "signal"));
  t.socket().receive({ type: "call-restored", callId: "c1", peer: "bob" });
  const signals = t.sent().filter((m) => m.type === "signal");
  assert.equal(signals.length, 1);
  assert.equal(
    (signals[0] as { description?: { type: string } }).description?.type,
    "offer",
  );
  assert.equal(t.state.call.value.phase, "connected");
  t.session.close();
});

Deno.test("a claimed call the peer never restores ends with a clear sentence", async () => {
  const t = await inCall();
  dropAndReopen(t);
  t.socket().receive(welcome({ resumed: false, resume: "new-1" }));
  t.socket().receive({
    type: "ended",
    callId: "c1",
    reason: "peer-left",
    peer: "bob",
  });
  assert.equal(t.state.call.value.phase, "ended");
  assert.equal(t.state.call.value.endReason, "not-restored");
  assert.equal(
    t.state.notices.value.at(-1)?.text,
    "The connection to the server was lost and bob did not reconnect, so the call ended.",
  );
  assert.equal(t.pc().closed, true);
  t.session.close();
});

Deno.test("peer-left without a restart still reads as the peer leaving", async () => {
  const t = await inCall();
  t.socket().receive({
    type: "ended",
    callId: "c1",
    reason: "peer-left",
    peer: "bob",
  });
  assert.equal(t.state.call.value.endReason, "peer-left");
  t.session.close();
});

Deno.test("a call still ringing when the server restarted ends as interrupted", async () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome());
  t.session.call("bob");
  t.socket().receive({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  dropAndReopen(t);
  // Nothing to claim: the call was never accepted.
  assert.equal((t.sent()[0] as { call?: unknown }).call, undefined);
  t.socket().receive(welcome({ resumed: false, resume: "new-1" }));
  assert.equal(t.state.call.value.phase, "ended");
  assert.equal(t.state.call.value.endReason, "interrupted");
  assert.match(t.state.notices.value.at(-1)!.text, /Please call again/);
  t.session.close();
});

Deno.test("a call ringing when the socket dropped keeps ringing after a resume", async () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome());
  t.session.call("bob");
  t.socket().receive({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  dropAndReopen(t);
  t.socket().receive(welcome({
    resumed: true,
    resume: "tok-2",
    call: { callId: "c1", peer: "bob", polite: false, state: "ringing" },
  }));
  assert.equal(t.state.call.value.phase, "outgoing");
  // bob answers; the queued `accepted` arrives after the welcome.
  t.socket().receive({
    type: "accepted",
    callId: "c1",
    peer: "bob",
    polite: false,
  });
  await settle();
  // Drawn once bob's offer is answered, or after HOLD_VIEW_MS without one.
  t.clock.tick(HOLD_VIEW_MS);
  assert.equal(t.state.call.value.phase, "connecting");
  t.session.close();
});

Deno.test("a call the server says is active although our 'accepted' was lost with the old socket connects", async () => {
  const t = setup();
  t.session.join("bob");
  t.socket().open();
  t.socket().receive(welcome({ name: "bob", users: [] }));
  t.socket().receive({
    type: "incoming",
    callId: "c9",
    from: "ann",
    audioOnly: false,
  });
  await settle();
  t.session.accept();
  assert.equal(t.sent().at(-1)?.type, "accept");
  t.socket().drop(1006);
  t.clock.tick(1000);
  t.socket().open();
  t.socket().receive(welcome({
    name: "bob",
    users: [],
    resumed: true,
    resume: "tok-2",
    call: { callId: "c9", peer: "ann", polite: true, state: "active" },
  }));
  assert.equal(FakePeerConnection.instances.length, 1);
  // The caller's offer, queued by the server, is answered.
  t.socket().receive({
    type: "signal",
    callId: "c9",
    description: { type: "offer", sdp: "offer-1" },
  });
  await settle(40);
  assert.equal(FakePeerConnection.instances[0].signalingState, "stable");
  const last = t.sent().at(-1);
  assert.equal(last?.type === "signal" && last.description?.type, "answer");
  // The session claims the call: the next login carries it.
  dropAndReopen(t);
  const login = t.sent()[0] as { call?: { callId: string } };
  assert.equal(login.call?.callId, "c9");
  t.session.close();
});

Deno.test("a hang-up made while offline reaches the server once the session is resumed", async () => {
  const t = await inCall();
  t.socket().drop(1006);
  t.session.hangUp();
  assert.equal(t.state.call.value.phase, "ended");
  t.clock.tick(1000);
  t.socket().open();
  // Not claimed any more: it is over on this side.
  assert.equal((t.sent()[0] as { call?: unknown }).call, undefined);
  t.socket().receive(welcome({
    resumed: true,
    resume: "tok-2",
    call: { callId: "c1", peer: "bob", polite: false },
  }));
  assert.deepEqual(
    t.sent().filter((m) => m.type === "hangup"),
    [{ type: "hangup", callId: "c1" }],
  );
  t.session.close();
});

Deno.test("a reload joins again by itself under the saved name, with the saved token", () => {
  const store = new MemoryStore();
  const first = setup(store);
  first.session.join("ann");
  first.socket().open();
  first.socket().receive(welcome({ resume: "tok-7" }));
  // The page goes away without closing (a crash or a reload while offline).
  const second = setup(store);
  assert.equal(second.session.resumeSaved(), true);
  second.socket().open();
  assert.deepEqual(second.sent(), [{
    type: "login",
    name: "ann",
    resume: "tok-7",
  }]);
  first.session.close();
  second.session.close();
});

Deno.test("a new tab with a copied store joins under the name but without the token", () => {
  const store = new MemoryStore();
  const first = setup(store);
  first.session.join("ann");
  first.socket().open();
  first.socket().receive(welcome({ resume: "tok-7" }));
  const copy = setup(store);
  copy.session.resumeSaved({ withToken: false });
  copy.socket().open();
  assert.deepEqual(copy.sent(), [{ type: "login", name: "ann" }]);
  first.session.close();
  copy.session.close();
});

Deno.test("with nothing saved no login happens by itself", () => {
  const t = setup();
  assert.equal(t.session.resumeSaved(), false);
  assert.equal(FakeSocket.instances.length, 0);
});

Deno.test("a refused name is forgotten so the next reload shows the form", () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome());
  assert.ok(loadSavedSession(t.store, "r"));
  t.socket().receive({ type: "error", code: "bad-name", message: "no" });
  assert.equal(loadSavedSession(t.store, "r"), null);
  t.session.close();
});

Deno.test("a socket replaced by another tab stops reconnecting and says why", () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome());
  t.socket().drop(REPLACED_CLOSE_CODE);
  assert.equal(t.state.relayStatus.value, "offline");
  assert.match(t.state.notices.value.at(-1)!.text, /another tab/);
  t.clock.tick(120_000);
  assert.equal(FakeSocket.instances.length, 1);
  t.session.close();
});

function turnServers(expiresAtMs: number, name = "ann"): RTCIceServer[] {
  return [{
    urls: ["turn:127.0.0.1:3478"],
    username: `${Math.floor(expiresAtMs / 1000)}:${name}`,
    credential: "x",
  }];
}

Deno.test("a call that starts on credentials near expiry asks for fresh ones and the connection uses them", async () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  const soon = t.clock.now() + 60_000;
  t.socket().receive(welcome({ iceServers: turnServers(soon) }));
  t.session.call("bob");
  assert.deepEqual(t.sent().filter((m) => m.type === "ice-servers"), [
    { type: "ice-servers" },
  ]);
  t.socket().receive({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  const pc = t.pc();
  const fresh = turnServers(t.clock.now() + 3_600_000);
  t.socket().receive({ type: "ice-servers", iceServers: fresh });
  // The connection built while ringing switches to the fresh credentials.
  assert.deepEqual(pc.configurations.at(-1)?.iceServers, fresh);
  t.session.close();
});

Deno.test("a call soon after the welcome does not ask for servers", () => {
  const t = setup();
  t.session.join("ann");
  t.socket().open();
  t.socket().receive(welcome({
    iceServers: turnServers(t.clock.now() + 3_600_000),
  }));
  t.clock.tick(60_000);
  t.session.call("bob");
  assert.equal(t.sent().filter((m) => m.type === "ice-servers").length, 0);
  t.session.close();
});

Deno.test("during a long call credentials are refreshed five minutes before they expire", async () => {
  const t = setup();
  const hour = 3_600_000;
  await inCall(t, { iceServers: turnServers(t.clock.now() + hour) });
  const asked = () => t.sent().filter((m) => m.type === "ice-servers").length;
  // A live server answers the heartbeat; time passes in 5 s steps.
  const pass = (ms: number) => {
    for (let left = ms; left > 0; left -= 5000) {
      t.clock.tick(Math.min(5000, left));
      t.socket().receive({ type: "pong" });
    }
  };
  pass(hour - 5 * 60_000 - 1000);
  assert.equal(FakeSocket.instances.length, 1);
  assert.equal(asked(), 0);
  pass(2000);
  assert.equal(asked(), 1);
  // Only once until the answer comes.
  pass(60_000);
  assert.equal(asked(), 1);
  t.session.close();
});

Deno.test("quality is sampled into its signal while a connection exists and cleared after", async () => {
  const t = await inCall();
  t.pc().stats = chromiumReport({
    t: 1000,
    rtt: 0.012,
    bytesSent: 1,
    bytesReceived: 1,
    audio: { received: 10, lost: 0 },
    video: { received: 10, lost: 0 },
    local: "relay",
  });
  t.clock.tick(1500);
  await settle();
  assert.equal(t.state.quality.value?.path, "relayed");
  assert.equal(t.state.quality.value?.rttMs, 12);
  t.session.hangUp();
  assert.equal(t.state.quality.value, null);
  t.session.close();
});

Deno.test("?relay=1 forces relayed media and nothing else does", () => {
  assert.equal(relayForced("?relay=1"), true);
  assert.equal(relayForced("?x=2&relay=1"), true);
  assert.equal(relayForced(""), false);
  assert.equal(relayForced("?relay=0"), false);
  assert.equal(relayForced("?relay=true"), false);
});
