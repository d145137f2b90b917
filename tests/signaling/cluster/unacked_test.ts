import assert from "node:assert/strict";
import {
  type HeldEntry,
  UnackedMessages,
} from "../../../signaling/cluster/unacked.ts";

/** An entry of `count` messages numbered from `first`, `chars` long. */
function entry(first: number, count = 1, chars = 2): HeldEntry {
  return { first, count, payload: `${first}:`.padEnd(chars, "x") };
}

/** `count` entries of one message each, numbered from `first`. */
function singles(first: number, count: number, chars = 2): HeldEntry[] {
  return Array.from({ length: count }, (_, i) => entry(first + i, 1, chars));
}

/** The first number of each entry to send again, per receiver. */
function firsts(resends: [string, HeldEntry[]][]): Record<string, number[]> {
  return Object.fromEntries(
    resends.map(([to, held]) => [to, held.map((e) => e.first)]),
  );
}

Deno.test("nothing is sent again until a resend is asked for", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", [entry(1, 3)], 0);
  assert.deepEqual(unacked.takeResends(), []);
  assert.equal(unacked.size, 3);
});

Deno.test("after resendAll each receiver's held entries come back as written and in order, once per ask", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  const b = [entry(1, 2), entry(3, 1), entry(4, 1)];
  const c = [entry(1, 2)];
  unacked.add("b", b.slice(0, 2), 0);
  unacked.add("c", c, 0);
  unacked.add("b", b.slice(2), 0);
  unacked.resendAll();
  assert.deepEqual(unacked.takeResends(), [["b", b], ["c", c]]);
  assert.deepEqual(unacked.takeResends(), [], "asked once, sent once");
  assert.equal(unacked.size, 6, "still held until acknowledged");
});

Deno.test("a resend for one receiver leaves the others alone", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", singles(1, 2), 0);
  unacked.add("c", singles(1, 2), 0);
  unacked.resend("c");
  assert.deepEqual(firsts(unacked.takeResends()), { c: [1, 2] });
});

Deno.test("an acknowledgement lets go of the numbers below it and no more", () => {
  const cases: [ack: number, left: number[]][] = [
    [1, [1, 2, 3, 4, 5]],
    [3, [3, 4, 5]],
    [6, []],
    [99, []],
  ];
  for (const [ack, left] of cases) {
    const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
    unacked.add("b", singles(1, 5), 0);
    unacked.ack("b", ack, 1);
    unacked.resendAll();
    const expected = left.length ? { b: left } : {};
    assert.deepEqual(firsts(unacked.takeResends()), expected, `ack ${ack}`);
    assert.equal(unacked.size, left.length);
    assert.equal(unacked.chars, left.length * 2);
    assert.deepEqual(unacked.receivers(), left.length ? ["b"] : []);
  }
});

Deno.test("a partly acknowledged entry is kept and sent again whole", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  const entries = [entry(1, 3, 10), entry(4, 3, 10)];
  unacked.add("b", entries, 0);
  unacked.ack("b", 3, 1);
  assert.equal(unacked.size, 6, "1 and 2 read, but their entry holds 3");
  assert.equal(unacked.chars, 20);
  unacked.ack("b", 5, 2);
  assert.equal(unacked.size, 3);
  assert.equal(unacked.chars, 10);
  unacked.resendAll();
  assert.deepEqual(unacked.takeResends(), [["b", [entries[1]]]]);
  unacked.ack("b", 7, 3);
  assert.equal(unacked.size, 0);
  assert.deepEqual(unacked.receivers(), []);
});

Deno.test("past the message bound the oldest of the receiver holding most go", () => {
  const unacked = new UnackedMessages({ messages: 5, chars: 1000 });
  unacked.add("b", singles(1, 4), 0);
  unacked.add("c", singles(1, 2), 0);
  assert.equal(unacked.size, 5);
  assert.equal(unacked.evicted, 1);
  unacked.resendAll();
  assert.deepEqual(firsts(unacked.takeResends()), { b: [2, 3, 4], c: [1, 2] });
});

Deno.test("past the message bound a whole entry goes, counted in messages", () => {
  const unacked = new UnackedMessages({ messages: 5, chars: 1000 });
  unacked.add("b", [entry(1, 3), entry(4, 1)], 0);
  unacked.add("c", [entry(1, 2)], 0);
  assert.equal(unacked.size, 3);
  assert.equal(unacked.evicted, 3);
  unacked.resendAll();
  assert.deepEqual(firsts(unacked.takeResends()), { b: [4], c: [1] });
});

Deno.test("past the character bound big messages cannot make it hold more", () => {
  const unacked = new UnackedMessages({ messages: 1000, chars: 100 });
  for (let i = 1; i <= 50; i++) unacked.add("b", [entry(i, 1, 30)], 0);
  assert.ok(unacked.chars <= 100);
  assert.equal(unacked.size, 3);
  assert.equal(unacked.evicted, 47);
  unacked.resendAll();
  assert.deepEqual(firsts(unacked.takeResends()), { b: [48, 49, 50] });
});

Deno.test("a receiver whose acknowledgement has not moved for the age limit is let go", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", [entry(1, 3)], 0);
  unacked.add("c", singles(1, 3), 0);
  unacked.ack("c", 2, 500);
  unacked.forgetStale(999, 1000);
  assert.equal(unacked.size, 5, "not yet");
  unacked.forgetStale(1000, 1000);
  assert.deepEqual(unacked.receivers(), ["c"]);
  assert.equal(unacked.size, 2);
  assert.equal(unacked.evicted, 3);
});

Deno.test("a long run of sends and acknowledgements keeps only the unacknowledged", () => {
  const unacked = new UnackedMessages({ messages: 100_000, chars: 10_000_000 });
  let next = 1;
  for (let round = 0; round < 200; round++) {
    const entries: HeldEntry[] = [];
    for (let i = 0; i < 10; i++, next += 10) entries.push(entry(next, 10));
    unacked.add("b", entries, round);
    unacked.ack("b", next - 10, round);
  }
  assert.equal(unacked.size, 10);
  assert.equal(unacked.chars, entry(next - 10, 10).payload.length);
  unacked.resendAll();
  assert.deepEqual(firsts(unacked.takeResends()), { b: [next - 10] });
});
