import assert from "node:assert/strict";
import {
  type Numbered,
  UnackedMessages,
} from "../../../signaling/cluster/unacked.ts";

function numbered(from: number, count: number, text = "m"): Numbered[] {
  return Array.from({ length: count }, (_, i) => [from + i, `${text}${i}`]);
}

function seqs(resends: [string, Numbered[]][]): Record<string, number[]> {
  return Object.fromEntries(
    resends.map(([to, held]) => [to, held.map((n) => n[0])]),
  );
}

Deno.test("nothing is sent again until a resend is asked for", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", numbered(1, 3), 0);
  assert.equal(unacked.resendDue, false);
  assert.deepEqual(unacked.takeResends(), []);
  assert.equal(unacked.size, 3);
});

Deno.test("after resendAll each receiver's held messages come back in order, once per ask", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", numbered(1, 3), 0);
  unacked.add("c", numbered(1, 2), 0);
  unacked.add("b", numbered(4, 1), 0);
  unacked.resendAll();
  assert.equal(unacked.resendDue, true);
  assert.deepEqual(seqs(unacked.takeResends()), { b: [1, 2, 3, 4], c: [1, 2] });
  assert.equal(unacked.resendDue, false);
  assert.deepEqual(unacked.takeResends(), [], "asked once, sent once");
  assert.equal(unacked.size, 6, "still held until acknowledged");
});

Deno.test("a resend for one receiver leaves the others alone", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", numbered(1, 2), 0);
  unacked.add("c", numbered(1, 2), 0);
  unacked.resend("c");
  assert.deepEqual(seqs(unacked.takeResends()), { c: [1, 2] });
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
    unacked.add("b", numbered(1, 5), 0);
    unacked.ack("b", ack, 1);
    unacked.resendAll();
    const expected = left.length ? { b: left } : {};
    assert.deepEqual(seqs(unacked.takeResends()), expected, `ack ${ack}`);
    assert.equal(unacked.size, left.length);
    assert.equal(unacked.chars, left.length * 2);
    assert.deepEqual(unacked.receivers(), left.length ? ["b"] : []);
  }
});

Deno.test("past the message bound the oldest of the receiver holding most go", () => {
  const unacked = new UnackedMessages({ messages: 5, chars: 1000 });
  unacked.add("b", numbered(1, 4), 0);
  unacked.add("c", numbered(1, 2), 0);
  assert.equal(unacked.size, 5);
  assert.equal(unacked.evicted, 1);
  unacked.resendAll();
  assert.deepEqual(seqs(unacked.takeResends()), { b: [2, 3, 4], c: [1, 2] });
});

Deno.test("past the character bound big messages cannot make it hold more", () => {
  const unacked = new UnackedMessages({ messages: 1000, chars: 100 });
  for (let i = 1; i <= 50; i++) unacked.add("b", [[i, "x".repeat(30)]], 0);
  assert.ok(unacked.chars <= 100);
  assert.equal(unacked.size, 3);
  assert.equal(unacked.evicted, 47);
  unacked.resendAll();
  assert.deepEqual(seqs(unacked.takeResends()), { b: [48, 49, 50] });
});

Deno.test("a receiver whose acknowledgement has not moved for the age limit is let go", () => {
  const unacked = new UnackedMessages({ messages: 100, chars: 1000 });
  unacked.add("b", numbered(1, 3), 0);
  unacked.add("c", numbered(1, 3), 0);
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
  for (let round = 0; round < 100; round++) {
    unacked.add("b", numbered(next, 100), round);
    next += 100;
    unacked.ack("b", next - 10, round);
  }
  assert.equal(unacked.size, 10);
  unacked.resendAll();
  assert.deepEqual(
    seqs(unacked.takeResends()).b,
    numbered(next - 10, 10).map((n) => n[0]),
  );
});
