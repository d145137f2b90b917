import assert from "node:assert/strict";
import { FanOut } from "../../../signaling/cluster/fan_out.ts";
import { decodeWire } from "../../../signaling/cluster/wire.ts";

function recording() {
  const sent: [string, unknown][] = [];
  const fanOut = new FanOut((to, message) =>
    sent.push([to, decodeWire(message)])
  );
  return { sent, fanOut };
}

Deno.test("one frame to several sockets of one instance goes as one message naming them all", async () => {
  const { sent, fanOut } = recording();
  const frame = '{"type":"presence"}';
  for (const conn of [1, 2, 3]) fanOut.frame("b", conn, frame);
  assert.equal(sent.length, 0, "nothing goes before the task ends");
  await Promise.resolve();
  assert.deepEqual(sent, [["b", {
    kind: "sendMany",
    conns: [1, 2, 3],
    frame,
  }]]);
});

Deno.test("frames keep their order per instance, and each instance gets its own runs", async () => {
  const { sent, fanOut } = recording();
  fanOut.frame("b", 1, "x");
  fanOut.frame("c", 5, "x");
  fanOut.frame("b", 1, "y");
  fanOut.frame("b", 1, "y");
  await Promise.resolve();
  assert.deepEqual(sent, [
    ["b", { kind: "send", conn: 1, frame: "x" }],
    ["b", { kind: "send", conn: 1, frame: "y" }],
    ["c", { kind: "send", conn: 5, frame: "x" }],
    ["b", { kind: "send", conn: 1, frame: "y" }],
  ]);
});

Deno.test("any other message goes behind the frames already queued for its instance", () => {
  const { sent, fanOut } = recording();
  fanOut.frame("b", 1, "last words");
  fanOut.message("b", "x|1|1000|bye");
  assert.deepEqual(sent, [
    ["b", { kind: "send", conn: 1, frame: "last words" }],
    ["b", { kind: "close", conn: 1, code: 1000, reason: "bye" }],
  ]);
});
