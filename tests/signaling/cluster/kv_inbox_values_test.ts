import assert from "node:assert/strict";
import {
  type InboxValue,
  packBatch,
  Reassembly,
} from "../../../signaling/cluster/kv_inbox_values.ts";

/** Packs `queue`, failing the test if a message is reported too large. */
function pack(queue: string[]) {
  return packBatch(queue, (chars) => assert.fail(`too large: ${chars}`));
}

/** The messages `values` hold, put back together. */
function unpack(values: InboxValue[]): string[] {
  const reassembly = new Reassembly();
  return values.flatMap((value) => [...reassembly.messages("a", value)]);
}

/** A batch's shape: a number per batch value, a string per piece. */
function shape(values: InboxValue[]): (number | string)[] {
  return values.map((v) =>
    Array.isArray(v) ? v.length : v.last ? "last piece" : "piece"
  );
}

Deno.test("small messages share one value", () => {
  const { values, taken } = pack(["a", "b", "c"]);
  assert.deepEqual(values, [["a", "b", "c"]]);
  assert.equal(taken, 3);
});

Deno.test("messages that do not fit one value together go in several", () => {
  const queue = ["x".repeat(20_000), "y".repeat(20_000), "z"];
  const { values, taken } = pack(queue);
  assert.deepEqual(shape(values), [1, 2]);
  assert.equal(taken, 3);
  assert.deepEqual(unpack(values), queue);
});

Deno.test("a message too large for a value becomes pieces in order, between its neighbours", () => {
  const big = Array.from({ length: 100_000 }, (_, i) => String(i % 7)).join("");
  const queue = ["before", big, "after"];
  const { values, taken } = pack(queue);
  assert.deepEqual(shape(values), [
    1,
    "piece",
    "piece",
    "piece",
    "last piece",
    1,
  ]);
  assert.equal(taken, 3);
  assert.deepEqual(unpack(values), queue);
});

Deno.test("a batch ends where the next message would not fit the commit", () => {
  const queue = Array.from({ length: 5 }, (_, i) => String(i).repeat(100_000));
  const { values, taken } = pack(queue);
  assert.equal(taken, 3);
  assert.deepEqual(unpack(values), queue.slice(0, 3));
});

Deno.test("a message too large for any commit is skipped and reported", () => {
  const tooLarge: number[] = [];
  const { values, taken } = packBatch(
    ["a", "x".repeat(400_000), "b"],
    (chars) => tooLarge.push(chars),
  );
  assert.deepEqual(values, [["a", "b"]]);
  assert.equal(taken, 3);
  assert.deepEqual(tooLarge, [400_000]);
});

Deno.test("an empty queue packs to nothing", () => {
  assert.deepEqual(pack([]), { values: [], taken: 0 });
});

Deno.test("pieces from two senders are put together apart", () => {
  const reassembly = new Reassembly();
  const got = [
    reassembly.messages("a", { part: "a1", last: false }),
    reassembly.messages("b", { part: "b1", last: false }),
    reassembly.messages("a", ["whole"]),
    reassembly.messages("b", { part: "b2", last: true }),
    reassembly.messages("a", { part: "a2", last: true }),
  ];
  assert.deepEqual(got, [[], [], ["whole"], ["b1b2"], ["a1a2"]]);
});
