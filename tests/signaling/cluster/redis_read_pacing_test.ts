import assert from "node:assert/strict";
import {
  entryPayload,
  idAfter,
  ReadPacing,
  streamEntries,
  type StreamEntry,
} from "../../../signaling/cluster/redis_read_pacing.ts";

/** `count` entries with ids `<ms>-0` to `<ms>-<count - 1>`. */
function entries(ms: number, count: number): StreamEntry[] {
  return Array.from({ length: count }, (_, i) => [`${ms}-${i}`, ["d", "x"]]);
}

Deno.test("the reader goes on after the last entry it read, and stays put on an empty read", () => {
  const pacing = new ReadPacing();
  assert.equal(pacing.last, "0-0");
  pacing.read(entries(5, 3), 0);
  assert.equal(pacing.last, "5-2");
  pacing.read([], 1);
  assert.equal(pacing.last, "5-2");
});

Deno.test("a busy reader trims and acknowledges now and then; a quiet one at once", () => {
  // Each step: entries read (0: the read timed out), the time, the chores.
  const steps: [read: number, now: number, trim: boolean, ack: boolean][] = [
    [0, 0, false, true], // nothing read yet: nothing to trim
    [10, 1, true, false],
    [10, 11, false, false],
    [10, 21, false, true],
    [10, 30, false, false],
    [10, 251, true, true],
    [10, 260, false, false],
    [0, 261, true, true], // quiet: trims what it read since
    [0, 262, false, true], // nothing left to trim
    [10, 263, false, false],
  ];
  const pacing = new ReadPacing();
  steps.forEach(([read, now, trim, acknowledge], i) => {
    const chores = pacing.read(entries(now, read), now);
    assert.deepEqual(chores, { trim, acknowledge }, `step ${i}`);
  });
});

Deno.test("an XREAD reply's entries come out in order; a timed-out read has none", () => {
  const reply = [["parley:inbox:a", [["1-0", ["d", "x"]], ["1-1", [
    "d",
    "y",
  ]]]]];
  assert.deepEqual(streamEntries(reply), [
    ["1-0", ["d", "x"]],
    ["1-1", ["d", "y"]],
  ]);
  assert.deepEqual(streamEntries(null), []);
});

Deno.test("the id after an entry's is the next in its millisecond", () => {
  assert.equal(idAfter("1700000000000-0"), "1700000000000-1");
  assert.equal(idAfter("5-41"), "5-42");
});

Deno.test("an entry's payload is its d field, if it has one", () => {
  assert.equal(entryPayload(["d", "text"]), "text");
  assert.equal(entryPayload(["other", "1", "d", "text"]), "text");
  assert.equal(entryPayload(["other", "1"]), null);
});
