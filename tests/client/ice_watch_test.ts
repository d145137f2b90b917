import assert from "node:assert/strict";
import { watchIce } from "../../client/ice_watch.ts";
import { FakeClock, FakePeerConnection } from "./fakes.ts";

Deno.test("a failed ICE connection is restarted at once", () => {
  const pc = new FakePeerConnection();
  const stop = watchIce(pc, { timers: new FakeClock() });
  pc.setIceState("failed");
  assert.equal(pc.restarts, 1);
  stop();
});

Deno.test("a disconnection is given a grace period before restarting", () => {
  const clock = new FakeClock();
  const pc = new FakePeerConnection();
  const stop = watchIce(pc, { timers: clock, graceMs: 3000 });
  pc.setIceState("disconnected");
  clock.tick(2999);
  assert.equal(pc.restarts, 0);
  clock.tick(1);
  assert.equal(pc.restarts, 1);
  stop();
});

Deno.test("a disconnection that heals by itself causes no restart", () => {
  const clock = new FakeClock();
  const pc = new FakePeerConnection();
  const stop = watchIce(pc, { timers: clock, graceMs: 3000 });
  pc.setIceState("disconnected");
  clock.tick(1000);
  pc.setIceState("connected");
  clock.tick(10_000);
  assert.equal(pc.restarts, 0);
  assert.equal(clock.pending, 0);
  stop();
});

Deno.test("after too many fruitless restarts the watcher gives up", () => {
  const pc = new FakePeerConnection();
  let gaveUp = 0;
  const stop = watchIce(pc, {
    timers: new FakeClock(),
    maxRestarts: 2,
    onGiveUp: () => gaveUp++,
  });
  pc.setIceState("failed");
  pc.setIceState("checking");
  pc.setIceState("failed");
  assert.equal(gaveUp, 0);
  pc.setIceState("failed");
  assert.equal(pc.restarts, 2);
  assert.equal(gaveUp, 1);
  stop();
});

Deno.test("reaching connected resets the restart budget", () => {
  const pc = new FakePeerConnection();
  let gaveUp = 0;
  const stop = watchIce(pc, {
    timers: new FakeClock(),
    maxRestarts: 1,
    onGiveUp: () => gaveUp++,
  });
  pc.setIceState("failed");
  pc.setIceState("connected");
  pc.setIceState("failed");
  assert.equal(pc.restarts, 2);
  assert.equal(gaveUp, 0);
  stop();
});

Deno.test("stopping the watcher cancels a pending restart and detaches", () => {
  const clock = new FakeClock();
  const pc = new FakePeerConnection();
  const stop = watchIce(pc, { timers: clock });
  pc.setIceState("disconnected");
  stop();
  clock.tick(60_000);
  assert.equal(pc.restarts, 0);
  assert.equal(pc.oniceconnectionstatechange, null);
});

Deno.test("a connection that stays broken is given up on after a while", () => {
  const clock = new FakeClock();
  const pc = new FakePeerConnection();
  let gaveUp = 0;
  const stop = watchIce(pc, {
    timers: clock,
    giveUpMs: 20_000,
    onGiveUp: () => gaveUp++,
  });
  pc.setIceState("disconnected");
  clock.tick(5_000);
  pc.setIceState("failed");
  clock.tick(14_999);
  assert.equal(gaveUp, 0);
  clock.tick(1);
  assert.equal(gaveUp, 1);
  stop();
});

Deno.test("recovering in time cancels giving up", () => {
  const clock = new FakeClock();
  const pc = new FakePeerConnection();
  let gaveUp = 0;
  const stop = watchIce(pc, { timers: clock, onGiveUp: () => gaveUp++ });
  pc.setIceState("failed");
  clock.tick(10_000);
  pc.setIceState("connected");
  clock.tick(60_000);
  assert.equal(gaveUp, 0);
  stop();
});
