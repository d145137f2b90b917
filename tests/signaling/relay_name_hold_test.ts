/**
 * After a restart, the name of a claimed call's other party is held for it
 * while the claim waits: see `signaling/name_holds.ts`.
 */
import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

const CALL = "q2v8Jd1nX0aL5cTfWm3yHg";

Deno.test("a third party logging in as a claimed call's peer is renamed, and the peer's own claim still restores the call", () => {
  const h = new Harness();
  const ann = h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  ann.frames();
  const mallory = h.relogin("bob", {});
  const taken = mallory.one();
  assert.equal(taken.name, "bob 2");
  assert.equal(taken.renamed, true);
  const bob = h.relogin("bob", { call: { callId: CALL, peer: "ann" } });
  const [welcome, restored] = bob.frames();
  assert.equal(welcome.name, "bob");
  assert.equal(welcome.renamed, false);
  assert.deepEqual(restored, {
    type: "call-restored",
    callId: CALL,
    peer: "ann",
  });
  assert.equal(ann.one().type, "call-restored");
  assert.equal(h.relay.stats().restored, 1);
});

Deno.test("the held name is refused to any case variant, to a claim on another call and to the tutorial dialect", () => {
  const h = new Harness();
  h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  assert.equal(h.relogin("BOB", {}).one().name, "BOB 2");
  const wrongCall = h.relogin("bob", {
    call: { callId: "guessed-call-id-000000", peer: "ann" },
  });
  assert.equal(wrongCall.frames()[0].name, "bob 3");
  const wrongPeer = h.relogin("bob", { call: { callId: CALL, peer: "cat" } });
  assert.equal(wrongPeer.frames()[0].name, "bob 4");
  const tutorial = h.login("bob", "tutorial");
  assert.deepEqual(
    tutorial.frames().find((f) => f.type === "rejectusername")?.name,
    "bob 5",
  );
});

Deno.test("the hold ends when the claim stops waiting: after the grace period, or on hang-up", () => {
  const h = new Harness({ resumeGraceMs: 5000 });
  h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  h.clock.advance(5000);
  assert.equal(h.relogin("bob", {}).one().name, "bob");

  const cat = h.relogin("cat", { call: { callId: CALL, peer: "dan" } });
  cat.frames();
  assert.equal(h.relogin("dan", {}).one().name, "dan 2", "held");
  cat.send({ type: "hangup", callId: CALL });
  assert.equal(h.relogin("dan", {}).one().name, "dan", "free again");
});

Deno.test("the hold ends when its claimant leaves", () => {
  const h = new Harness();
  const ann = h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  ann.close();
  assert.equal(h.relogin("bob", {}).one().name, "bob");
});

Deno.test("nothing is held when the named peer is already in the room", () => {
  const h = new Harness();
  const bob = h.login("bob");
  h.relogin("ann", { call: { callId: CALL, peer: "bob" } });
  bob.close();
  assert.equal(h.relogin("bob", {}).one().name, "bob");
});
