import assert from "node:assert/strict";
import {
  sendChangesRestartReceiving,
  START_MAX_PIXELS,
  startScale,
  startSmall,
} from "../../client/video_start.ts";
import type { SenderLike, TrackLike } from "../../client/peer.ts";

Deno.test("startScale brings common camera sizes to 320×240 or less", () => {
  for (const [w, h, want] of [[1280, 720, 4], [1920, 1080, 6], [640, 480, 2]]) {
    const scale = startScale(w, h);
    assert.equal(scale, want, `${w}×${h}`);
    assert.ok((w / scale) * (h / scale) <= START_MAX_PIXELS);
  }
  assert.equal(startScale(320, 240), 1);
  assert.equal(startScale(undefined, 720), 1);
});

function paramSender(initial: Record<string, unknown>) {
  let params = structuredClone(initial);
  const set: Record<string, unknown>[] = [];
  const sender: SenderLike = {
    track: null,
    replaceTrack: () => Promise.resolve(),
    getParameters: () =>
      structuredClone(params) as unknown as RTCRtpSendParameters,
    setParameters: (p) => {
      params = structuredClone(p) as unknown as Record<string, unknown>;
      set.push(params);
      return Promise.resolve();
    },
  };
  return { sender, set, current: () => params };
}

function camera(width?: number, height?: number): TrackLike {
  return {
    kind: "video",
    id: "v",
    enabled: true,
    onended: null,
    stop() {},
    getSettings: () => ({ width, height }),
  };
}

Deno.test("startSmall scales the first frames down and restore puts everything back", async () => {
  const t = paramSender({ transactionId: "1", encodings: [{ active: true }] });
  const restore = await startSmall(t.sender, camera(1280, 720));
  assert.ok(restore);
  assert.deepEqual(t.current(), {
    transactionId: "1",
    encodings: [{ active: true, scaleResolutionDownBy: 4 }],
    degradationPreference: "maintain-resolution",
  });
  await restore();
  assert.deepEqual(t.current(), {
    transactionId: "1",
    encodings: [{ active: true }],
  });
});

Deno.test("startSmall restores values that were set before", async () => {
  const t = paramSender({
    encodings: [{ scaleResolutionDownBy: 1 }],
    degradationPreference: "balanced",
  });
  const restore = await startSmall(t.sender, camera(640, 480));
  assert.equal(t.set.length, 1);
  await restore!();
  assert.deepEqual(t.current(), {
    encodings: [{ scaleResolutionDownBy: 1 }],
    degradationPreference: "balanced",
  });
});

Deno.test("startSmall leaves small, unknown or unsupported senders alone", async () => {
  const small = paramSender({ encodings: [{}] });
  assert.equal(await startSmall(small.sender, camera(320, 180)), null);
  assert.equal(await startSmall(small.sender, camera()), null);
  assert.equal(small.set.length, 0);
  const plain: SenderLike = {
    track: null,
    replaceTrack: () => Promise.resolve(),
  };
  assert.equal(await startSmall(plain, camera(1280, 720)), null);
  const simulcast = paramSender({ encodings: [{}, {}] });
  assert.equal(await startSmall(simulcast.sender, camera(1280, 720)), null);
});

Deno.test("only Firefox is known to restart incoming video when a sender's parameters change", () => {
  const agents: [string, boolean][] = [
    [
      "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
      true,
    ],
    [
      "Mozilla/5.0 (Android 14; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0",
      true,
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
      false,
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
      false,
    ],
  ];
  for (const [agent, restarts] of agents) {
    assert.equal(sendChangesRestartReceiving(agent), restarts, agent);
  }
});
