import assert from "node:assert/strict";
import {
  decodeEntry,
  encodeEntries,
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

Deno.test("messages are packed into entries up to the size bound, numbered on, one long message alone", () => {
  const cases: [
    what: string,
    lengths: number[],
    max: number,
    sizes: number[],
  ][] = [
    ["none", [], 10, []],
    ["all in one", [3, 3, 4], 10, [3]],
    ["split at the bound", [3, 3, 5, 2], 10, [2, 2]],
    ["a long message alone", [2, 12, 2], 10, [1, 1, 1]],
    ["a long message first", [12, 2], 10, [1, 1]],
  ];
  for (const [what, lengths, max, sizes] of cases) {
    const messages = lengths.map((n, i) => String(i % 10).repeat(n));
    const entries = encodeEntries("a", 7, messages, max);
    assert.deepEqual(entries.map((e) => e.count), sizes, what);
    let next = 7;
    const decoded: string[] = [];
    for (const entry of entries) {
      assert.equal(entry.first, next, what);
      const { from, first, messages } = decodeEntry(entry.payload)!;
      assert.deepEqual([from, first, messages.length], [
        "a",
        next,
        entry.count,
      ]);
      decoded.push(...messages);
      next += entry.count;
    }
    assert.deepEqual(decoded, messages, what);
  }
});
