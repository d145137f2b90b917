import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

Deno.test("a frame over the size limit closes the socket with 1009; one at the limit is fine", () => {
  const h = new Harness({ maxFrameBytes: 1024 });
  const [ann, bob] = h.users(["ann", "bob"]);
  const pad = (n: number) =>
    JSON.stringify({ type: "chat", text: "x", pad: "y".repeat(n) });
  const fits = pad(1024 - pad(0).length);
  assert.equal(fits.length, 1024);
  ann.send(fits);
  assert.equal(ann.one().type, "chat");
  // Multi-byte characters count in UTF-8 bytes.
  ann.send(JSON.stringify({ type: "chat", text: "é".repeat(500) }));
  assert.equal(h.bus.closes.get(ann.id)?.code, 1009);
  bob.frames();
  h.tick();
  assert.deepEqual(bob.one().left, ["ann"]);
});

Deno.test("a flood is warned once a second and cut off with 1008 after sustained abuse", () => {
  const h = new Harness({
    ratePerSecond: 10,
    rateBurst: 20,
    abuseCloseMs: 3000,
  });
  const [ann, bob] = h.users(["ann", "bob"]);
  for (let i = 0; i < 25; i++) ann.send({ type: "ping" });
  const frames = ann.frames();
  assert.equal(
    frames.filter((f) => f.type === "pong").length,
    19,
    "login took a token",
  );
  assert.deepEqual(
    frames.filter((f) => f.type === "error").map((f) => f.code),
    ["rate-limited"],
  );
  // Keep flooding at 10x the rate for 3 s.
  for (let t = 0; t < 3000 && !h.bus.closes.has(ann.id); t += 10) {
    h.clock.advance(10);
    ann.send({ type: "ping" });
  }
  assert.equal(h.bus.closes.get(ann.id)?.code, 1008);
  assert.equal(h.relay.stats().kicked["1008"], 1);
  bob.send({ type: "ping" });
  assert.equal(bob.frames().at(-1)?.type, "pong", "others are unaffected");
});

Deno.test("a short burst over the limit is forgiven once the client slows down", () => {
  const h = new Harness({
    ratePerSecond: 10,
    rateBurst: 10,
    abuseCloseMs: 3000,
  });
  const [ann] = h.users(["ann"]);
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 15; i++) ann.send({ type: "ping" });
    h.clock.advance(2000);
  }
  assert.equal(h.bus.closes.size, 0);
});
