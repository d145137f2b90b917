import assert from "node:assert/strict";
import {
  IncomingNumbers,
  OutgoingNumbers,
} from "../../../signaling/cluster/numbering.ts";

Deno.test("each receiver's numbers count on from the first, apart from the others'", () => {
  const numbers = new OutgoingNumbers(1);
  assert.equal(numbers.take("b", 3), 1);
  assert.equal(numbers.take("c", 2), 1);
  assert.equal(numbers.take("b", 1), 4);
  assert.equal(numbers.take("b", 2), 5);
  assert.equal(numbers.take("c", 1), 3);
  assert.equal(new OutgoingNumbers(0).take("b", 5), 0);
});

Deno.test("refused sends use up their numbers only when skipped, after those queued before", () => {
  const numbers = new OutgoingNumbers(1);
  assert.equal(numbers.take("b", 2), 1);
  numbers.refused("b");
  numbers.refused("b");
  numbers.refused("c");
  assert.equal(numbers.take("b", 1), 3, "not skipped yet");
  numbers.skipRefused();
  assert.equal(numbers.take("b", 1), 6);
  assert.equal(numbers.take("c", 1), 2);
  numbers.skipRefused();
  assert.equal(numbers.take("b", 1), 7, "each refusal skipped once");
});

Deno.test("a receipt says which numbers are known already and how many are missing", () => {
  // Each case: the runs received in order, then the receipt of the last.
  const cases: [
    what: string,
    runs: [first: number, count: number][],
    known: number,
    missed: number,
    next: number,
  ][] = [
    ["the first run", [[1, 3]], 0, 0, 4],
    ["the next run", [[1, 3], [4, 2]], 0, 0, 6],
    ["a run after a gap", [[1, 3], [7, 2]], 0, 3, 9],
    ["a run received twice", [[1, 3], [1, 3]], 3, 0, 4],
    ["a run partly known", [[1, 3], [2, 4]], 2, 0, 6],
    ["a late run after a gap", [[1, 3], [7, 2], [4, 3]], 3, 0, 9],
    ["a late run reaching past", [[1, 3], [7, 2], [5, 6]], 4, 0, 11],
    ["an empty run at the next number", [[1, 3], [4, 0]], 0, 0, 4],
  ];
  for (const [what, runs, known, missed, next] of cases) {
    const numbers = new IncomingNumbers(1);
    let receipt;
    for (const [first, count] of runs) {
      receipt = numbers.receive("a", first, count);
    }
    assert.deepEqual(receipt, { known, missed }, what);
    assert.equal(numbers.next("a"), next, what);
  }
});

Deno.test("each sender's numbers are checked apart from the others'", () => {
  const numbers = new IncomingNumbers(0);
  assert.deepEqual(numbers.receive("a", 0, 1), { known: 0, missed: 0 });
  assert.deepEqual(numbers.receive("b", 0, 1), { known: 0, missed: 0 });
  assert.deepEqual(numbers.receive("a", 0, 1), { known: 1, missed: 0 });
  assert.equal(numbers.next("a"), 1);
  assert.equal(numbers.next("c"), 0);
});
