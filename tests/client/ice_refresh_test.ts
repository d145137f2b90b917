import assert from "node:assert/strict";
import { IceRefresh } from "../../client/ice_refresh.ts";
import { FakeClock } from "./fakes.ts";

const MINUTE = 60_000;

/** A TURN entry minted by the server: the username carries the expiry. */
function turn(expiresAtMs: number): RTCIceServer[] {
  return [
    { urls: "stun:stun.test" },
    {
      urls: ["turn:turn.test:3478"],
      username: `${Math.floor(expiresAtMs / 1000)}:ann`,
      credential: String(expiresAtMs),
    },
  ];
}

function setup(start = 1_700_000_000_000) {
  const clock = new FakeClock();
  clock.time = start;
  let requests = 0;
  const applied: RTCIceServer[][] = [];
  const ice = new IceRefresh({
    timers: clock,
    request: () => {
      requests++;
      return true;
    },
    apply: (servers) => applied.push(servers),
  });
  return { clock, ice, applied, requests: () => requests };
}

Deno.test("during a call a ten-minute credential is renewed halfway through its life, and the fresh list reaches the calls", () => {
  const t = setup();
  const first = turn(t.clock.now() + 10 * MINUTE);
  t.ice.received(first);
  assert.deepEqual(t.applied, [first]);
  t.ice.callStarted();
  assert.equal(t.requests(), 0, "fresh credentials are not replaced at once");
  t.clock.tick(5 * MINUTE - 1);
  assert.equal(t.requests(), 0);
  t.clock.tick(1);
  assert.equal(t.requests(), 1);
  const second = turn(t.clock.now() + 10 * MINUTE);
  t.ice.received(second);
  assert.deepEqual(t.applied.at(-1), second);
  assert.deepEqual(t.ice.servers, second);
  // The next renewal follows the new credential, and so on for the whole call.
  t.clock.tick(5 * MINUTE);
  assert.equal(t.requests(), 2);
  t.ice.dispose();
});

Deno.test("one request at a time: a renewal not yet answered is not asked again", () => {
  const t = setup();
  t.ice.received(turn(t.clock.now() + MINUTE)); // within the margin: stale
  t.ice.callStarted();
  assert.equal(t.requests(), 1);
  t.clock.tick(10 * MINUTE);
  assert.equal(t.requests(), 1);
  t.ice.received(turn(t.clock.now() + 10 * MINUTE));
  t.clock.tick(5 * MINUTE);
  assert.equal(t.requests(), 2);
  t.ice.dispose();
});

Deno.test("a call that starts on old credentials asks for fresh ones at once", () => {
  const t = setup();
  t.ice.received(turn(t.clock.now() + 10 * MINUTE));
  t.clock.tick(6 * MINUTE); // past half of the life, between calls
  assert.equal(t.requests(), 0, "nothing is renewed outside a call");
  t.ice.callStarted();
  assert.equal(t.requests(), 1);
  t.ice.dispose();
});

Deno.test("the timer runs only during a call: ending it or disposing clears it", () => {
  const t = setup();
  t.ice.received(turn(t.clock.now() + 10 * MINUTE));
  t.ice.callStarted();
  assert.equal(t.clock.pending, 1);
  t.ice.callEnded();
  assert.equal(t.clock.pending, 0);
  t.clock.tick(60 * MINUTE);
  assert.equal(t.requests(), 0);
  t.ice.received(turn(t.clock.now() + 10 * MINUTE));
  assert.equal(t.clock.pending, 0, "a list between calls schedules nothing");
  t.ice.callStarted();
  t.ice.dispose();
  assert.equal(t.clock.pending, 0);
});

Deno.test("STUN only or static TURN passwords: nothing to renew", () => {
  const t = setup();
  t.ice.received([
    { urls: "stun:stun.test" },
    { urls: "turn:turn.test", username: "static", credential: "pw" },
  ]);
  t.ice.callStarted();
  assert.equal(t.clock.pending, 0);
  t.clock.tick(120 * MINUTE);
  assert.equal(t.requests(), 0);
  t.ice.dispose();
});

Deno.test("a request that could not be sent is tried again at the next call", () => {
  const clock = new FakeClock();
  clock.time = 1_700_000_000_000;
  let sent = 0;
  let online = false;
  const ice = new IceRefresh({
    timers: clock,
    request: () => online && ++sent > 0,
    apply: () => {},
  });
  ice.received(turn(clock.now() + MINUTE));
  ice.callStarted();
  assert.equal(sent, 0);
  ice.callEnded();
  online = true;
  ice.callStarted();
  assert.equal(sent, 1);
  ice.dispose();
});
