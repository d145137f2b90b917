import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

Deno.test("evicting a room closes its sockets and forgets its users and calls without a frame to anyone", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"], "parley", "team");
  const other = h.login("dan", "parley", "other");
  h.acceptedCall(ann, bob, "bob");
  h.tick();
  for (const c of [ann, bob, cat, other]) c.frames();
  const before = h.relay.stats();
  assert.equal(before.calls, 1);

  h.relay.evictRoom("team", 1012, "room moved; reconnect");
  h.clock.advance(60_000);

  for (const c of [ann, bob, cat]) {
    assert.deepEqual(c.frames(), [], "no peer-left, no presence");
    assert.equal(h.bus.closes.get(c.id)?.code, 1012);
  }
  assert.deepEqual(other.frames(), []);
  const after = h.relay.stats();
  assert.equal(after.calls, 0);
  assert.equal(after.users, 1);
  assert.equal(after.connections, 1);
  assert.equal(after.rooms, 1);
  assert.equal(h.relay.hasRoom("team"), false);
  assert.equal(h.relay.hasRoom("other"), true);
  assert.equal(h.clock.pending, 0, "no ring, grace or claim timer left");
});

Deno.test("a room counts as in use while it has a socket, even before login", () => {
  const h = new Harness();
  assert.equal(h.relay.hasRoom("team"), false);
  const early = h.connect("parley", "team");
  assert.equal(h.relay.hasRoom("team"), true);
  early.close();
  assert.equal(h.relay.hasRoom("team"), false);
});

Deno.test("a detached session keeps its room in use", () => {
  const h = new Harness();
  const ann = h.login("ann", "parley", "team");
  h.tick();
  ann.drop();
  assert.equal(h.relay.hasRoom("team"), true);
  h.clock.advance(31_000);
  h.tick();
  assert.equal(h.relay.hasRoom("team"), false);
});
