import assert from "node:assert/strict";
import { claimsMatch, restoredCallerIsFirst } from "../../signaling/calls.ts";
import { nameKey } from "../../signaling/names.ts";
import { Harness } from "./harness.ts";

const CALL = "6f1c2f4e-0c5e-4a53-9a0e-2f8f4d1f0b11";

Deno.test("two users claiming the same call after a restart get call-restored, then signal and hang up", () => {
  const h = new Harness();
  const ann = h.relogin("ann", {
    resume: "token-of-the-old-process",
    call: { callId: CALL, peer: "bob" },
  });
  const welcome = ann.one();
  assert.equal(welcome.resumed, false);
  assert.equal(welcome.name, "ann");
  const bob = h.relogin("bob", { call: { callId: CALL, peer: "ann" } });
  assert.deepEqual(bob.frames().slice(1), [
    { type: "call-restored", callId: CALL, peer: "ann" },
  ]);
  assert.deepEqual(ann.one(), {
    type: "call-restored",
    callId: CALL,
    peer: "bob",
  });
  assert.equal(h.relay.stats().calls, 1);
  assert.equal(h.relay.stats().restored, 1);

  // ICE restart through the new process.
  ann.send({
    type: "signal",
    callId: CALL,
    description: { type: "offer", sdp: "ice-restart" },
  });
  assert.equal(bob.one().description.sdp, "ice-restart");
  bob.send({ type: "signal", callId: CALL, candidate: { candidate: "c" } });
  assert.equal(ann.one().callId, CALL);

  bob.send({ type: "hangup", callId: CALL });
  assert.deepEqual(ann.one(), {
    type: "ended",
    callId: CALL,
    reason: "hangup",
    peer: "bob",
  });
  assert.equal(h.relay.stats().calls, 0);
});

Deno.test("a claimant waiting for its peer shows as busy and cannot be rung", () => {
  const h = new Harness();
  const [cat] = h.users(["cat"]);
  h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  h.tick();
  assert.deepEqual(cat.one(), {
    type: "presence",
    joined: [{ name: "ann", state: "busy" }],
  });
  cat.send({ type: "call", to: "ann" });
  assert.equal(cat.one().reason, "busy");
});

Deno.test("a claim nobody matches ends with peer-left after the grace period", () => {
  const h = new Harness({ resumeGraceMs: 5000 });
  const [cat] = h.users(["cat"]);
  const ann = h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  ann.frames();
  h.clock.advance(4999);
  assert.deepEqual(ann.frames().filter((f) => f.type === "ended"), []);
  h.clock.advance(1);
  assert.deepEqual(ann.frames(), [
    { type: "ended", callId: CALL, reason: "peer-left", peer: "bob" },
  ]);
  h.tick();
  cat.frames();
  // Late: the peer's claim now waits alone.
  const bob = h.relogin("bob", { call: { callId: CALL, peer: "ann" } });
  assert.deepEqual(bob.frames().map((f) => f.type), ["welcome"]);
  assert.equal(h.relay.stats().restored, 0);
});

Deno.test("claims with another call id, or naming someone else, are not matched", () => {
  const h = new Harness({ resumeGraceMs: 5000 });
  const ann = h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  const bob = h.relogin("bob", { call: { callId: "other", peer: "ann" } });
  const eve = h.relogin("eve", { call: { callId: CALL, peer: "ann" } });
  const carl = h.relogin("carl", { call: { callId: CALL, peer: "bob" } });
  for (const c of [ann, bob, eve, carl]) {
    assert.deepEqual(c.frames().map((f) => f.type), ["welcome"]);
  }
  h.clock.advance(5000);
  for (const c of [ann, bob, eve, carl]) {
    assert.equal(
      c.frames().find((f) => f.type === "ended")?.reason,
      "peer-left",
    );
  }
  assert.equal(h.relay.stats().calls, 0);
});

Deno.test("a restored call keeps the roles the claims state, so a later resume has the right polite", () => {
  const h = new Harness();
  const ann = h.relogin("ann", {
    call: { callId: CALL, peer: "bob", polite: true },
  });
  const annToken = ann.frames()[0].resume;
  h.relogin("bob", { call: { callId: CALL, peer: "ann", polite: false } });
  ann.drop();
  const back = h.relogin("ann", { resume: annToken });
  assert.deepEqual(back.frames()[0].call, {
    callId: CALL,
    peer: "bob",
    polite: true,
    state: "active",
  });
});

Deno.test("hanging up a claimed call stops waiting, and so does calling someone else", () => {
  const h = new Harness({ resumeGraceMs: 5000 });
  const [cat] = h.users(["cat"]);
  const ann = h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  ann.frames();
  ann.send({ type: "hangup", callId: CALL });
  assert.deepEqual(ann.frames(), [], "no error: the client ended its call");
  h.tick();
  cat.frames();
  cat.send({ type: "call", to: "ann" });
  const ringing = cat.one();
  assert.equal(ringing.type, "ringing", "ann is available again");
  cat.send({ type: "cancel", callId: ringing.callId });
  cat.frames();

  const dan = h.relogin("dan", { call: { callId: CALL, peer: "eve" } });
  dan.frames();
  dan.send({ type: "call", to: "cat" });
  assert.equal(dan.frames()[0].type, "ringing");
  h.clock.advance(5000);
  assert.deepEqual(
    dan.frames().filter((f) => f.reason === "peer-left"),
    [],
    "the dropped claim does not fire",
  );
});

Deno.test("a claim in a login that resumes its session is ignored: the session's own state wins", () => {
  const h = new Harness();
  const ann = h.login("ann");
  const token = ann.one().resume;
  ann.drop();
  const back = h.relogin("ann", {
    resume: token,
    call: { callId: CALL, peer: "bob" },
  });
  assert.deepEqual(back.frames().map((f) => f.type), ["welcome"]);
  h.tick();
  const bob = h.login("bob");
  assert.deepEqual(bob.one().users, [{ name: "ann" }]);
});

Deno.test("a malformed login.call is bad-message and nothing is claimed", () => {
  const h = new Harness();
  for (
    const call of [
      "x",
      { callId: CALL },
      { peer: "bob" },
      { callId: 5, peer: "bob" },
      { callId: CALL, peer: "" },
      { callId: "x".repeat(65), peer: "bob" },
      { callId: CALL, peer: "bob", polite: "yes" },
    ]
  ) {
    const c = h.relogin("ann", { call });
    assert.equal(c.one().code, "bad-message", JSON.stringify(call));
  }
});

Deno.test("claims match on id and both names, case-insensitively; roles follow polite when given", () => {
  const a = { callId: "c", peer: "BOB" };
  const b = { callId: "c", peer: "Ann" };
  assert.ok(claimsMatch(a, "ann", b, "bob", nameKey));
  assert.ok(!claimsMatch(a, "ann", { ...b, callId: "d" }, "bob", nameKey));
  assert.ok(!claimsMatch(a, "ann", b, "carl", nameKey));
  assert.equal(restoredCallerIsFirst({ ...a }, { ...b }), true);
  assert.equal(restoredCallerIsFirst({ ...a, polite: true }, b), false);
  assert.equal(restoredCallerIsFirst(a, { ...b, polite: false }), false);
  assert.equal(restoredCallerIsFirst(a, { ...b, polite: true }), true);
});
