import assert from "node:assert/strict";
import {
  CallController,
  type CallNotice,
  type CallSnapshot,
  HOLD_VIEW_MS,
  OFFER_WAIT_MS,
} from "../../client/call.ts";
import type { PeerConnectionLike } from "../../client/peer.ts";
import type { ClientMessage, ServerMessage } from "../../client/protocol.ts";
import {
  connectCallToBob,
  FakeClock,
  fakeGetUserMedia,
  FakePeerConnection,
  FakeSender,
  FakeStream,
  FakeTrack,
  settle,
} from "./fakes.ts";

interface SetupOptions {
  me?: string;
  camera?: boolean;
  error?: string;
  blocked?: "audio" | "video";
  /** The `name` of the error `getDisplayMedia` rejects with. */
  displayError?: string;
  /** False: the browser has no `getDisplayMedia` (phones). */
  display?: boolean;
}

function setup(options: SetupOptions = {}) {
  FakePeerConnection.instances = [];
  const clock = new FakeClock();
  const sent: ClientMessage[] = [];
  const snaps: CallSnapshot[] = [];
  const notices: CallNotice[] = [];
  const gum = fakeGetUserMedia({
    camera: options.camera,
    error: options.error,
    blocked: options.blocked,
  });
  const displays: FakeStream[] = [];
  const net = { online: true };
  let exposed: PeerConnectionLike | null = null;
  const ctl = new CallController({
    send: (m) => {
      if (!net.online) return false;
      sent.push(m);
      return true;
    },
    createPeerConnection: (config) => new FakePeerConnection(config),
    getUserMedia: gum,
    getDisplayMedia: options.display === false ? undefined : () => {
      if (options.displayError) {
        return Promise.reject(new DOMException("no", options.displayError));
      }
      const s = new FakeStream([new FakeTrack("video", "screen")]);
      displays.push(s);
      return Promise.resolve(s);
    },
    createStream: () => new FakeStream(),
    timers: clock,
    myName: () => options.me ?? "alice",
    onChange: (s) => snaps.push(s),
    onNotice: (n) => notices.push(n),
    onPeerConnection: (pc) => exposed = pc,
  });
  ctl.setIceServers([{ urls: "turn:turn.parley.test", username: "u" }]);
  const recv = (msg: ServerMessage) => ctl.handle(msg);
  const pc = () => FakePeerConnection.instances.at(-1)!;
  const signals = () =>
    sent.filter((m): m is Extract<ClientMessage, { type: "signal" }> =>
      m.type === "signal"
    );
  return {
    ctl,
    clock,
    sent,
    snaps,
    notices,
    gum,
    displays,
    net,
    recv,
    pc,
    signals,
    exposed: () => exposed,
  };
}

/** Drives a caller through ring → accepted → its offer → bob's answer → connected. */
async function connectedCaller(options: SetupOptions = {}) {
  const t = setup(options);
  t.ctl.call("bob");
  await connectCallToBob(t.recv, t.pc);
  return t;
}

/** The server tells bob his accept went through; alice's offer follows. */
function aliceOffers(t: ReturnType<typeof setup>) {
  t.recv({ type: "accepted", callId: "c1", peer: "alice", polite: true });
  t.recv({
    type: "signal",
    callId: "c1",
    description: { type: "offer", sdp: "alice-offer" },
  });
}

/** bob accepts alice's ringing call, and her offer follows `accepted`. */
function acceptAliceOffer(t: ReturnType<typeof setup>) {
  t.ctl.accept();
  aliceOffers(t);
}

Deno.test("the caller makes its offer while it rings and sends none of it before accepted", async () => {
  const t = setup();
  assert.equal(t.ctl.call("bob"), true);
  await settle();
  assert.deepEqual(t.sent, [{ type: "call", to: "bob", audioOnly: false }]);
  assert.equal(t.ctl.snapshot.phase, "outgoing");
  t.recv({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  assert.equal(t.gum.calls.length, 1, "media opens while ringing");
  assert.deepEqual(t.pc().log, [
    "addTrack:audio",
    "addTrack:video",
    "setLocal:offer",
  ]);
  t.pc().gather("candidate:1 1 udp 9 192.0.2.1 5000 typ host");
  t.pc().gather("candidate:2 1 udp 9 192.0.2.1 5001 typ host");
  assert.deepEqual(t.signals(), [], "nothing leaves while it rings");
  assert.equal(t.ctl.snapshot.callId, "c1");
  t.recv({ type: "accepted", callId: "c1", peer: "bob", polite: false });
  // The offer leaves on accepted as the description is now, listing the
  // candidates gathered meanwhile, so they are not sent on their own.
  const signals = t.signals();
  assert.equal(signals.length, 1);
  assert.equal(signals[0].description?.type, "offer");
  assert.match(
    signals[0].description!.sdp,
    /\r\na=candidate:1 .*\r\na=candidate:2 .*\r\n$/,
  );
  assert.equal(signals[0].callId, "c1");
  assert.equal(t.ctl.snapshot.phase, "connecting");
  t.pc().gather("candidate:3 1 udp 9 192.0.2.1 5002 typ host");
  assert.match(t.signals().at(-1)!.candidate!.candidate!, /^candidate:3 /);
  t.recv({
    type: "signal",
    callId: "c1",
    description: { type: "answer", sdp: "bob-answer" },
  });
  await settle();
  assert.equal(t.pc().log.at(-1), "setRemote:answer");
  assert.equal(t.pc().signalingState, "stable");
  assert.equal(FakePeerConnection.instances.length, 1);
});

Deno.test("the callee readies media and a connection while the prompt shows, and answers the caller's offer with its tracks on the offered lines", async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  assert.equal(t.ctl.snapshot.phase, "incoming");
  assert.equal(t.ctl.snapshot.peer, "alice");
  await settle();
  assert.equal(t.gum.calls.length, 1, "media opens while ringing");
  assert.deepEqual(t.pc().log, [], "no tracks yet, so no offer");
  t.ctl.accept();
  assert.deepEqual(t.sent, [{ type: "accept", callId: "c1" }]);
  aliceOffers(t);
  t.recv({
    type: "signal",
    callId: "c1",
    candidate: { candidate: "alice-1", sdpMid: "0" },
  });
  await settle(40);
  t.pc().gather("cand-1");
  assert.deepEqual(t.pc().log, [
    "setRemote:offer",
    "addTrack:audio",
    "addTrack:video",
    "setLocal:answer",
    "candidate:alice-1",
  ]);
  const signals = t.signals();
  assert.equal(signals.length, 2);
  assert.equal(signals[0].description?.type, "answer");
  assert.equal(signals[1].candidate?.candidate, "cand-1");
  assert.ok(signals.every((s) => s.callId === "c1"));
  assert.equal(FakePeerConnection.instances.length, 1);
  // The fallback offer never fires once an offer came.
  t.clock.tick(10_000);
  assert.equal(t.pc().log.filter((l) => l === "setLocal:offer").length, 0);
});

Deno.test("the callee's view stays as it was from Accept until its answer has left", async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  await settle();
  const before = t.snaps.length;
  acceptAliceOffer(t);
  t.pc().remoteTrack(new FakeTrack("video"), new FakeStream());
  assert.equal(t.snaps.length, before, "no redraw before the answer");
  await settle(40);
  assert.ok(t.signals().some((m) => m.description?.type === "answer"));
  assert.equal(t.snaps.length, before + 1, "one redraw, after the answer");
  assert.equal(t.snaps.at(-1)!.phase, "connecting");
  assert.ok(t.snaps.at(-1)!.remoteStream, "with what came meanwhile");
  t.pc().setIceState("connected");
  assert.equal(t.snaps.at(-1)!.phase, "connected", "then redraws as usual");
});

Deno.test(`a callee whose caller's offer is late redraws ${HOLD_VIEW_MS} ms after Accept anyway`, async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  await settle();
  const before = t.snaps.length;
  t.ctl.accept();
  t.clock.tick(HOLD_VIEW_MS - 1);
  assert.equal(t.snaps.length, before);
  t.clock.tick(1);
  assert.equal(t.snaps.length, before + 1);
  assert.equal(t.snaps.at(-1)!.phase, "connecting");
  // Hanging up meanwhile is drawn at once.
  t.ctl.hangup();
  assert.equal(t.snaps.at(-1)!.phase, "ended");
});

Deno.test("a callee whose caller never offers (an older page) offers itself after 3 s", async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  await settle();
  t.ctl.accept();
  t.recv({ type: "accepted", callId: "c1", peer: "alice", polite: true });
  t.clock.tick(OFFER_WAIT_MS - 100);
  await settle();
  assert.deepEqual(t.signals(), []);
  t.clock.tick(200);
  await settle();
  assert.deepEqual(t.signals().map((s) => s.description?.type), ["offer"]);
});

Deno.test("the peer connection uses the ICE servers from welcome and bundles all media", async () => {
  const t = setup();
  t.ctl.call("bob");
  await settle();
  await settle();
  assert.deepEqual(t.pc().config.iceServers, [
    { urls: "turn:turn.parley.test", username: "u" },
  ]);
  assert.equal(t.pc().config.bundlePolicy, "max-bundle");
});

Deno.test("an answer and a working connection make the call connected with a start time", async () => {
  const t = await connectedCaller();
  const snap = t.ctl.snapshot;
  assert.equal(snap.phase, "connected");
  assert.equal(snap.connectedAt, 0);
  assert.ok(snap.remoteStream);
  assert.equal(snap.remoteVideoActive, true);
  assert.equal(t.signals().filter((s) => s.description).length, 1);
  assert.equal(t.exposed(), t.pc());
});

Deno.test("a caller accepted before its offer was made sends it as soon as it is", async () => {
  const t = setup();
  t.ctl.call("bob");
  // Only until the call frame leaves: the offer comes a moment later.
  while (t.sent.length === 0) await Promise.resolve();
  t.recv({ type: "ringing", callId: "c1", to: "bob" });
  t.recv({ type: "accepted", callId: "c1", peer: "bob", polite: false });
  assert.deepEqual(t.signals(), []);
  await settle();
  assert.equal(t.signals()[0]?.description?.type, "offer");
  assert.equal(t.signals().length, 1);
});

Deno.test("a callee who accepts before its media is ready answers once it is", async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  t.ctl.accept();
  assert.deepEqual(t.sent, [{ type: "accept", callId: "c1" }]);
  aliceOffers(t);
  await settle(40);
  assert.equal(t.signals()[0]?.description?.type, "answer");
  assert.deepEqual(t.pc().log.slice(1, 3), [
    "addTrack:audio",
    "addTrack:video",
  ]);
});

Deno.test("an audio-only incoming call opens only the microphone", async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: true });
  await settle();
  assert.equal(t.gum.calls[0].video, undefined);
  assert.equal(t.ctl.snapshot.audioOnly, true);
});

Deno.test("declining sends decline and releases the media opened for the prompt", async () => {
  const t = setup({ me: "bob" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  await settle();
  t.ctl.decline();
  assert.deepEqual(t.sent.at(-1), { type: "decline", callId: "c1" });
  assert.ok(
    t.gum.streams[0].getTracks().every((tr) => (tr as FakeTrack).stopped),
  );
  assert.equal(t.ctl.snapshot.phase, "ended");
  assert.equal(t.ctl.snapshot.endReason, "declined");
  assert.equal(t.ctl.snapshot.endedByMe, true);
});

Deno.test("the caller sees declined, busy and no-answer from the server", async () => {
  for (const reason of ["declined", "no-answer", "busy"] as const) {
    const t = setup();
    t.ctl.call("bob");
    await settle();
    if (reason !== "busy") t.recv({ type: "ringing", callId: "c1", to: "bob" });
    await settle();
    // Busy comes right after `call`, with a fresh call id.
    const callId = reason === "busy" ? "c9" : "c1";
    t.recv({ type: "ended", callId, reason, peer: "bob" });
    const snap = t.ctl.snapshot;
    assert.equal(snap.phase, "ended", reason);
    assert.equal(snap.endReason, reason);
    assert.equal(snap.endedByMe, false);
    assert.equal(snap.peer, "bob");
    assert.ok(t.pc().closed, `${reason}: connection closed`);
    assert.ok(
      t.gum.streams[0].getTracks().every((tr) => (tr as FakeTrack).stopped),
    );
    assert.deepEqual(t.signals(), [], `${reason}: no SDP ever sent`);
  }
});

Deno.test("cancelling after ringing sends cancel with the call id", async () => {
  const t = setup();
  t.ctl.call("bob");
  await settle();
  t.recv({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  t.ctl.hangup();
  assert.deepEqual(t.sent.at(-1), { type: "cancel", callId: "c1" });
  assert.equal(t.ctl.snapshot.endReason, "cancelled");
  assert.equal(t.ctl.snapshot.endedByMe, true);
});

Deno.test("cancelling before the call id is known cancels as soon as it arrives", async () => {
  const t = setup();
  t.ctl.call("bob");
  await settle();
  t.ctl.hangup();
  assert.equal(t.ctl.snapshot.phase, "ended");
  t.recv({ type: "ringing", callId: "c1", to: "bob" });
  assert.deepEqual(t.sent.at(-1), { type: "cancel", callId: "c1" });
});

Deno.test("an accept that crosses our cancel is hung up", async () => {
  const t = setup();
  t.ctl.call("bob");
  await settle();
  t.recv({ type: "ringing", callId: "c1", to: "bob" });
  t.ctl.hangup();
  t.recv({ type: "accepted", callId: "c1", peer: "bob", polite: false });
  assert.deepEqual(t.sent.at(-1), { type: "hangup", callId: "c1" });
  assert.equal(t.ctl.snapshot.phase, "ended");
});

Deno.test("the peer leaving ends the call cleanly", async () => {
  const t = await connectedCaller();
  t.recv({ type: "ended", callId: "c1", reason: "peer-left", peer: "bob" });
  assert.equal(t.ctl.snapshot.phase, "ended");
  assert.equal(t.ctl.snapshot.endReason, "peer-left");
  assert.equal(t.ctl.snapshot.localStream, null);
  assert.equal(t.ctl.snapshot.remoteStream, null);
  assert.ok(t.pc().closed);
});

Deno.test("hanging up stops every track, closes the connection and detaches handlers", async () => {
  const t = await connectedCaller();
  const pc = t.pc();
  const local = t.gum.streams[0];
  const remote = t.ctl.snapshot.remoteStream!;
  t.ctl.hangup();
  assert.deepEqual(t.sent.at(-1), { type: "hangup", callId: "c1" });
  assert.ok(pc.closed);
  for (
    const handler of [
      pc.onnegotiationneeded,
      pc.onicecandidate,
      pc.ontrack,
      pc.oniceconnectionstatechange,
      pc.onconnectionstatechange,
      pc.onsignalingstatechange,
    ]
  ) assert.equal(handler, null);
  for (const track of [...local.getTracks(), ...remote.getTracks()]) {
    assert.ok((track as FakeTrack).stopped, `${track.kind} stopped`);
  }
  assert.equal(t.exposed(), null);
  assert.equal(t.clock.pending, 0, "no timer left behind");
  const snap = t.ctl.snapshot;
  assert.equal(snap.phase, "ended");
  assert.equal(snap.endReason, "hangup");
  assert.equal(snap.localStream, null);
  assert.equal(snap.remoteStream, null);
  t.ctl.dismiss();
  assert.equal(t.ctl.snapshot.phase, "idle");
});

Deno.test("media that arrives after the call ended is stopped at once", async () => {
  const t = setup();
  t.ctl.call("bob");
  t.ctl.hangup();
  await settle();
  assert.equal(t.gum.streams.length, 1);
  assert.ok(
    t.gum.streams[0].getTracks().every((tr) => (tr as FakeTrack).stopped),
  );
  assert.equal(FakePeerConnection.instances.length, 0);
});

Deno.test("a blocked microphone rings nobody and says how to allow it", async () => {
  const t = setup({ error: "NotAllowedError" });
  t.ctl.call("bob");
  await settle();
  assert.equal(t.ctl.snapshot.endReason, "media-error");
  assert.deepEqual(t.sent, [], "nobody was rung");
  assert.match(t.notices[0].text, /^Microphone access is blocked.*Allow it/);
  assert.equal(t.notices[0].tone, "error");
});

Deno.test("a blocked camera with an allowed microphone places an audio call and says which device is blocked", async () => {
  const t = setup({ blocked: "video" });
  t.ctl.call("bob");
  await settle();
  assert.deepEqual(t.sent, [{ type: "call", to: "bob", audioOnly: true }]);
  assert.match(t.notices[0].text, /^Camera access is blocked/);
  assert.match(t.notices[0].text, /audio only/);
  assert.equal(t.ctl.snapshot.audioOnly, true);
  assert.deepEqual(t.pc().log, ["addTrack:audio", "setLocal:offer"]);
});

Deno.test("without a camera the caller goes on, unseen, and is told so", async () => {
  const t = setup({ camera: false });
  t.ctl.call("bob");
  await settle();
  await settle();
  assert.equal(t.ctl.snapshot.phase, "outgoing");
  assert.equal(t.ctl.snapshot.hasCamera, false);
  assert.match(t.notices[0].text, /No camera was found.*will not see you/);
});

Deno.test("a caller without a camera offers a video line anyway, to receive on", async () => {
  const t = setup({ camera: false });
  t.ctl.call("bob");
  await settle();
  await settle();
  assert.match(t.notices[0].text, /No camera was found.*will not see you/);
  assert.deepEqual(t.sent[0], { type: "call", to: "bob", audioOnly: false });
  assert.deepEqual(t.pc().log, [
    "addTrack:audio",
    "addTransceiver:video",
    "setLocal:offer",
  ]);
});

Deno.test("a callee whose media fails can still accept and receive", async () => {
  const t = setup({ me: "bob", error: "NotReadableError" });
  t.recv({ type: "incoming", callId: "c1", from: "alice", audioOnly: false });
  await settle();
  assert.equal(t.ctl.snapshot.phase, "incoming");
  assert.match(t.notices[0].text, /in use/);
  acceptAliceOffer(t);
  await settle(40);
  assert.deepEqual(t.pc().log, ["setRemote:offer", "setLocal:answer"]);
  assert.equal(t.signals()[0].description?.type, "answer");
});

Deno.test("signals for another call id are ignored", async () => {
  const t = await connectedCaller();
  const before = t.pc().log.length;
  t.recv({
    type: "signal",
    callId: "other",
    description: { type: "offer", sdp: "x" },
  });
  await settle();
  assert.equal(t.pc().log.length, before);
});

Deno.test("calls that cross: the earlier name accepts the other's call and withdraws its own", async () => {
  const t = setup({ me: "alice" });
  t.ctl.call("bob");
  await settle();
  t.recv({ type: "ringing", callId: "a->b", to: "bob" });
  t.recv({ type: "incoming", callId: "b->a", from: "bob", audioOnly: false });
  assert.deepEqual(t.sent.slice(1), [
    { type: "accept", callId: "b->a" },
    { type: "cancel", callId: "a->b" },
  ]);
  // The cancelled call's end must not end the surviving one.
  t.recv({ type: "ended", callId: "a->b", reason: "cancelled", peer: "bob" });
  assert.equal(t.ctl.snapshot.phase, "connecting");
  t.recv({ type: "accepted", callId: "b->a", peer: "bob", polite: true });
  await settle();
  assert.equal(t.ctl.snapshot.callId, "b->a");
  // The offer made for our own call went with it; bob's is answered on the
  // connection we had (rolling ours back).
  assert.deepEqual(t.signals(), []);
  t.recv({
    type: "signal",
    callId: "b->a",
    description: { type: "offer", sdp: "bob-offer" },
  });
  await settle();
  assert.deepEqual(t.signals().map((s) => s.description?.type), ["answer"]);
  assert.ok(t.signals().every((s) => s.callId === "b->a"));
  assert.equal(FakePeerConnection.instances.length, 1);
});

Deno.test("calls that cross: the later name keeps ringing and gets accepted", async () => {
  const t = setup({ me: "bob" });
  t.ctl.call("alice");
  await settle();
  t.recv({ type: "ringing", callId: "b->a", to: "alice" });
  t.recv({ type: "incoming", callId: "a->b", from: "alice", audioOnly: false });
  assert.deepEqual(t.sent, [{ type: "call", to: "alice", audioOnly: false }]);
  t.recv({ type: "ended", callId: "a->b", reason: "cancelled", peer: "alice" });
  assert.equal(t.ctl.snapshot.phase, "outgoing");
  await settle();
  t.recv({ type: "accepted", callId: "b->a", peer: "alice", polite: false });
  await settle();
  assert.equal(t.ctl.snapshot.phase, "connecting");
  assert.deepEqual(
    t.signals().map((s) => [s.callId, s.description?.type]),
    [["b->a", "offer"]],
    "as the caller of the call that stays, it offers",
  );
});

Deno.test("calls that cross: when the server answers ours with busy, we take theirs", async () => {
  const t = setup({ me: "bob" });
  t.ctl.call("alice");
  await settle();
  t.recv({ type: "incoming", callId: "a->b", from: "alice", audioOnly: false });
  t.recv({ type: "ended", callId: "fresh", reason: "busy", peer: "alice" });
  assert.deepEqual(t.sent.at(-1), { type: "accept", callId: "a->b" });
  assert.equal(t.ctl.snapshot.phase, "connecting");
});

Deno.test("calls that cross: when the server refuses ours because theirs came first, we take theirs", async () => {
  const t = setup({ me: "bob" });
  t.ctl.call("alice");
  await settle();
  t.recv({ type: "incoming", callId: "a->b", from: "alice", audioOnly: false });
  t.recv({ type: "error", code: "in-call", message: "already ringing" });
  assert.deepEqual(t.sent.at(-1), { type: "accept", callId: "a->b" });
  assert.equal(t.ctl.snapshot.phase, "connecting");
  assert.equal(t.ctl.snapshot.callId, "a->b");
});

Deno.test("calls that cross: a server that merges them is followed, whatever the call id", async () => {
  const t = setup({ me: "bob" });
  t.ctl.call("alice");
  await settle();
  await settle();
  const prepared = t.pc();
  // The server turned both rings into its own call and made us the polite
  // one, the callee's role: we offer, on the connection prepared for it.
  t.recv({ type: "accepted", callId: "merged", peer: "alice", polite: true });
  await settle();
  assert.equal(FakePeerConnection.instances.length, 1);
  assert.deepEqual(t.signals().map((s) => s.description?.type), ["offer"]);
  assert.ok(t.signals().every((s) => s.callId === "merged"));
  // Should alice offer too, the polite side yields and answers hers.
  t.recv({
    type: "signal",
    callId: "merged",
    description: { type: "offer", sdp: "o" },
  });
  await settle(40);
  assert.equal(prepared.signalingState, "stable");
  assert.deepEqual(t.signals().map((s) => s.description?.type), [
    "offer",
    "answer",
  ]);
});

Deno.test("a second call while busy is refused without touching the first", async () => {
  const t = await connectedCaller();
  assert.equal(t.ctl.call("carol"), false);
  t.recv({ type: "incoming", callId: "c2", from: "carol", audioOnly: false });
  assert.deepEqual(t.sent.at(-1), { type: "decline", callId: "c2" });
  assert.equal(t.ctl.snapshot.phase, "connected");
  assert.equal(t.ctl.snapshot.peer, "bob");
});

Deno.test("calling while disconnected from the server ends the call with a notice once media is open", async () => {
  const t = setup();
  t.net.online = false;
  assert.equal(t.ctl.call("bob"), true);
  await settle();
  assert.equal(t.ctl.snapshot.phase, "ended");
  assert.equal(t.ctl.snapshot.endReason, "unavailable");
  assert.equal(t.notices[0].tone, "error");
  assert.ok(
    t.gum.streams[0].getTracks().every((tr) => (tr as FakeTrack).stopped),
  );
});

Deno.test("the server refusing the call (user gone) ends it as unavailable", async () => {
  const t = setup();
  t.ctl.call("ghost");
  await settle();
  t.recv({ type: "error", code: "unknown-user", message: "no such user" });
  assert.equal(t.ctl.snapshot.endReason, "unavailable");
});

Deno.test("mute disables the microphone; camera off stops the camera and camera on sends a new one, all without renegotiating", async () => {
  const t = await connectedCaller();
  const stream = t.gum.streams[0];
  const camera = stream.getVideoTracks()[0] as FakeTrack;
  const sender = t.pc().senders[1] as FakeSender;
  const offers = t.pc().log.filter((l) => l === "setLocal:offer").length;
  t.ctl.setMicMuted(true);
  await t.ctl.setCameraOff(true);
  assert.equal(stream.getAudioTracks()[0].enabled, false);
  assert.ok(camera.stopped, "the camera is released");
  assert.equal(stream.getVideoTracks().length, 0);
  assert.equal(sender.track, null, "nothing is sent");
  assert.equal(t.ctl.snapshot.micMuted, true);
  assert.equal(t.ctl.snapshot.cameraOff, true);
  assert.equal(t.ctl.snapshot.hasCamera, true, "it can come back on");
  t.ctl.setMicMuted(false);
  assert.equal(stream.getAudioTracks()[0].enabled, true);
  await t.ctl.setCameraOff(false);
  const fresh = stream.getVideoTracks()[0];
  assert.ok(fresh && fresh !== camera);
  assert.equal(sender.track, fresh);
  assert.equal(t.ctl.snapshot.cameraOff, false);
  await settle();
  assert.equal(
    t.pc().log.filter((l) => l === "setLocal:offer").length,
    offers,
  );
});

Deno.test("switching camera replaces the sent track and stops the old one", async () => {
  const t = await connectedCaller();
  const stream = t.gum.streams[0];
  const oldCam = stream.getVideoTracks()[0] as FakeTrack;
  await t.ctl.selectDevice("video", "cam-2");
  const sender = t.pc().senders[1] as FakeSender;
  const newCam = stream.getVideoTracks()[0];
  assert.notEqual(newCam, oldCam);
  assert.equal(sender.track, newCam);
  assert.ok(oldCam.stopped);
  const constraints = t.gum.calls.at(-1)!.video as MediaTrackConstraints;
  assert.deepEqual(constraints.deviceId, { exact: "cam-2" });
  assert.equal(t.pc().log.filter((l) => l.startsWith("setLocal")).length, 1);
});

Deno.test("a camera chosen while it is off is the one that comes on", async () => {
  const t = await connectedCaller();
  await t.ctl.setCameraOff(true);
  const opened = t.gum.calls.length;
  await t.ctl.selectDevice("video", "cam-2");
  assert.equal(t.gum.calls.length, opened, "an off camera stays off");
  await t.ctl.setCameraOff(false);
  const constraints = t.gum.calls.at(-1)!.video as MediaTrackConstraints;
  assert.deepEqual(constraints.deviceId, { exact: "cam-2" });
});

Deno.test("screen sharing replaces the camera and stopping it brings the camera back", async () => {
  const t = await connectedCaller();
  const sender = t.pc().senders[1] as FakeSender;
  const camera = sender.track;
  await t.ctl.startScreenShare();
  const screen = t.displays[0].getVideoTracks()[0] as FakeTrack;
  assert.equal(sender.track, screen);
  assert.equal(t.ctl.snapshot.screenSharing, true);
  // The browser's own "Stop sharing" button.
  screen.onended?.(new Event("ended"));
  await settle();
  assert.equal(sender.track, camera);
  assert.ok(screen.stopped);
  assert.equal(t.ctl.snapshot.screenSharing, false);
  assert.equal(t.pc().log.filter((l) => l.startsWith("setLocal")).length, 1);
});

Deno.test("the screen can be shared only where the browser has getDisplayMedia", async () => {
  assert.equal(setup().ctl.canShareScreen, true);
  const t = await connectedCaller({ display: false });
  assert.equal(t.ctl.canShareScreen, false);
  await t.ctl.startScreenShare();
  assert.equal(t.ctl.snapshot.screenSharing, false);
  t.ctl.dispose();
});

Deno.test("a screen that cannot be shared is explained, never an error for a missing source or a closed picker", async () => {
  const cases: [string, CallNotice["tone"] | null][] = [
    ["NotAllowedError", null],
    ["AbortError", null],
    ["NotFoundError", "info"],
    ["NotSupportedError", "info"],
    ["NotReadableError", "error"],
  ];
  for (const [displayError, tone] of cases) {
    const t = await connectedCaller({ displayError });
    const before = t.notices.length;
    await t.ctl.startScreenShare();
    const added = t.notices.slice(before);
    assert.deepEqual(
      added.map((n) => n.tone),
      tone ? [tone] : [],
      displayError,
    );
    assert.equal(t.ctl.snapshot.screenSharing, false);
    t.ctl.dispose();
  }
});

Deno.test("hanging up while sharing the screen stops the screen too", async () => {
  const t = await connectedCaller();
  await t.ctl.startScreenShare();
  t.ctl.hangup();
  assert.ok(
    t.displays[0].getTracks().every((tr) => (tr as FakeTrack).stopped),
  );
});

Deno.test("signals made while the socket is down are sent, in order, once it is back", async () => {
  const t = await connectedCaller();
  const count = t.signals().length;
  t.net.online = false;
  t.pc().gather("while-down-1");
  t.pc().gather("while-down-2");
  assert.equal(t.signals().length, count);
  t.net.online = true;
  t.ctl.onWelcome({ resumed: true });
  t.pc().gather("after");
  assert.deepEqual(
    t.signals().slice(count).map((s) => s.candidate?.candidate),
    ["while-down-1", "while-down-2", "after"],
  );
});

Deno.test("a failed ICE connection mid-call triggers an ICE restart", async () => {
  const t = await connectedCaller();
  t.pc().setIceState("failed");
  assert.equal(t.pc().restarts, 1);
  assert.equal(t.ctl.snapshot.phase, "connected");
  assert.equal(t.ctl.snapshot.iceState, "failed");
});
