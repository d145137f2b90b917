import assert from "node:assert/strict";
import {
  decodeEntry,
  encodeEntry,
} from "../../../signaling/cluster/inbox_entry.ts";

Deno.test("an entry decodes to its sender, first number and messages, untouched", () => {
  const messages = [
    'm|7|{"type":"signal","to":"Bob","data":{"candidate":"a:b|c\\n"}}',
    "",
    "s|3|ünïcödé 🎉 and a colon: here",
    "t|0|",
  ];
  const text = encodeEntry("instance-a", 41, messages);
  assert.deepEqual(decodeEntry(text), {
    from: "instance-a",
    first: 41,
    messages,
  });
});

Deno.test("an entry with no messages decodes to none", () => {
  assert.deepEqual(decodeEntry(encodeEntry("a", 1, [])), {
    from: "a",
    first: 1,
    messages: [],
  });
});

Deno.test("text that is not an entry decodes to null", () => {
  for (
    const text of [
      "",
      "a",
      "a\n1",
      "\n1\n1:x",
      "a\n0\n1:x",
      "a\nx\n1:x",
      "a\n1\n5:abc",
      "a\n1\nx:abc",
      "a\n1\n3abc",
      'a\n1\n["json"]',
    ]
  ) {
    assert.equal(decodeEntry(text), null, JSON.stringify(text));
  }
});
