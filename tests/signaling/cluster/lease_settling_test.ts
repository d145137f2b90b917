import assert from "node:assert/strict";
import { LeaseSettling } from "../../../signaling/cluster/lease_settling.ts";
import { ManualClock } from "../harness.ts";

/** Whether `promise` has settled once pending microtasks have run. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => settled = true);
  await new Promise((r) => setTimeout(r, 0));
  return settled;
}

Deno.test("free leases may be taken at once until the store comes back", async () => {
  const settling = new LeaseSettling(new ManualClock(), 5000);
  assert.equal(settling.takesFree, true);
  assert.equal(await isSettled(settling.settled()), true);
});

Deno.test("for leaseMs after the store came back, claims of free leases wait", async () => {
  const clock = new ManualClock();
  const settling = new LeaseSettling(clock, 5000);
  settling.storeBack();
  assert.equal(settling.takesFree, false);
  const first = settling.settled();
  clock.advance(2000);
  const second = settling.settled();
  assert.equal(first, second, "one wait for every claim meanwhile");
  assert.equal(await isSettled(first), false);
  clock.advance(2999);
  assert.equal(settling.takesFree, false);
  assert.equal(await isSettled(first), false);
  clock.advance(1);
  assert.equal(settling.takesFree, true);
  assert.equal(await isSettled(first), true);
  assert.equal(clock.pending, 0);
});

Deno.test("ending cuts the wait short, and later waits do not start", async () => {
  const clock = new ManualClock();
  const settling = new LeaseSettling(clock, 5000);
  settling.storeBack();
  const waiting = settling.settled();
  settling.end();
  assert.equal(await isSettled(waiting), true);
  assert.equal(clock.pending, 0);
  settling.storeBack();
  assert.equal(await isSettled(settling.settled()), true);
  assert.equal(clock.pending, 0);
});
