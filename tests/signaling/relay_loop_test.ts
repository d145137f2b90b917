/**
 * The relay's one loop seen from outside: a bus that reports back at once
 * (as a socket that overflows mid-fan-out does) never runs a handler inside
 * another; what it causes comes after the output that caused it.
 */

import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

Deno.test("a socket kicked while a chat fans out gets its session ended after the fan-out, not inside it", () => {
  const h = new Harness();
  const [ann, bob, cat, dan] = h.users(["ann", "bob", "cat", "dan"]);
  const callId = h.acceptedCall(bob, cat, "cat");
  const send = h.bus.send.bind(h.bus);
  let kicked = false;
  h.bus.send = (id, frame) => {
    const sent = send(id, frame);
    // Bob's socket overflows on the chat, and the transport says so at once.
    if (id === bob.id && !kicked && frame.includes('"chat"')) {
      kicked = true;
      h.relay.kick(bob.id, 1008, "too slow: stopped reading");
    }
    return sent;
  };
  ann.send({ type: "chat", text: "hello" });
  assert.equal(kicked, true);
  assert.deepEqual(cat.frames().map((f) => f.type), ["chat", "ended"]);
  assert.deepEqual(dan.frames().map((f) => f.type), ["chat"]);
  assert.deepEqual(ann.frames().map((f) => f.type), ["chat"]);
  assert.equal(h.bus.closes.get(bob.id)?.code, 1008);
  assert.equal(h.relay.stats().users, 3);
  assert.equal(h.relay.stats().calls, 0);
  assert.ok(!h.logs.some((r) => r.event === "internal-error"));
  h.tick();
  assert.deepEqual(cat.frames(), [{ type: "presence", left: ["bob"] }]);
  void callId;
});

Deno.test("a bus that reports the close at once leaves the session ended once, under the relay's own close", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  h.acceptedCall(ann, bob, "bob");
  const close = h.bus.close.bind(h.bus);
  h.bus.close = (id, code, reason) => {
    close(id, code, reason);
    // A transport that fires its close event synchronously, as unclean.
    h.relay.disconnect(id, 1006, false);
  };
  h.relay.kick(bob.id, 1008, "rate limit exceeded for too long");
  assert.deepEqual(ann.frames().map((f) => [f.type, f.reason]), [
    ["ended", "peer-left"],
  ]);
  const stats = h.relay.stats();
  assert.equal(stats.detached, 0, "a kicked socket's session is not kept");
  assert.equal(stats.users, 1);
  assert.equal(stats.connections, 1);
});
