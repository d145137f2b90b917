import assert from "node:assert/strict";
import { current } from "../../../signaling/cluster/kv_keys.ts";

Deno.test("a lease or mark counts only until its until time", () => {
  const cases: [until: number | null, now: number, counts: boolean][] = [
    [null, 0, false],
    [100, 99, true],
    [100, 100, false],
    [100, 101, false],
  ];
  for (const [until, now, counts] of cases) {
    const value = until === null ? null : { until };
    assert.equal(current(value, now), counts ? value : null, `${until} ${now}`);
  }
});
