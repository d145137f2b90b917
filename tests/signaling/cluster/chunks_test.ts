import assert from "node:assert/strict";
import { chunks } from "../../../signaling/cluster/chunks.ts";

Deno.test("a list splits into runs of the size, in order, the last one shorter", () => {
  const cases: [items: number[], size: number, runs: number[][]][] = [
    [[], 3, []],
    [[1], 3, [[1]]],
    [[1, 2, 3], 3, [[1, 2, 3]]],
    [[1, 2, 3, 4], 3, [[1, 2, 3], [4]]],
    [[1, 2, 3, 4, 5, 6, 7], 2, [[1, 2], [3, 4], [5, 6], [7]]],
  ];
  for (const [items, size, runs] of cases) {
    assert.deepEqual(chunks(items, size), runs, `${items} by ${size}`);
  }
});
