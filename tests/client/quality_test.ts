import assert from "node:assert/strict";
import {
  computeQuality,
  measureQuality,
  type Quality,
  qualityDetails,
  qualityText,
  readStats,
} from "../../client/quality.ts";
import { sampleQuality } from "../../client/quality_sampler.ts";
import { FakeClock, settle } from "./fakes.ts";
import {
  type CallFigures,
  chromiumReport,
  firefoxReport,
} from "./stats_fixtures.ts";

/** A steady loopback call: 12 ms round trip, 1.5 s between readings. */
const first: CallFigures = {
  t: 1_731_000_000_000,
  rtt: 0.012,
  bytesSent: 1_000_000,
  bytesReceived: 900_000,
  audio: { received: 500, lost: 0 },
  video: { received: 1500, lost: 0 },
};

function later(f: CallFigures, change: Partial<CallFigures>): CallFigures {
  return {
    ...f,
    t: f.t + 1500,
    // 1500 kbit/s out and 1200 kbit/s in over 1.5 s.
    bytesSent: f.bytesSent + 281_250,
    bytesReceived: f.bytesReceived + 225_000,
    audio: { received: f.audio.received + 75, lost: f.audio.lost },
    video: { received: f.video.received + 225, lost: f.video.lost },
    ...change,
  };
}

Deno.test("a direct call with a 12 ms round trip reads as good on the first sample", () => {
  const q = measureQuality(null, chromiumReport(first));
  assert.deepEqual(q, {
    rttMs: 12,
    lossPercent: null,
    outKbps: null,
    inKbps: null,
    path: "direct",
    label: "good",
  });
});

Deno.test("bitrates and loss come from the growth between two snapshots", () => {
  const next = later(first, {
    audio: { received: 575, lost: 1 },
    video: { received: 1725, lost: 2 },
  });
  const q = measureQuality(chromiumReport(first), chromiumReport(next))!;
  assert.equal(q.outKbps, 1500);
  assert.equal(q.inKbps, 1200);
  // 3 lost of 303 expected packets.
  assert.equal(q.lossPercent, 1);
  assert.equal(q.label, "good");
});

Deno.test("a local relay candidate on the selected pair means relayed", () => {
  const q = measureQuality(null, chromiumReport({ ...first, local: "relay" }));
  assert.equal(q?.path, "relayed");
});

Deno.test("a pair that reaches the peer's relay is relayed too", () => {
  const q = measureQuality(null, chromiumReport({ ...first, remote: "relay" }));
  assert.equal(q?.path, "relayed");
});

Deno.test("server-reflexive and peer-reflexive pairs are direct", () => {
  const q = measureQuality(
    null,
    chromiumReport({ ...first, local: "srflx", remote: "prflx" }),
  );
  assert.equal(q?.path, "direct");
});

Deno.test("a round trip of 150 ms or 2 % loss is fair; 400 ms or 8 % is poor", () => {
  const label = (rtt: number, lostVideo: number) =>
    measureQuality(
      chromiumReport({ ...first, rtt }),
      chromiumReport(later(first, {
        rtt,
        video: { received: 1725 - lostVideo, lost: lostVideo },
      })),
    )!.label;
  assert.equal(label(0.149, 0), "good");
  assert.equal(label(0.15, 0), "fair");
  assert.equal(label(0.4, 0), "poor");
  // 6 of 300 packets lost: 2 %.
  assert.equal(label(0.02, 6), "fair");
  // 24 of 300: 8 %.
  assert.equal(label(0.02, 24), "poor");
});

Deno.test("while ICE is still checking there is no quality to show", () => {
  assert.equal(
    measureQuality(null, chromiumReport({ ...first, checking: true })),
    null,
  );
});

Deno.test("Firefox-style reports use the selected pair and the remote-inbound round trip", () => {
  const a = firefoxReport({ ...first, rtt: 0.034, local: "relay" });
  const b = firefoxReport(later(first, { rtt: 0.034, local: "relay" }));
  const q = measureQuality(a, b)!;
  assert.equal(q.rttMs, 34);
  assert.equal(q.path, "relayed");
  assert.equal(q.outKbps, 1500);
  assert.equal(q.lossPercent, 0);
});

Deno.test("media that stops arriving is poor even with a quick round trip", () => {
  const frozen = later(first, { audio: first.audio, video: first.video });
  const q = measureQuality(chromiumReport(first), chromiumReport(frozen))!;
  assert.equal(q.label, "poor");
  assert.equal(q.lossPercent, null);
});

Deno.test("totals that went backwards (a new connection) give no rate rather than a negative one", () => {
  const before = readStats(chromiumReport(first));
  const after = readStats(chromiumReport({
    ...first,
    t: first.t + 1500,
    bytesSent: 10,
    bytesReceived: 10,
  }));
  const q = computeQuality(before, after)!;
  assert.equal(q.outKbps, null);
  assert.equal(q.inKbps, null);
});

Deno.test("late duplicates that shrink packetsLost never make loss negative", () => {
  const a = chromiumReport({ ...first, video: { received: 1500, lost: 5 } });
  const b = chromiumReport(
    later(first, { video: { received: 1725, lost: 3 } }),
  );
  assert.equal(measureQuality(a, b)!.lossPercent, 0);
});

Deno.test("the badge reads like 'Good · 12 ms · direct' and the details spell out the rest", () => {
  const q: Quality = {
    rttMs: 12,
    lossPercent: 0.4,
    outKbps: 1500,
    inKbps: 1210,
    path: "direct",
    label: "good",
  };
  assert.equal(qualityText(q), "Good · 12 ms · direct");
  assert.equal(
    qualityDetails(q),
    "Connection quality good: round trip 12 ms, 0.4 % of packets lost, " +
      "sending 1500 kbit/s, receiving 1210 kbit/s, direct connection between you.",
  );
  const relayed: Quality = {
    ...q,
    rttMs: null,
    lossPercent: null,
    outKbps: null,
    inKbps: null,
    path: "relayed",
    label: "fair",
  };
  assert.equal(qualityText(relayed), "Fair · relayed");
  assert.match(qualityDetails(relayed), /relayed through a TURN server/);
});

Deno.test("the sampler reads stats at once and then every interval, rates from the second reading on", async () => {
  const clock = new FakeClock();
  const reports = [
    chromiumReport(first),
    chromiumReport(later(first, {})),
  ];
  let calls = 0;
  const seen: (Quality | null)[] = [];
  const stop = sampleQuality({
    getStats: () => {
      const entries = reports[Math.min(calls++, reports.length - 1)];
      return Promise.resolve({ forEach: (fn) => entries.forEach(fn) });
    },
  }, { timers: clock, intervalMs: 1500, onQuality: (q) => seen.push(q) });
  await settle();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.outKbps, null);
  clock.tick(1499);
  await settle();
  assert.equal(seen.length, 1);
  clock.tick(1);
  await settle();
  assert.equal(seen.length, 2);
  assert.equal(seen[1]?.outKbps, 1500);
  stop();
  clock.tick(10_000);
  await settle();
  assert.equal(seen.length, 2);
  assert.equal(clock.pending, 0);
});

Deno.test("a sampler whose connection closed keeps quiet instead of throwing", async () => {
  const clock = new FakeClock();
  const seen: unknown[] = [];
  const stop = sampleQuality({
    getStats: () =>
      Promise.reject(new DOMException("closed", "InvalidStateError")),
  }, { timers: clock, onQuality: (q) => seen.push(q) });
  await settle();
  assert.deepEqual(seen, []);
  stop();
});
