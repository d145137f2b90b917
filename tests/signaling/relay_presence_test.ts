import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

Deno.test("a join reaches the others as one presence delta on the next tick", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  const cat = h.login("cat");
  assert.deepEqual(cat.one().users, [
    { name: "ann" },
    { name: "bob" },
  ]);
  assert.equal(ann.frames().length, 0, "nothing before the tick");
  h.tick();
  const delta = {
    type: "presence",
    joined: [{ name: "cat" }],
  };
  assert.deepEqual(ann.one(), delta);
  assert.deepEqual(bob.one(), delta);
  assert.equal(cat.frames().length, 0, "nobody is told about themselves");
});

Deno.test("a join storm within one tick is one frame per member", () => {
  const h = new Harness();
  const [ann] = h.users(["ann"]);
  const joiners = Array.from({ length: 200 }, (_, i) => h.login(`user${i}`));
  h.tick();
  const frames = ann.frames();
  assert.equal(frames.length, 1);
  assert.equal(frames[0].joined.length, 200);
  // A late joiner's snapshot plus its delta add up to the room, without itself.
  const last = joiners[199];
  const [welcome, delta] = last.frames();
  const seen = new Set(welcome.users.map((u: { name: string }) => u.name));
  for (const u of delta.joined) seen.add(u.name);
  assert.equal(seen.size, 200);
  assert.ok(!seen.has("user199"));
  assert.ok(seen.has("ann"));
  const total = [...h.bus.frames.values()].reduce((n, f) => n + f.length, 0);
  assert.ok(total <= 2 * 201, `frames sent: ${total}`);
});

Deno.test("leaving, call state and re-joins are coalesced into left, joined and changed", () => {
  const h = new Harness();
  const [ann, bob, cat, dan] = h.users(["ann", "bob", "cat", "dan"]);
  bob.close();
  cat.send({ type: "call", to: "dan" });
  h.tick();
  assert.deepEqual(ann.frames(), [{
    type: "presence",
    left: ["bob"],
    changed: [{ name: "cat", state: "busy" }, { name: "dan", state: "busy" }],
  }]);
  assert.deepEqual(
    cat.frames().filter((f) => f.type === "presence"),
    [{
      type: "presence",
      left: ["bob"],
      changed: [{ name: "dan", state: "busy" }],
    }],
    "own state changes are left out",
  );
  // Join and leave within one tick: nothing to tell.
  const eve = h.login("eve");
  eve.close();
  h.tick();
  assert.equal(ann.frames().length, 0);
  dan.frames();
});

Deno.test("a name freed and taken again within a tick shows as left then joined", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  bob.close();
  const bob2 = h.login("BOB");
  assert.equal(bob2.one().name, "BOB", "the name is free again at once");
  h.tick();
  assert.deepEqual(ann.one(), {
    type: "presence",
    left: ["bob"],
    joined: [{ name: "BOB" }],
  });
});

Deno.test("users only see their own room", () => {
  const h = new Harness();
  const [ann] = h.users(["ann"], "parley", "red");
  const [tom] = h.users(["tom"], "tutorial", "red");
  ann.frames();
  const bob = h.login("bob", "parley", "blue");
  h.login("tim", "tutorial", "blue");
  assert.deepEqual(bob.one().users, []);
  h.tick();
  assert.equal(ann.frames().length, 0);
  assert.equal(tom.frames().length, 0);
  assert.deepEqual(bob.one().joined, [{ name: "tim" }]);
});

Deno.test("tutorial userlists are coalesced per tick and skip pure state changes", () => {
  const h = new Harness();
  const [tom, tim] = h.users(["tom", "tim"], "tutorial");
  for (let i = 0; i < 50; i++) h.login(`p${i}`);
  h.tick();
  const lists = tom.frames();
  assert.equal(lists.length, 1);
  assert.equal(lists[0].users.length, 52);
  tom.send({
    type: "video-offer",
    target: "tim",
    sdp: { type: "offer", sdp: "" },
  });
  tim.frames();
  h.tick();
  assert.equal(tom.frames().length, 0);
});

Deno.test("no presence timer runs while nothing changes", () => {
  const h = new Harness();
  h.users(["ann", "bob"]);
  assert.equal(h.clock.pending, 0);
});
