import assert from "node:assert/strict";
import {
  type AudioContextLike,
  type AudioParamLike,
  TonePlayer,
} from "../../client/tone_player.ts";
import { FakeClock } from "./fakes.ts";

/** An AudioParam that records its automation calls as `name value @time`. */
class FakeParam implements AudioParamLike {
  value = 0;
  log: string[] = [];
  setValueAtTime(v: number, t: number) {
    this.log.push(`set ${v} @${t.toFixed(3)}`);
  }
  linearRampToValueAtTime(v: number, t: number) {
    this.log.push(`ramp ${v} @${t.toFixed(3)}`);
  }
  setTargetAtTime(v: number, t: number) {
    this.log.push(`target ${v} @${t.toFixed(3)}`);
  }
  cancelScheduledValues(t: number) {
    this.log.push(`cancel @${t.toFixed(3)}`);
  }
}

class FakeNode {
  connected = false;
  connect() {
    this.connected = true;
  }
  disconnect() {
    this.connected = false;
  }
}

class FakeOscillator extends FakeNode {
  frequency = new FakeParam();
  startedAt: number | null = null;
  stoppedAt: number | null = null;
  start(when = 0) {
    this.startedAt = when;
  }
  stop(when = 0) {
    this.stoppedAt = when;
  }
}

class FakeGain extends FakeNode {
  gain = new FakeParam();
}

/** An AudioContext on the fake clock: its time is the clock's, in seconds. */
class FakeContext implements AudioContextLike {
  destination = {};
  oscillators: FakeOscillator[] = [];
  gains: FakeGain[] = [];
  calls: string[] = [];
  constructor(private clock: FakeClock) {}
  get currentTime() {
    return this.clock.now() / 1000;
  }
  createOscillator() {
    const o = new FakeOscillator();
    this.oscillators.push(o);
    return o;
  }
  createGain() {
    const g = new FakeGain();
    this.gains.push(g);
    return g;
  }
  resume() {
    this.calls.push("resume");
    return Promise.resolve();
  }
  suspend() {
    this.calls.push("suspend");
    return Promise.resolve();
  }
  close() {
    this.calls.push("close");
    return Promise.reject(new Error("closing refused"));
  }
  /** Frequencies of oscillators started and not stopped. */
  sounding(): number[] {
    return this.oscillators.filter((o) =>
      o.startedAt !== null && o.stoppedAt === null
    ).map((o) => o.frequency.value);
  }
}

function setup() {
  const clock = new FakeClock();
  const contexts: FakeContext[] = [];
  const player = new TonePlayer({
    timers: clock,
    createContext: () => {
      const ctx = new FakeContext(clock);
      contexts.push(ctx);
      return ctx;
    },
  });
  return { clock, contexts, player, ctx: () => contexts.at(-1)! };
}

Deno.test("nothing is made before the gesture; a tone asked for meanwhile starts on unlock", () => {
  const { player, contexts, ctx } = setup();
  player.play("ringtone");
  assert.equal(contexts.length, 0);
  assert.equal(player.unlock(), true);
  assert.equal(player.unlock(), true);
  assert.equal(contexts.length, 1, "one context for the page");
  assert.deepEqual(ctx().sounding(), [1000, 1025]);
  assert.deepEqual(ctx().calls, ["resume", "resume"]);
});

Deno.test("the cadence is gain automation, one cycle scheduled ahead of the next", () => {
  const { player, clock, ctx } = setup();
  player.unlock();
  player.play("ringback");
  const gain = ctx().gains[0].gain;
  assert.equal(gain.value, 0, "silent until the first burst");
  assert.deepEqual(gain.log, [
    "set 0 @0.050",
    "ramp 0.15 @0.065",
    "set 0.15 @1.035",
    "ramp 0 @1.050",
  ]);
  // The next cycle (5.05 s) is scheduled a second before it is due.
  assert.deepEqual(clock.pendingDelays(), [250, 4050]);
  clock.tick(4050);
  assert.deepEqual(gain.log.slice(4), [
    "set 0 @5.050",
    "ramp 0.15 @5.065",
    "set 0.15 @6.035",
    "ramp 0 @6.050",
  ]);
  assert.equal(ctx().oscillators.length, 1, "the oscillator runs throughout");
});

Deno.test("the ringtone's double ring: two bursts per 3 s cycle", () => {
  const { player, ctx } = setup();
  player.unlock();
  player.play("ringtone");
  const sets = ctx().gains[0].gain.log.filter((l) => l.startsWith("set 0 "));
  assert.deepEqual(sets, ["set 0 @0.050", "set 0 @0.650"]);
});

Deno.test("stopping fades out, stops the oscillators, then releases the nodes and rests the context", () => {
  const { player, clock, ctx } = setup();
  player.unlock();
  clock.tick(300);
  assert.deepEqual(
    ctx().calls,
    ["resume", "suspend"],
    "started in the gesture, then rests until a call rings",
  );
  player.play("ringtone");
  clock.tick(500);
  player.play("ringtone");
  assert.equal(ctx().oscillators.length, 2, "the same tone again: no change");
  player.play(null);
  assert.deepEqual(ctx().sounding(), []);
  const gain = ctx().gains[0];
  assert.deepEqual(gain.gain.log.slice(-2), [
    "cancel @0.800",
    "target 0 @0.800",
  ]);
  assert.equal(gain.connected, true, "connected while it fades");
  clock.tick(250);
  assert.equal(gain.connected, false);
  assert.deepEqual(ctx().calls, ["resume", "suspend", "resume", "suspend"]);
  assert.equal(clock.pending, 0, "no timer left");
});

Deno.test("switching tones stops one and starts the other", () => {
  const { player, clock, ctx } = setup();
  player.unlock();
  player.play("ringback");
  player.play("ringtone");
  assert.deepEqual(ctx().sounding(), [1000, 1025]);
  clock.tick(250);
  assert.equal(ctx().gains[0].connected, false);
  assert.equal(ctx().gains[1].connected, true);
  assert.ok(!ctx().calls.includes("suspend"), "busy: no rest");
});

Deno.test("without Web Audio nothing sounds and nothing throws", () => {
  const clock = new FakeClock();
  const player = new TonePlayer({
    timers: clock,
    createContext: () => {
      throw new ReferenceError("AudioContext is not defined");
    },
  });
  assert.equal(player.unlock(), false);
  assert.equal(player.unlocked, false);
  player.play("ringtone");
  player.play(null);
  player.dispose();
  assert.equal(clock.pending, 0);
});

Deno.test("dispose stops the tone, clears its timers and closes the context", async () => {
  const { player, clock, ctx } = setup();
  player.unlock();
  player.play("ringback");
  player.dispose();
  await Promise.resolve();
  assert.deepEqual(ctx().sounding(), []);
  assert.equal(ctx().calls.at(-1), "close");
  assert.equal(clock.pending, 0);
  assert.equal(player.unlocked, false);
});
