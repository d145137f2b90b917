import assert from "node:assert/strict";
import { Throttle } from "../../../signaling/cluster/throttle.ts";

Deno.test("a key's chore is due at first, then not again until the interval has passed", () => {
  const throttle = new Throttle<string>(100);
  const cases: [key: string, now: number, due: boolean][] = [
    ["a", 0, true],
    ["a", 50, false],
    ["b", 50, true],
    ["a", 99, false],
    ["a", 100, true],
    ["a", 150, false],
    ["b", 150, true],
    ["a", 1000, true],
  ];
  for (const [key, now, due] of cases) {
    assert.equal(throttle.due(key, now), due, `${key} at ${now}`);
  }
});
