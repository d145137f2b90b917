import assert from "node:assert/strict";
import {
  type CallsBenchResult,
  callsFigures,
  type CallsServer,
  type CallsStep,
  type Ramp,
} from "../../bench/calls_bench.ts";

/** A step at `rate` that held or not, with a server CPU per call. */
function step(rate: number, held: boolean, serverMsPerCall = 1): CallsStep {
  return {
    rate,
    started: rate,
    completed: rate,
    p50Ms: 1,
    p99Ms: held ? 10 : 200,
    maxMs: 300,
    startLagP99Ms: 0,
    generatorCpu: rate / 1000,
    held,
    errors: [],
    serverCpu: 0.5,
    redisCpu: null,
    serverMsPerCall,
  };
}

/** A ramp through `rates`, holding up to `held`, CPU per call `cost` each. */
function ramp(
  server: CallsServer,
  round: number,
  held: number,
  cost: number,
): Ramp {
  const rates = [40, 50, 63, 79, 99];
  const steps = rates.filter((r) => r <= held).map((r) => step(r, true, cost));
  const next = rates.find((r) => r > held);
  if (next) steps.push(step(next, false, cost), step(next, false, cost));
  return { server, round, steps, held };
}

function byName(result: CallsBenchResult) {
  return new Map(callsFigures(result).map((f) => [f.name, f]));
}

const HEAD = "calls/s held (p99 call → last candidate ≤ 100 ms)";

Deno.test("each server's best ramp is its figure, Parley's against the minimal relay's", () => {
  const figures = byName({
    ramps: [
      ramp("minimal", 1, 79, 1),
      ramp("single", 1, 50, 2),
      ramp("cluster", 1, 40, 4),
      ramp("minimal", 2, 99, 1),
      ramp("single", 2, 63, 2),
      ramp("cluster", 2, 50, 4),
    ],
    loadBefore: 1,
    loadAfter: 1,
  });
  assert.equal(figures.get(`${HEAD}: minimal relay`)?.value, 99);
  const single = figures.get(`${HEAD}: one instance`);
  assert.equal(single?.value, 63);
  assert.equal(single?.baseline, 99);
  const cluster = figures.get(`${HEAD}: two instances on Redis`);
  assert.equal(cluster?.value, 50);
  assert.equal(cluster?.baseline, 99);
  assert.equal(figures.get(`${HEAD}: two instances vs one`)?.baseline, 63);
  // CPU per call compared at the highest rate all three held (50/s).
  const cpu = figures.get(
    "calls: server CPU per call at 50/s, two instances on Redis",
  );
  assert.equal(cpu?.value, 4);
  assert.equal(cpu?.baseline, 1);
  assert.equal(
    figures.get("calls: busiest load generator CPU at 99/s, minimal relay")
      ?.value,
    0.099,
  );
});

Deno.test("a server that held no rate gets 0 and no CPU-per-call comparison", () => {
  const figures = byName({
    ramps: [ramp("minimal", 1, 79, 1), ramp("single", 1, 0, 2)],
    loadBefore: 1,
    loadAfter: 1,
  });
  assert.equal(figures.get(`${HEAD}: one instance`)?.value, 0);
  assert.ok(![...figures.keys()].some((name) => name.includes("CPU per call")));
});
