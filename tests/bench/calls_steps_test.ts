import assert from "node:assert/strict";
import {
  afterStep,
  type GeneratorReport,
  highestHeld,
  judgeStep,
  type RampMove,
  rampRates,
  type RampState,
  shareOfRate,
  spread,
  type StepResult,
  topHeldStep,
} from "../../bench/calls_steps.ts";

/** A generator's report with only what a test sets. */
function report(fields: Partial<GeneratorReport>): GeneratorReport {
  return {
    started: 0,
    completed: 0,
    latencies: [],
    startLags: [],
    cpuSeconds: 0,
    elapsedMs: 1000,
    errors: [],
    ...fields,
  };
}

/** A step of a ramp that held or not, at a rate. */
function step(rate: number, held: boolean): StepResult {
  return {
    rate,
    started: rate,
    completed: rate,
    p50Ms: 1,
    p99Ms: held ? 10 : 200,
    maxMs: 300,
    startLagP99Ms: 0,
    generatorCpu: 0.1,
    held,
    errors: [],
  };
}

Deno.test("a ramp rises by its factor in whole calls per second up to its maximum", () => {
  assert.deepEqual(rampRates(40, 1.25, 130), [40, 50, 63, 79, 99, 124]);
  // A factor too small to move a rounded rate still moves it by one.
  assert.deepEqual(rampRates(1, 1.1, 4), [1, 2, 3, 4]);
  assert.throws(() => rampRates(10, 1, 100));
  assert.throws(() => rampRates(0, 2, 100));
});

Deno.test("a step holds when every call completed and the p99 of all generators together is within the limit", () => {
  // 4 of 200 at the limit: the 198th fastest (the p99) is one of them.
  const fast = Array.from({ length: 98 }, () => 5);
  const held = judgeStep(200, [
    report({ started: 100, completed: 100, latencies: [...fast, 100, 100] }),
    report({ started: 100, completed: 100, latencies: [...fast, 100, 100] }),
  ], 100);
  assert.equal(held.started, 200);
  assert.equal(held.completed, 200);
  assert.equal(held.p99Ms, 100);
  assert.equal(held.maxMs, 100);
  assert.equal(held.held, true);
  // One generator's slow tail is the step's tail too.
  const slow = judgeStep(200, [
    report({ started: 100, completed: 100, latencies: fast.concat(5, 5) }),
    report({
      started: 100,
      completed: 100,
      latencies: [...Array(97).fill(5), 101, 101, 101],
    }),
  ], 100);
  assert.equal(slow.p99Ms, 101);
  assert.equal(slow.held, false);
});

Deno.test("a step with a call that never finished does not hold, however fast the rest were", () => {
  const step = judgeStep(100, [
    report({
      started: 100,
      completed: 99,
      latencies: Array(99).fill(1),
      errors: ["timeout (ring)"],
    }),
  ], 100);
  assert.equal(step.held, false);
  assert.deepEqual(step.errors, ["timeout (ring)"]);
  assert.equal(judgeStep(100, [report({})], 100).held, false);
});

Deno.test("the busiest generator's CPU is its CPU seconds over the step's wall time", () => {
  const step = judgeStep(100, [
    report({ cpuSeconds: 0.5, elapsedMs: 2000 }),
    report({ cpuSeconds: 1.5, elapsedMs: 2000 }),
  ], 100);
  assert.equal(step.generatorCpu, 0.75);
});

Deno.test("the highest held rate is the last before a rate that missed on every try", () => {
  assert.equal(
    highestHeld([step(40, true), step(50, true), step(63, false)]),
    50,
  );
  assert.equal(highestHeld([step(40, false)]), 0);
  assert.equal(highestHeld([]), 0);
  // A miss followed by a held retry at the same rate lets the ramp go on.
  const retried = [
    step(40, true),
    step(50, false),
    step(50, true),
    step(63, false),
    step(63, false),
  ];
  assert.equal(highestHeld(retried), 50);
  assert.equal(topHeldStep(retried), retried[2]);
  assert.equal(topHeldStep([step(40, false)]), undefined);
});

Deno.test("generators share a rate in equal parts, each offset by one interval so their calls interleave", () => {
  assert.deepEqual(shareOfRate(100, 2, 0), { rate: 50, offsetMs: 0 });
  assert.deepEqual(shareOfRate(100, 2, 1), { rate: 50, offsetMs: 10 });
});

Deno.test("a spread is the smallest, median and largest value", () => {
  assert.deepEqual(spread([3, 1, 2]), { min: 1, median: 2, max: 3 });
  assert.deepEqual(spread([4, 1, 2, 3]), { min: 1, median: 2.5, max: 4 });
});

Deno.test("after each step the ramp goes on, runs the rate again, or stops on a second real miss", () => {
  const rules = { maxStartLagMs: 50, maxVoids: 2 };
  const fresh = { missedAt: NaN, voids: 0 };
  const late = (s: StepResult) => ({ ...s, startLagP99Ms: 200 });
  // [state before, step, move, state after]
  const table: [RampState, StepResult, RampMove, RampState][] = [
    [fresh, step(40, true), "next", fresh],
    [fresh, step(50, false), "again", { missedAt: 50, voids: 0 }],
    [{ missedAt: 50, voids: 0 }, step(50, false), "stop", {
      missedAt: 50,
      voids: 0,
    }],
    [{ missedAt: 50, voids: 0 }, step(50, true), "next", fresh],
    // Generators that fell behind: run again, not counted as a miss…
    [fresh, late(step(63, false)), "again", { missedAt: NaN, voids: 1 }],
    [{ missedAt: 63, voids: 1 }, late(step(63, false)), "again", {
      missedAt: 63,
      voids: 2,
    }],
    // …until the ramp's allowance is spent.
    [{ missedAt: 63, voids: 2 }, late(step(63, false)), "stop", {
      missedAt: 63,
      voids: 2,
    }],
    // A late step that held is simply held.
    [fresh, late(step(79, true)), "next", fresh],
  ];
  for (const [before, result, move, after] of table) {
    assert.deepEqual(afterStep(before, result, rules), { state: after, move });
  }
});
