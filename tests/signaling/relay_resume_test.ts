import assert from "node:assert/strict";
import { DEFAULT_OUTBOX_LIMITS } from "../../signaling/outbox.ts";
import { type Frame, Harness, type TestClient } from "./harness.ts";

/** Logs users in like `h.users`, also returning each one's resume token. */
function session(
  h: Harness,
  names: string[],
): Array<{ client: TestClient; token: string }> {
  const clients = names.map((name) => h.login(name));
  const tokens = clients.map((c) => c.frames()[0].resume as string);
  h.tick();
  for (const c of clients) c.frames();
  return clients.map((client, i) => ({ client, token: tokens[i] }));
}

const types = (frames: Frame[]) => frames.map((f) => f.type);

/** An accepted call from `a` to `b`, with its presence change settled and read. */
function callBetween(
  h: Harness,
  a: { client: TestClient },
  b: { client: TestClient },
  to: string,
): string {
  const callId = h.acceptedCall(a.client, b.client, to);
  h.tick();
  a.client.frames();
  b.client.frames();
  return callId;
}

Deno.test("a dropped parley user stays in the room and its call stays up during the grace period", () => {
  const h = new Harness();
  const [ann, bob] = session(h, ["ann", "bob"]);
  const callId = callBetween(h, ann, bob, "bob");
  bob.client.drop();
  h.clock.advance(29_000);
  assert.deepEqual(ann.client.frames(), [{
    type: "presence",
    changed: [{ name: "bob", state: "reconnecting" }],
  }], "no left, no ended: only that bob is reconnecting");
  const stats = h.relay.stats();
  assert.equal(stats.detached, 1);
  assert.equal(stats.users, 2);
  assert.equal(stats.calls, 1);
  assert.equal(stats.connections, 1);
  // A third caller is told at once that bob is reconnecting.
  const cat = h.login("cat");
  assert.deepEqual(cat.one().users, [
    { name: "ann", state: "busy" },
    { name: "bob", state: "reconnecting" },
  ]);
  cat.send({ type: "call", to: "bob" });
  assert.equal(cat.one().reason, "reconnecting");
  assert.ok(callId);
});

Deno.test("frames for a detached user wait and follow the new welcome, which carries the call", () => {
  const h = new Harness({ iceServers: [{ urls: "stun:s.test" }] });
  const [ann, bob] = session(h, ["ann", "bob"]);
  const callId = callBetween(h, ann, bob, "bob");
  bob.client.drop(4000, true);
  ann.client.send({
    type: "signal",
    callId,
    description: { type: "offer", sdp: "restart" },
  });
  ann.client.send({ type: "signal", callId, candidate: { candidate: "c1" } });
  ann.client.send({ type: "chat", text: "are you there?" });
  h.login("cat");
  h.tick();
  ann.client.frames();

  const back = h.relogin("bob", { resume: bob.token });
  const frames = back.frames();
  assert.deepEqual(types(frames), ["welcome", "signal", "signal", "chat"]);
  const [welcome, offer, candidate, chat] = frames;
  assert.equal(welcome.name, "bob");
  assert.equal(welcome.renamed, false);
  assert.equal(welcome.resumed, true);
  assert.deepEqual(welcome.call, {
    callId,
    peer: "ann",
    polite: true,
    state: "active",
  });
  assert.deepEqual(welcome.iceServers, [{ urls: "stun:s.test" }]);
  assert.notEqual(welcome.resume, bob.token, "a new token in each welcome");
  assert.deepEqual(
    welcome.users,
    [{ name: "ann", state: "busy" }, { name: "cat" }],
    "the snapshot replaces queued presence, and leaves out yourself",
  );
  assert.equal(offer.description.sdp, "restart");
  assert.equal(offer.callId, callId);
  assert.equal(candidate.candidate.candidate, "c1");
  assert.equal(chat.text, "are you there?");
  assert.equal(h.relay.stats().detached, 0);
  assert.equal(h.relay.stats().resumed, 1);
});

Deno.test("a resumed call goes on through the new socket and nobody sees the user leave", () => {
  const h = new Harness();
  const [ann, bob, cat] = session(h, ["ann", "bob", "cat"]);
  const callId = callBetween(h, ann, bob, "bob");
  h.tick();
  cat.client.frames();
  bob.client.drop();
  const back = h.relogin("bob", { resume: bob.token });
  back.frames();
  h.clock.advance(60_000);
  assert.deepEqual(cat.client.frames(), [], "no presence change at all");
  back.send({ type: "signal", callId, candidate: null });
  assert.equal(ann.client.one().callId, callId);
  ann.client.send({ type: "signal", callId, candidate: null });
  assert.equal(back.one().callId, callId);
  ann.client.send({ type: "hangup", callId });
  assert.deepEqual(back.one(), {
    type: "ended",
    callId,
    reason: "hangup",
    peer: "ann",
  });
});

Deno.test("a resume token is single use: the old one gives a normal login under a new name", () => {
  const h = new Harness();
  const [, bob] = session(h, ["ann", "bob"]);
  bob.client.drop();
  const back = h.relogin("bob", { resume: bob.token });
  const next = back.one().resume;
  const again = h.relogin("bob", { resume: bob.token }).one();
  assert.equal(again.resumed, false);
  assert.equal(again.name, "bob 2", "bob is still taken by the resumed one");
  assert.equal(again.call, undefined);
  back.drop();
  assert.equal(h.relogin("bob", { resume: next }).one().resumed, true);
});

Deno.test("a token from another room or under another name is a normal login", () => {
  const h = new Harness();
  const [, bob] = session(h, ["ann", "bob"]);
  bob.client.drop();
  const elsewhere = h.relogin("bob", { resume: bob.token }, "other-room").one();
  assert.equal(elsewhere.resumed, false);
  assert.equal(elsewhere.name, "bob", "the name is free in that room");
  const renamed = h.relogin("robert", { resume: bob.token }).one();
  assert.equal(renamed.resumed, false);
  assert.equal(renamed.name, "robert");
  const garbage = h.relogin("bob", { resume: "not-a-token" }).one();
  assert.equal(garbage.name, "bob 2");
  // The refusals left the token alone.
  assert.equal(h.relogin("BOB", { resume: bob.token }).one().resumed, true);
});

Deno.test("a resume while the old socket still looks open closes that one with 4001", () => {
  const h = new Harness();
  const [ann, bob] = session(h, ["ann", "bob"]);
  const callId = callBetween(h, ann, bob, "bob");
  const back = h.relogin("bob", { resume: bob.token });
  const welcome = back.one();
  assert.equal(welcome.resumed, true);
  assert.equal(welcome.call.callId, callId);
  assert.deepEqual(h.bus.closes.get(bob.client.id), {
    code: 4001,
    reason: "replaced",
  });
  assert.equal(h.relay.stats().kicked["4001"], 1);
  ann.client.send({ type: "chat", text: "hi" });
  assert.equal(back.one().text, "hi");
  ann.client.frames();
  assert.deepEqual(bob.client.frames(), [], "the old socket gets nothing");
  // The relay forgot the old socket: what it still sends does nothing.
  bob.client.send({ type: "login", name: "bob" });
  bob.client.send({ type: "chat", text: "ghost" });
  assert.deepEqual(bob.client.frames(), []);
  assert.equal(h.relay.stats().connections, 2);
  // Its close event arrives later and changes nothing.
  bob.client.drop(4001, true);
  h.tick();
  assert.deepEqual(types(ann.client.frames()), []);
  assert.equal(h.relay.stats().detached, 0);
});

Deno.test("when the grace period passes the user leaves and the call peer gets peer-left", () => {
  const h = new Harness({ resumeGraceMs: 5000 });
  const [ann, bob] = session(h, ["ann", "bob"]);
  const callId = callBetween(h, ann, bob, "bob");
  bob.client.drop();
  h.clock.advance(4999);
  assert.deepEqual(ann.client.frames(), [{
    type: "presence",
    changed: [{ name: "bob", state: "reconnecting" }],
  }]);
  h.clock.advance(1);
  assert.deepEqual(ann.client.frames(), [
    { type: "ended", callId, reason: "peer-left", peer: "bob" },
  ]);
  h.tick();
  assert.deepEqual(ann.client.one(), { type: "presence", left: ["bob"] });
  const late = h.relogin("bob", { resume: bob.token }).one();
  assert.equal(late.resumed, false);
  assert.equal(late.name, "bob", "the name was freed");
  assert.equal(late.call, undefined);
  const stats = h.relay.stats();
  assert.equal(stats.detached, 0);
  assert.equal(stats.calls, 0);
  assert.equal(h.logs.filter((r) => r.reason === "grace-expired").length, 1);
});

Deno.test("a clean close ends the session at once; a heartbeat close or a missed ping detaches it", () => {
  const h = new Harness();
  const [ann] = session(h, ["ann"]);
  const leave = (close: (c: TestClient) => void) => {
    const c = h.login("x");
    h.tick();
    ann.client.frames();
    close(c);
    h.tick();
    return ann.client.frames();
  };
  assert.deepEqual(leave((c) => c.close()), [{
    type: "presence",
    left: ["x"],
  }]);
  assert.deepEqual(leave((c) => c.drop(1001, true)), [
    { type: "presence", left: ["x"] },
  ], "a closing tab");
  // Detached: shown as reconnecting, not gone.
  const stays = (frames: Frame[]) =>
    frames.length === 1 && frames[0].left === undefined &&
    frames[0].changed?.[0]?.state === "reconnecting";
  assert.ok(stays(leave((c) => c.drop(4000, true))));
  assert.ok(stays(leave((c) => c.drop(1001, false))), "a missed ping");
  assert.ok(stays(leave((c) => c.drop(1005, true))), "no close code");
  assert.equal(h.relay.stats().detached, 3);
});

Deno.test("tutorial-dialect users never detach", () => {
  const h = new Harness();
  const [tom, tim] = h.users(["tom", "tim"], "tutorial");
  tom.send({
    type: "video-offer",
    target: "tim",
    sdp: { type: "offer", sdp: "" },
  });
  tim.frames();
  tom.drop();
  assert.deepEqual(tim.one(), { type: "hang-up", name: "tom" });
  assert.equal(h.relay.stats().detached, 0);
});

Deno.test("room chat for a detached user never ends its session: the oldest is dropped and the count follows the call frames on resume", () => {
  const h = new Harness({ ratePerSecond: 10_000, rateBurst: 10_000 });
  const [ann, bob, mal] = session(h, ["ann", "bob", "mal"]);
  const callId = callBetween(h, ann, bob, "bob");
  h.tick();
  mal.client.frames();
  bob.client.drop();
  const sent = 300;
  for (let i = 0; i < sent; i++) {
    mal.client.send({ type: "chat", text: `spam ${i}` });
    if (i === 150) {
      ann.client.send({ type: "signal", callId, candidate: null });
    }
  }
  h.clock.advance(0);
  assert.equal(h.relay.stats().detached, 1, "still waiting to be resumed");
  assert.deepEqual(
    ann.client.frames().filter((f) => f.type !== "chat"),
    [],
    "no peer-left",
  );
  const frames = h.relogin("bob", { resume: bob.token }).frames();
  const kept = DEFAULT_OUTBOX_LIMITS.chatFrames;
  assert.deepEqual(types(frames.slice(0, 3)), [
    "welcome",
    "signal",
    "chat-dropped",
  ]);
  assert.equal(frames[0].resumed, true);
  assert.equal(frames[0].call.callId, callId);
  assert.equal(frames[2].count, sent - kept);
  assert.deepEqual(
    frames.slice(3).map((f) => f.text),
    Array.from({ length: kept }, (_, i) => `spam ${sent - kept + i}`),
  );
});

Deno.test(`past ${DEFAULT_OUTBOX_LIMITS.callFrames} queued call frames the session ends and its token is void`, () => {
  const h = new Harness({ ratePerSecond: 10_000, rateBurst: 10_000 });
  const [ann, bob] = session(h, ["ann", "bob"]);
  const callId = callBetween(h, ann, bob, "bob");
  bob.client.drop();
  for (let i = 0; i < DEFAULT_OUTBOX_LIMITS.callFrames; i++) {
    ann.client.send({ type: "signal", callId, candidate: null });
  }
  assert.equal(h.relay.stats().detached, 1, "the bound fits");
  ann.client.send({ type: "signal", callId, candidate: null });
  assert.equal(h.relay.stats().detached, 0, "one more ends it");
  // Within the input that overflowed it: no timer turn is waited for.
  assert.deepEqual(ann.client.frames(), [
    { type: "ended", callId, reason: "peer-left", peer: "bob" },
  ]);
  assert.equal(h.relay.stats().calls, 0);
  const welcome = h.relogin("bob", { resume: bob.token }).one();
  assert.equal(welcome.resumed, false, "the token no longer resumes");
  assert.equal(welcome.call, undefined);
});

Deno.test("a ringing call with a dropped callee still times out with no-answer, queued for the callee", () => {
  const h = new Harness({ ringTimeoutMs: 5000, resumeGraceMs: 30_000 });
  const [ann, bob] = session(h, ["ann", "bob"]);
  ann.client.send({ type: "call", to: "bob" });
  const callId = ann.client.one().callId;
  bob.client.drop();
  h.clock.advance(5000);
  assert.equal(
    ann.client.frames().find((f) => f.type === "ended")?.reason,
    "no-answer",
  );
  const back = h.relogin("bob", { resume: bob.token });
  const frames = back.frames();
  assert.deepEqual(types(frames), ["welcome", "ended"]);
  assert.equal(frames[0].call, undefined, "no call is up any more");
  assert.deepEqual(frames[1], {
    type: "ended",
    callId,
    reason: "no-answer",
    peer: "ann",
  });
});

Deno.test("a ringing call whose caller drops ends with peer-left when the grace period is shorter than the ring", () => {
  const h = new Harness({ ringTimeoutMs: 30_000, resumeGraceMs: 2000 });
  const [ann, bob] = session(h, ["ann", "bob"]);
  ann.client.send({ type: "call", to: "bob" });
  const callId = ann.client.one().callId;
  bob.client.frames();
  ann.client.drop();
  h.clock.advance(2000);
  assert.deepEqual(bob.client.frames().find((f) => f.type === "ended"), {
    type: "ended",
    callId,
    reason: "peer-left",
    peer: "ann",
  });
  assert.equal(h.clock.pending, 1, "the ring timer is gone; only the tick");
});

Deno.test("a callee who comes back while it rings is told the call is ringing and can accept it", () => {
  const h = new Harness();
  const [ann, bob] = session(h, ["ann", "bob"]);
  ann.client.send({ type: "call", to: "bob", audioOnly: true });
  const callId = ann.client.one().callId;
  bob.client.frames();
  bob.client.drop();
  const back = h.relogin("bob", { resume: bob.token });
  assert.deepEqual(back.one().call, {
    callId,
    peer: "ann",
    polite: true,
    state: "ringing",
    audioOnly: true,
  }, "audioOnly is there only when true");
  back.send({ type: "accept", callId });
  assert.equal(
    ann.client.frames().find((f) => f.type === "accepted")?.peer,
    "bob",
  );
  assert.equal(back.one().type, "accepted");
});

Deno.test("a caller that drops before the answer gets accepted after the welcome", () => {
  const h = new Harness();
  const [ann, bob] = session(h, ["ann", "bob"]);
  ann.client.send({ type: "call", to: "bob" });
  const callId = ann.client.one().callId;
  bob.client.frames();
  ann.client.drop();
  bob.client.send({ type: "accept", callId });
  const back = h.relogin("ann", { resume: ann.token });
  const [welcome, accepted] = back.frames();
  assert.deepEqual(welcome.call, {
    callId,
    peer: "bob",
    polite: false,
    state: "active",
  });
  assert.deepEqual(accepted, {
    type: "accepted",
    callId,
    peer: "bob",
    polite: false,
  });
});

Deno.test("a normal welcome says resumed: false and has no call", () => {
  const h = new Harness();
  const welcome = h.login("ann").one();
  assert.equal(welcome.resumed, false);
  assert.equal("call" in welcome, false);
});

Deno.test("logs never contain resume tokens", () => {
  const h = new Harness();
  const [, bob] = session(h, ["ann", "bob"]);
  bob.client.drop();
  const back = h.relogin("bob", { resume: bob.token });
  const next = back.one().resume;
  h.relogin("bob", { resume: bob.token });
  const text = JSON.stringify(h.logs);
  assert.ok(!text.includes(bob.token));
  assert.ok(!text.includes(next));
  const events = h.logs.map((r) => r.event);
  assert.ok(events.includes("detach") && events.includes("resume"));
});

Deno.test("dispose cancels grace timers", () => {
  const h = new Harness();
  const [, bob] = session(h, ["ann", "bob"]);
  bob.client.drop();
  assert.equal(h.clock.pending, 2, "the grace period and the presence tick");
  h.relay.dispose();
  assert.equal(h.clock.pending, 0);
});
