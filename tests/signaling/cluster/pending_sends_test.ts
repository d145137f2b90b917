import assert from "node:assert/strict";
import { PendingSends } from "../../../signaling/cluster/pending_sends.ts";

/** Admits while fewer than `limit` are queued, and remembers what it was asked. */
function gate(limit: number) {
  const asked: number[] = [];
  return {
    asked,
    admits(queued: number): boolean {
      asked.push(queued);
      return queued < limit;
    },
  };
}

Deno.test("queued messages come back per receiver in send order, and the queue is empty after", () => {
  const pending = new PendingSends(gate(100));
  for (const [to, message] of [["b", "1"], ["c", "x"], ["b", "22"]]) {
    assert.equal(pending.add(to, message), true);
  }
  assert.equal(pending.count, 3);
  assert.equal(pending.chars, 4);
  assert.deepEqual([...pending.takeAll()], [["b", ["1", "22"]], ["c", ["x"]]]);
  assert.equal(pending.count, 0);
  assert.equal(pending.chars, 0);
  assert.deepEqual([...pending.takeAll()], []);
});

Deno.test("the message bound is the gate's: it is asked with the count queued", () => {
  const outage = gate(2);
  const pending = new PendingSends(outage);
  const added = ["a", "b", "c"].map((m) => pending.add("b", m));
  assert.deepEqual(added, [true, true, false]);
  assert.deepEqual(outage.asked, [0, 1, 2]);
  assert.deepEqual(pending.peek("b"), ["a", "b"]);
});

Deno.test("the character bound refuses only the sends it applies to", () => {
  const cases: [
    bounded: boolean,
    queued: string[],
    next: string,
    ok: boolean,
  ][] = [
    [true, ["12345"], "12345", true],
    [true, ["12345"], "123456", false],
    [true, [], "12345678901", false],
    [false, ["12345"], "123456", true],
  ];
  for (const [bounded, queued, next, ok] of cases) {
    const outage = gate(100);
    const pending = new PendingSends(outage, 10);
    for (const message of queued) pending.add("b", message);
    assert.equal(pending.add("b", next, bounded), ok, `${bounded} ${next}`);
    // A send over the bound is put to the gate as if the buffer were full,
    // so that the gate counts and logs it like any other refusal.
    assert.equal(outage.asked.at(-1), ok ? queued.length : Infinity);
  }
});

Deno.test("dropping the oldest of one receiver's messages leaves the rest and the others", () => {
  const pending = new PendingSends(gate(100));
  for (const message of ["1", "22", "333"]) pending.add("b", message);
  pending.add("c", "x");
  pending.drop("b", 2);
  assert.deepEqual(pending.peek("b"), ["333"]);
  assert.equal(pending.count, 2);
  assert.equal(pending.chars, 4);
  pending.drop("b", 5);
  assert.deepEqual(pending.peek("b"), []);
  assert.deepEqual([...pending.takeAll()], [["c", ["x"]]]);
});
