import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

const offer = (target: string, extra: Record<string, unknown> = {}) => ({
  type: "video-offer",
  target,
  sdp: { type: "offer", sdp: "v=0 offer" },
  ...extra,
});

Deno.test("a tutorial client gets its id on connect", () => {
  const h = new Harness();
  const c = h.connect("tutorial");
  assert.deepEqual(c.one(), { type: "id", id: c.id });
});

Deno.test("tutorial login gets a userlist of the whole room, itself included, on the next tick", () => {
  const h = new Harness();
  const [ann] = h.users(["ann"], "tutorial");
  const bob = h.login("bob", "tutorial");
  assert.deepEqual(bob.frames(), [{ type: "id", id: bob.id }]);
  h.tick();
  assert.deepEqual(bob.one(), { type: "userlist", users: ["ann", "bob"] });
  assert.deepEqual(ann.one(), { type: "userlist", users: ["ann", "bob"] });
});

Deno.test("a renamed tutorial user gets rejectusername with the assigned name", () => {
  const h = new Harness();
  h.users(["ann"], "tutorial");
  const c = h.login("Ann", "tutorial");
  assert.deepEqual(c.frames()[1], {
    type: "rejectusername",
    id: c.id,
    name: "Ann 2",
  });
});

Deno.test("tutorial messages are relayed to the room with the real name and HTML escaped", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"], "tutorial");
  ann.send({
    type: "message",
    text: "<img src=x onerror=alert(1)//",
    name: "bob",
    id: 99,
    date: 1,
  });
  const got = bob.one();
  assert.deepEqual(got, {
    type: "message",
    name: "ann",
    text: "&lt;img src=x onerror=alert(1)//",
    date: h.clock.now(),
  });
  assert.deepEqual(ann.one(), got, "the sender sees its own message too");
});

Deno.test("a sample-client user and a Parley user see each other and chat", () => {
  const h = new Harness();
  const [parley] = h.users(["Pat"]);
  const tut = h.login("Tom", "tutorial");
  tut.frames();
  h.tick();
  assert.deepEqual(parley.one(), {
    type: "presence",
    joined: [{ name: "Tom" }],
  });
  assert.deepEqual(tut.one(), { type: "userlist", users: ["Pat", "Tom"] });
  tut.send({ type: "message", text: "hi <Pat>" });
  assert.deepEqual(parley.one(), {
    type: "chat",
    from: "Tom",
    text: "hi <Pat>",
    at: h.clock.now(),
  });
  tut.frames();
  parley.send({ type: "chat", text: "hi & bye" });
  assert.deepEqual(tut.one(), {
    type: "message",
    name: "Pat",
    text: "hi &amp; bye",
    date: h.clock.now(),
  });
});

Deno.test("a video-offer to an available user opens the call and is relayed with name stamped", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"], "tutorial");
  ann.send(offer("bob", { name: "cat" }));
  const got = bob.one();
  assert.equal(got.type, "video-offer");
  assert.equal(got.name, "ann");
  assert.deepEqual(got.sdp, { type: "offer", sdp: "v=0 offer" });
  assert.equal(h.relay.stats().calls, 1);
  ann.send({
    type: "new-ice-candidate",
    target: "bob",
    candidate: { candidate: "c1", sdpMid: "0", sdpMLineIndex: 0 },
  });
  assert.equal(bob.one().name, "ann", "candidates flow before the answer");
  bob.send({
    type: "video-answer",
    name: "bob",
    target: "ann",
    sdp: { type: "answer", sdp: "v=0 answer" },
  });
  assert.equal(ann.one().type, "video-answer");
  bob.send(offer("ann"));
  assert.equal(ann.one().type, "video-offer", "the sample callee renegotiates");
  cat.send(offer("ann"));
  assert.deepEqual(
    cat.one(),
    { type: "hang-up", name: "ann" },
    "a busy user hangs up on the caller",
  );
  assert.equal(ann.frames().length, 0);
});

Deno.test("answers and candidates outside a call get an error and are not forwarded", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"], "tutorial");
  ann.send({
    type: "video-answer",
    target: "bob",
    sdp: { type: "answer", sdp: "" },
  });
  assert.equal(ann.one().code, "no-call");
  ann.send({
    type: "new-ice-candidate",
    target: "ghost",
    candidate: { candidate: "c" },
  });
  assert.equal(ann.one().code, "unknown-user");
  ann.send(offer("bob"));
  bob.frames();
  ann.send({
    type: "new-ice-candidate",
    target: "cat",
    candidate: { candidate: "c" },
  });
  assert.equal(ann.one().code, "no-call", "cat is not ann's call peer");
  assert.equal(cat.frames().length, 0);
});

Deno.test("hang-up without a target goes to the sender's call peer only", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"], "tutorial");
  ann.send(offer("bob"));
  bob.frames();
  bob.send({
    type: "video-answer",
    target: "ann",
    sdp: { type: "answer", sdp: "" },
  });
  ann.frames();
  ann.send({ type: "hang-up", name: "ann", target: null });
  assert.deepEqual(bob.one(), { type: "hang-up", name: "ann" });
  assert.equal(cat.frames().length, 0);
  assert.equal(ann.frames().length, 0);
  assert.equal(h.relay.stats().calls, 0);
  ann.send({ type: "hang-up", target: null });
  assert.equal(ann.one().code, "no-call");
});

Deno.test("hang-up naming someone other than the call peer is refused", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"], "tutorial");
  ann.send(offer("bob"));
  bob.frames();
  ann.send({ type: "hang-up", target: "cat" });
  assert.equal(ann.one().code, "no-call");
  assert.equal(cat.frames().length + bob.frames().length, 0);
  ann.send({ type: "hang-up", target: "BOB" });
  assert.equal(bob.one().type, "hang-up");
});

Deno.test("a tutorial call ends with hang-up to the peer when a party disconnects", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"], "tutorial");
  ann.send(offer("bob"));
  bob.frames();
  ann.close();
  assert.deepEqual(bob.one(), { type: "hang-up", name: "ann" });
});

Deno.test("an unanswered tutorial offer times out with hang-up to both", () => {
  const h = new Harness({ ringTimeoutMs: 1000 });
  const [ann, bob] = h.users(["ann", "bob"], "tutorial");
  ann.send(offer("bob"));
  bob.frames();
  h.clock.advance(1000);
  assert.ok(ann.frames().some((f) => f.type === "hang-up" && f.name === "bob"));
  assert.ok(bob.frames().some((f) => f.type === "hang-up" && f.name === "ann"));
});

Deno.test("an offer to someone else means the sample client abandoned its call", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"], "tutorial");
  ann.send(offer("bob"));
  bob.frames();
  ann.send(offer("cat"));
  assert.deepEqual(bob.one(), { type: "hang-up", name: "ann" });
  assert.equal(cat.one().type, "video-offer");
});

Deno.test("calls across dialects are refused with incompatible", () => {
  const h = new Harness();
  const [pat] = h.users(["pat"]);
  const [tom] = h.users(["tom"], "tutorial");
  pat.frames();
  pat.send({ type: "call", to: "tom" });
  assert.equal(pat.one().code, "incompatible");
  tom.send(offer("pat"));
  assert.equal(tom.one().code, "incompatible");
  assert.equal(pat.frames().length, 0);
});

Deno.test("tutorial errors: unknown type, not logged in, self-call, unknown target", () => {
  const h = new Harness();
  const c = h.connect("tutorial");
  c.frames();
  c.send({ type: "message", text: "x" });
  assert.equal(c.one().code, "not-logged-in");
  c.send({ type: "username", name: "ann" });
  c.send({ type: "signal", callId: "x" });
  assert.equal(c.one().code, "unknown-type");
  c.send(offer("ann"));
  assert.equal(c.one().code, "self-call");
  c.send(offer("nobody"));
  assert.equal(c.one().code, "unknown-user");
  c.send({ type: "video-offer", target: "x" });
  assert.equal(c.one().code, "bad-message");
  c.send({ type: "username", name: "again" });
  assert.equal(c.one().code, "already-logged-in");
});
