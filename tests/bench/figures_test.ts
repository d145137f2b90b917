import assert from "node:assert/strict";
import { figure, formatTable, median, quantile } from "../../bench/figures.ts";

Deno.test("a figure with a baseline carries its ratio and judges a ratio target", () => {
  const f = figure("relay msgs/s", 90, "msg/s", {
    baseline: 100,
    target: { minRatio: 0.9 },
  });
  assert.deepEqual(f, {
    name: "relay msgs/s",
    value: 90,
    unit: "msg/s",
    baseline: 100,
    ratio: 0.9,
    target: "≥ 0.9× baseline",
    met: true,
  });
  assert.equal(
    figure("x", 89, "msg/s", { baseline: 100, target: { minRatio: 0.9 } }).met,
    false,
  );
});

Deno.test("a figure without baseline or target has nulls, as results.json promises", () => {
  const f = figure("html", 1234, "B");
  assert.equal(f.baseline, null);
  assert.equal(f.ratio, null);
  assert.equal(f.target, null);
  assert.equal(f.met, null);
});

Deno.test("value targets compare the value itself", () => {
  assert.equal(
    figure("js", 19_000, "B", { target: { max: 20_000 } }).met,
    true,
  );
  assert.equal(
    figure("js", 21_000, "B", { target: { max: 20_000 } }).met,
    false,
  );
});

Deno.test("the table marks missed targets", () => {
  const table = formatTable([
    figure("a", 1, "ms", { target: { max: 2 } }),
    figure("b", 3, "ms", { target: { max: 2 } }),
  ]);
  assert.match(table, /^a .* met$/m);
  assert.match(table, /^b .* MISSED$/m);
});

Deno.test("median handles odd and even counts", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("quantiles take the nearest rank, so the p99 of 100 values is the 99th", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(sorted, 0.99), 99);
  assert.equal(quantile(sorted, 0.5), 50);
  assert.equal(quantile([7], 0.99), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});
