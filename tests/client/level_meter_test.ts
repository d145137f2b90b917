import assert from "node:assert/strict";
import {
  type AnalyserLike,
  type AudioContextLike,
  type AudioSourceLike,
  levelOf,
  rmsOf,
  smoothLevel,
  startLevelMeter,
} from "../../client/level_meter.ts";

Deno.test("the RMS of silence is 0 and of a full-scale square wave is 1", () => {
  assert.equal(rmsOf([]), 0);
  assert.equal(rmsOf(new Float32Array(64)), 0);
  assert.equal(rmsOf([1, -1, 1, -1]), 1);
});

Deno.test("the RMS of a full-scale sine is 1/√2", () => {
  const sine = Array.from({ length: 4800 }, (_, i) => Math.sin(i / 10));
  assert.ok(Math.abs(rmsOf(sine) - Math.SQRT1_2) < 0.005);
});

Deno.test("levels run in decibels from -60 dBFS (0) to full scale (1)", () => {
  assert.equal(levelOf(0), 0);
  assert.equal(levelOf(0.001), 0);
  assert.equal(levelOf(0.0001), 0);
  assert.ok(Math.abs(levelOf(0.01) - 1 / 3) < 1e-9);
  assert.ok(Math.abs(levelOf(0.1) - 2 / 3) < 1e-9);
  assert.equal(levelOf(1), 1);
  assert.equal(levelOf(4), 1, "clipping stays at the top");
  assert.equal(levelOf(Number.NaN), 0);
});

Deno.test("a level jumps up at once and falls back gradually to exactly zero", () => {
  assert.equal(smoothLevel(0.2, 0.9), 0.9);
  const after = smoothLevel(0.9, 0);
  assert.ok(after > 0.5 && after < 0.9, `fell to ${after}`);
  let level = 0.9;
  for (let i = 0; i < 40; i++) level = smoothLevel(level, 0);
  assert.equal(level, 0);
});

/** An audio graph that plays a constant signal and records its lifecycle. */
class FakeAudio implements AudioContextLike {
  state = "suspended";
  log: string[] = [];
  constructor(private readonly sample: number) {}
  createMediaStreamSource(): AudioSourceLike {
    return {
      connect: () => this.log.push("connect"),
      disconnect: () => this.log.push("source off"),
    };
  }
  createAnalyser(): AnalyserLike {
    return {
      fftSize: 32,
      getFloatTimeDomainData: (buffer) => buffer.fill(this.sample),
      disconnect: () => this.log.push("analyser off"),
    };
  }
  resume() {
    this.log.push("resume");
    this.state = "running";
    return Promise.resolve();
  }
  close() {
    this.log.push("close");
    return Promise.resolve();
  }
}

Deno.test("the meter reports the track's level until stopped, then releases its graph", async () => {
  const audio = new FakeAudio(0.1);
  const levels: number[] = [];
  const meter = startLevelMeter({
    track: {} as MediaStreamTrack,
    createContext: () => audio,
    streamOf: () => ({}) as MediaStream,
    onLevel: (l) => levels.push(l),
    intervalMs: 5,
  });
  await new Promise((r) => setTimeout(r, 40));
  meter.stop();
  const count = levels.length;
  assert.ok(count >= 2, `only ${count} readings`);
  assert.ok(levels.every((l) => Math.abs(l - 2 / 3) < 1e-6), `${levels}`);
  assert.deepEqual(audio.log, [
    "connect",
    "resume",
    "source off",
    "analyser off",
    "close",
  ]);
  meter.stop();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(levels.length, count, "no reading after stop");
  assert.equal(audio.log.filter((l) => l === "close").length, 1);
});

Deno.test("a context the browser leaves suspended is asked to resume again", async () => {
  const audio = new FakeAudio(0);
  // This browser never lets it start.
  audio.resume = () => {
    audio.log.push("resume");
    return Promise.resolve();
  };
  const meter = startLevelMeter({
    track: {} as MediaStreamTrack,
    createContext: () => audio,
    streamOf: () => ({}) as MediaStream,
    onLevel: () => {},
    intervalMs: 1,
  });
  // Every 15th reading asks again; a loaded machine reads slower.
  const resumes = () => audio.log.filter((l) => l === "resume").length;
  const deadline = Date.now() + 2_000;
  while (resumes() < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  meter.stop();
  assert.ok(resumes() >= 2, `asked ${resumes()} times`);
});
