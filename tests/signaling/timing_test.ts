import assert from "node:assert/strict";
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  Sleeps,
  withTimeout,
} from "../../signaling/timing.ts";
import { ManualClock } from "./harness.ts";

Deno.test("the first retry waits between half the base delay and the base delay", () => {
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.equal(backoffDelay(0, () => 0.999999), 500);
});

Deno.test("each retry doubles the delay until the cap", () => {
  const top = (n: number) => backoffDelay(n, () => 0.999999);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(top), [
    500,
    1000,
    2000,
    4000,
    8000,
    16000,
    30000,
  ]);
});

Deno.test("no delay ever exceeds 30 seconds, even after thousands of retries", () => {
  for (const attempt of [7, 20, 100, 5000, Number.MAX_SAFE_INTEGER]) {
    for (const r of [0, 0.5, 0.999999]) {
      const delay = backoffDelay(attempt, () => r);
      assert.ok(delay <= DEFAULT_BACKOFF.capMs, `${attempt}/${r}: ${delay}`);
      assert.ok(
        delay >= DEFAULT_BACKOFF.capMs / 2,
        `${attempt}/${r}: ${delay}`,
      );
    }
  }
});

Deno.test("jitter spreads delays across the whole allowed range", () => {
  const delays = new Set<number>();
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  for (let i = 0; i < 200; i++) delays.add(backoffDelay(3, random));
  const list = [...delays];
  assert.ok(list.length > 100, "delays should differ between clients");
  assert.ok(Math.min(...list) >= 2000 && Math.max(...list) <= 4000);
});

Deno.test("nonsense inputs still give a delay within bounds", () => {
  assert.equal(backoffDelay(-3, () => 0.999999), 500);
  assert.equal(backoffDelay(1, () => 7), 1000);
  assert.equal(backoffDelay(1, () => -1), 500);
  assert.equal(backoffDelay(2, () => 0.5, { jitter: 0 }), 2000);
  assert.equal(backoffDelay(30, () => 0.5, { capMs: 1000, jitter: 0 }), 1000);
});

Deno.test("a promise that settles before its deadline passes through, and the deadline timer goes", async () => {
  const clock = new ManualClock();
  assert.equal(await withTimeout(clock, Promise.resolve(7), 100, "late"), 7);
  assert.equal(clock.pending, 0);
});

Deno.test("a promise still pending at its deadline rejects with the given message", async () => {
  const clock = new ManualClock();
  const never = new Promise<number>(() => {});
  const timed = withTimeout(clock, never, 100, "no answer in 100 ms");
  clock.advance(99);
  let settled = false;
  timed.catch(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false);
  clock.advance(1);
  await assert.rejects(timed, { message: "no answer in 100 ms" });
});

Deno.test("a sleep ends when its time comes on the clock", async () => {
  const clock = new ManualClock();
  const sleeps = new Sleeps(clock);
  let woke = false;
  sleeps.sleep(50).then(() => woke = true);
  clock.advance(49);
  await Promise.resolve();
  assert.equal(woke, false);
  clock.advance(1);
  await Promise.resolve();
  assert.equal(woke, true);
});

Deno.test("ending the sleeps wakes every sleeper at once, clears their timers, and later sleeps do not wait", async () => {
  const clock = new ManualClock();
  const sleeps = new Sleeps(clock);
  const both = Promise.all([sleeps.sleep(1000), sleeps.sleep(5000)]);
  assert.equal(clock.pending, 2);
  sleeps.end();
  await both;
  assert.equal(clock.pending, 0);
  await sleeps.sleep(1000);
  assert.equal(clock.pending, 0);
});
