import assert from "node:assert/strict";
import {
  decodeWire,
  encodeWire,
  frameWire,
  sendWire,
  type WireMessage,
} from "../../../signaling/cluster/wire.ts";

const samples: WireMessage[] = [
  { kind: "open", conn: 7, dialect: "parley", room: "team-1", ip: "::1" },
  { kind: "open", conn: 8, dialect: "tutorial", room: "" },
  {
    kind: "open",
    conn: 9,
    dialect: "parley",
    room: "r",
    ip: "10.0.0.7",
    hasOrigin: true,
  },
  { kind: "open", conn: 10, dialect: "parley", room: "", hasOrigin: true },
  { kind: "frame", conn: 9, data: '{"type":"chat","text":"a|b|c"}' },
  { kind: "frame", conn: 9, data: "" },
  { kind: "binary", conn: 10 },
  { kind: "closed", conn: 11, code: 1006, wasClean: false },
  { kind: "closed", conn: 11, code: 1000, wasClean: true },
  { kind: "send", conn: 2 ** 40 + 3, frame: '{"type":"x","s":"|"}' },
  { kind: "close", conn: 12, code: 1012, reason: "room moved | reconnect" },
  { kind: "tick" },
  { kind: "sendMany", conns: [3, 2 ** 40, 7], frame: '{"t":"a|b"}' },
];

Deno.test("every wire message decodes to what was encoded", () => {
  for (const message of samples) {
    assert.deepEqual(decodeWire(encodeWire(message)), message);
  }
});

Deno.test("the hot-path encoders match the general one", () => {
  assert.equal(
    frameWire(3, "{}"),
    encodeWire({ kind: "frame", conn: 3, data: "{}" }),
  );
  assert.equal(
    sendWire(3, "{}"),
    encodeWire({ kind: "send", conn: 3, frame: "{}" }),
  );
});

Deno.test("text that is not a wire message decodes to null", () => {
  for (
    const text of [
      "",
      "m",
      "m|",
      "m|1",
      "mm|1|x",
      "q|1|x",
      "m|0|x",
      "m|-1|x",
      "m|1.5|x",
      "m|abc|x",
      "o|1|jabber|room|",
      "o|1|parley|room",
      "o|1|parley|room|ip|extra",
      "o|1|parley|room|ip|0",
      "o|1|parley|room|ip|1|extra",
      "c|1|1006|2",
      "c|1|x|1",
      "x|1|nocode",
      "x|1|abc|reason",
      "S|",
      "S|1,x|{}",
      "S|1,,2|{}",
      "S|0|{}",
    ]
  ) {
    assert.equal(decodeWire(text), null, JSON.stringify(text));
  }
});
