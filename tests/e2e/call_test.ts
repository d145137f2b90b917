/**
 * A video call in real Chromium, two people in two windows on the real app:
 * media both ways, hang-up cleanup, mute and camera-off as the other side
 * sees and hears them, and how long the first frame takes after Accept.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  acceptToFirstFrameMs,
  callStatus,
  cameraBackOn,
  connect,
  dismissEnded,
  eventually,
  hangUp,
  inboundStats,
  keepCameraTrack,
  keptCameraState,
  median,
  receivedAudioPower,
  remoteBrightness,
  remoteVideoWidth,
  ring,
  type User,
  waitForAudioPower,
  waitForCallState,
  waitForMediaFlow,
  waitForPerson,
  waitForPrepared,
  withPair,
} from "./helpers.ts";

/** Tracks and connection captured before hang-up, checked after it. */
async function captureCallResources(user: User): Promise<number> {
  return await user.page.evaluate(() => {
    const g = globalThis as {
      __parleyPc?: RTCPeerConnection;
      __e2eTracks?: MediaStreamTrack[];
      __e2ePc?: RTCPeerConnection;
    };
    const streamOf = (id: string) =>
      document.querySelector<HTMLVideoElement>(id)!.srcObject as
        | MediaStream
        | null;
    g.__e2eTracks = [
      ...(streamOf("#local-video")?.getTracks() ?? []),
      ...(streamOf("#remote-video")?.getTracks() ?? []),
    ];
    g.__e2ePc = g.__parleyPc;
    return g.__e2eTracks.length;
  });
}

/** What is left of the call after hang-up, as the page sees it. */
function leftovers(user: User) {
  return user.page.evaluate(() => {
    const g = globalThis as {
      __parleyPc?: RTCPeerConnection;
      __e2eTracks?: MediaStreamTrack[];
      __e2ePc?: RTCPeerConnection;
    };
    const video = (id: string) =>
      document.querySelector<HTMLVideoElement>(id)!.srcObject;
    return {
      localSrc: video("#local-video"),
      remoteSrc: video("#remote-video"),
      liveTracks: (g.__e2eTracks ?? []).filter((t) => t.readyState !== "ended")
        .map((t) => t.kind),
      exposedPc: g.__parleyPc !== undefined,
      oldPcState: g.__e2ePc?.connectionState,
    };
  });
}

/**
 * Records the call frames (`accept`, `signal`) the page sends from now on,
 * by wrapping `WebSocket.prototype.send`.
 */
function spyCallFrames(user: User): Promise<void> {
  return user.page.evaluate(() => {
    const g = globalThis as { __e2eFrames?: string[] };
    const frames: string[] = g.__e2eFrames = [];
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data) {
      const msg = typeof data === "string" ? JSON.parse(data) : {};
      if (msg.type === "accept") frames.push("accept");
      if (msg.type === "signal") {
        frames.push(
          `signal ${msg.description ? msg.description.type : "candidate"}`,
        );
      }
      return send.call(this, data);
    };
  });
}

/** What {@link spyCallFrames} recorded, in order. */
function callFramesSent(user: User): Promise<string[]> {
  return user.page.evaluate(() =>
    (globalThis as { __e2eFrames?: string[] }).__e2eFrames ?? []
  );
}

/** The local track of `kind` that the page is sending, `enabled` and all. */
/** The page's local description now (a renegotiation would change it). */
function localSdp(user: User) {
  return user.page.evaluate(() =>
    (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc!
      .localDescription?.sdp ?? null
  );
}

function localTrackEnabled(user: User, kind: "audio" | "video") {
  return user.page.evaluate((k) => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc!;
    const sender = pc.getSenders().find((s) => s.track?.kind === k);
    return sender?.track?.enabled ?? null;
  }, kind);
}

/**
 * Calls placed one after another on the same two pages: each must connect
 * with its first frame after Accept. How fast is `bench/call_setup_bench.ts`'s
 * to say; here it is only printed.
 */
const TIMED_CALLS = 5;

Deno.test({
  name: "video calls in Chromium: media, hang-up, mute, camera, setup time",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;

      await t.step(
        "A calls B, B accepts, and both decode video and receive audio",
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            // Focus was in the chat box when the call came in; accepting
            // must move it to the call, not back to the chat (phones scroll).
            await bob.page.focus("#chat-input");
            await spyCallFrames(alice);
            await spyCallFrames(bob);
            await ring(alice, bob);
            await waitForPrepared(alice, bob, true);
            // Alice's offer and candidates are ready, yet none has left,
            // and bob has sent nothing at all.
            assert.deepEqual(await callFramesSent(alice), []);
            assert.deepEqual(await callFramesSent(bob), []);
            await bob.page.click("[data-testid=accept-call]");
            await Promise.all([
              waitForCallState(alice, "connected"),
              waitForCallState(bob, "connected"),
            ]);
            // Accepted, alice's offer left as one frame with its candidates
            // in it; bob answered it. One offer/answer round.
            const offered = await callFramesSent(alice);
            assert.deepEqual(offered.slice(0, 1), ["signal offer"]);
            assert.ok(
              !offered.includes("signal answer") &&
                offered.filter((f) => f === "signal offer").length === 1,
              offered.join(", "),
            );
            const answered = await callFramesSent(bob);
            assert.deepEqual(answered.slice(0, 2), ["accept", "signal answer"]);
            assert.ok(!answered.includes("signal offer"), answered.join(", "));
            await bob.page.waitForFunction(() =>
              (document.activeElement as HTMLElement | null)?.dataset
                .testid === "hangup"
            );
            for (const [me, peer] of [[alice, bob], [bob, alice]]) {
              await waitForMediaFlow(me, { audio: true, video: true });
              assert.ok(
                (await remoteVideoWidth(me)) > 0,
                `${me.name} shows no remote picture`,
              );
              assert.equal(await callStatus(me), `In a call with ${peer.name}`);
              // Each sees the other as busy while the call lasts.
              await waitForPerson(me, peer.name, "busy");
            }

            // Full screen takes the stage (video, self-view and status
            // together) and gives it back; picture-in-picture is offered.
            await alice.page.click("[data-testid=full-screen]");
            await alice.page.waitForFunction(() =>
              document.fullscreenElement?.classList.contains("stage") === true
            );
            await alice.page.waitForSelector(
              "[data-testid=full-screen][aria-pressed=true]",
            );
            await alice.page.click("[data-testid=full-screen]");
            await alice.page.waitForFunction(() =>
              document.fullscreenElement === null
            );
            assert.equal(
              await alice.page.exists("[data-testid=picture-in-picture]"),
              true,
            );

            // Hang-up: capture everything the call holds, then check it all went.
            assert.equal(await captureCallResources(alice), 4);
            assert.equal(await captureCallResources(bob), 4);
            await hangUp(alice, bob);
            assert.equal(await callStatus(alice), "You ended the call.");
            assert.equal(await callStatus(bob), "alice ended the call.");
            for (const me of [alice, bob]) {
              assert.deepEqual(await leftovers(me), {
                localSrc: null,
                remoteSrc: null,
                liveTracks: [],
                exposedPc: false,
                oldPcState: "closed",
              }, `${me.name} kept something of the call`);
            }
            await dismissEnded(alice, bob);
            await waitForPerson(alice, "bob");
            await waitForPerson(bob, "alice");
          });
        },
      );

      await t.step(
        "mute silences and shows on the other side; camera off releases the camera and shows a tile; camera on sends again",
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            await connect(alice, bob);
            await waitForMediaFlow(bob, { audio: true, video: true });
            const offerBefore = await localSdp(alice);

            // Mute: alice's track is disabled, bob hears (near) nothing and
            // sees that she is muted.
            const loud = await receivedAudioPower(bob);
            await alice.page.click("[data-testid=mute]");
            assert.equal(
              await alice.page.getAttribute(
                "[data-testid=mute]",
                "aria-pressed",
              ),
              "true",
            );
            assert.equal(await localTrackEnabled(alice, "audio"), false);
            await bob.page.waitForSelector("[data-testid=peer-muted]");
            assert.equal(
              await bob.page.textContent("[data-testid=peer-muted]"),
              "alice is muted",
            );
            assert.ok(loud > 1e-4, `the fake beep is too quiet: ${loud}`);
            const muted = await waitForAudioPower(
              bob,
              "muted audio is no longer heard",
              (power) => power < loud / 100,
            );
            console.log(
              `received audio power: ${loud.toExponential(2)} before mute, ${
                muted.toExponential(2)
              } muted`,
            );
            await alice.page.click("[data-testid=mute]");
            assert.equal(await localTrackEnabled(alice, "audio"), true);
            await bob.page.waitForSelector("[data-testid=peer-muted]", {
              state: "detached",
            });
            await waitForAudioPower(
              bob,
              "unmuted audio is heard",
              (power) => power > loud / 10,
            );

            // Camera off: the track ends (the camera is released), nothing
            // is sent, bob sees alice's tile and alice her own.
            await eventually(
              "bob sees a picture from alice",
              () => remoteBrightness(bob),
              (v) => v > 20,
            );
            await keepCameraTrack(alice);
            await alice.page.click("[data-testid=camera]");
            assert.equal(
              await alice.page.getAttribute(
                "[data-testid=camera]",
                "aria-pressed",
              ),
              "true",
            );
            await eventually(
              "alice's camera track has ended",
              () => keptCameraState(alice),
              (state) => state === "ended",
            );
            await eventually(
              "alice's video sender sends nothing",
              () => localTrackEnabled(alice, "video"),
              (enabled) => enabled === null,
            );
            await alice.page.waitForSelector("[data-testid=self-camera-off]");
            await bob.page.waitForSelector("[data-testid=peer-camera-off]");
            assert.equal(
              await bob.page.textContent(
                "[data-testid=peer-camera-off] .peer-tile__text",
              ),
              "alice's camera is off",
            );
            assert.equal(
              await bob.page.$eval("#remote-video", (v) => v.hidden),
              true,
            );
            // Nothing arrives any more (a frame already on its way aside).
            const stopped = (await inboundStats(bob)).video.framesDecoded;
            await new Promise((r) => setTimeout(r, 1_000));
            const later = (await inboundStats(bob)).video.framesDecoded;
            assert.ok(
              later - stopped <= 2,
              `frames kept coming: ${later - stopped}`,
            );

            // Camera on: a new track on the same sender, frames again.
            await cameraBackOn(alice, bob);
            assert.equal(await localTrackEnabled(alice, "video"), true);
            await waitForMediaFlow(bob, { audio: false, video: true });
            await eventually(
              "bob's picture of alice comes back",
              () => remoteBrightness(bob),
              (v) => v > 20,
            );
            assert.equal(
              await localSdp(alice),
              offerBefore,
              "nothing was renegotiated",
            );

            await hangUp(bob, alice);
          });
        },
      );

      await t.step(
        "the callee sees itself while it rings, answers without video, and turns its camera on later",
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            await ring(alice, bob);
            // The preview is drawn once the camera opens, which may be after the dialog.
            await bob.page.waitForSelector("[data-testid=incoming-preview]");
            await eventually(
              "bob's preview shows his camera",
              () =>
                bob.page.$eval(
                  "[data-testid=incoming-preview]",
                  (v) => (v as HTMLVideoElement).videoWidth,
                ),
              (w) => w > 0,
            );
            await bob.page.click("[data-testid=accept-audio]");
            await waitForCallState(alice, "connected");
            await waitForCallState(bob, "connected");
            // Bob watches alice; she sees his tile, not his camera.
            await waitForMediaFlow(bob, { audio: true, video: true });
            await alice.page.waitForSelector("[data-testid=peer-camera-off]");
            await bob.page.waitForSelector("[data-testid=self-camera-off]");
            assert.equal(await localTrackEnabled(bob, "video"), null);
            assert.equal((await inboundStats(alice)).video.framesDecoded, 0);
            await cameraBackOn(bob, alice);
            await waitForMediaFlow(alice, { audio: true, video: true });
            await hangUp(alice, bob);
          });
        },
      );

      await t.step(
        `accept to the caller's first remote frame, over ${TIMED_CALLS} calls in a row`,
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            const times: number[] = [];
            for (let i = 0; i < TIMED_CALLS; i++) {
              times.push(await acceptToFirstFrameMs(alice, bob));
              await waitForCallState(alice, "connected");
              await waitForMediaFlow(alice, { audio: false, video: true });
              await hangUp(alice, bob);
              await dismissEnded(alice, bob);
            }
            const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
            console.log(
              `accept → caller's first remote frame over ${times.length} calls: median ${
                fmt(median(times))
              }, max ${fmt(Math.max(...times))} (${times.map(fmt).join(", ")})`,
            );
            assert.equal(times.length, TIMED_CALLS);
            assert.ok(
              times.every((ms) => ms > 0),
              "a frame came before Accept",
            );
          });
        },
      );
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
