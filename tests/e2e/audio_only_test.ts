/**
 * Calls without a camera, in real Chromium: one browser has a fake
 * microphone but no camera (`device-count=0`), the other both. The one
 * without a camera is told it is on audio only, and calls connect either
 * way with audio flowing in both directions; an audio-only call carries no
 * video at all.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  connect,
  hangUp,
  inboundStats,
  openUser,
  ring,
  type User,
  waitForCallState,
  waitForMediaFlow,
  waitForNotice,
  withUsers,
} from "./helpers.ts";

const NO_CAMERA_NOTICE =
  "No camera was found. Plug one in and try again. The other person will not see you.";

/** Kinds of the tracks the page sends, and the m-lines it negotiated. */
function sending(user: User) {
  return user.page.evaluate(() => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc!;
    return {
      tracks: pc.getSenders().flatMap((s) => s.track ? [s.track.kind] : [])
        .sort(),
      mLines: (pc.remoteDescription?.sdp.match(/^m=\w+/gm) ?? []).sort(),
    };
  });
}

Deno.test({
  name:
    "a browser without a camera calls and is called on audio only, with audio both ways",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    let withCamera: TestBrowser | undefined, noCamera: TestBrowser | undefined;
    try {
      withCamera = await launch("chromium");
      // A microphone but no camera (see shared/design.md).
      noCamera = await launch("chromium", {
        chromiumArgs: [
          "--use-fake-ui-for-media-stream",
          "--use-fake-device-for-media-stream=device-count=0",
        ],
      });
      const cam = withCamera, nocam = noCamera;

      await t.step(
        "calling without a camera says so, connects, and still shows the other camera",
        async () => {
          await withUsers([
            () => openUser(cam, app.url, "carl"),
            () => openUser(nocam, app.url, "nina"),
          ], async ([carl, nina]) => {
            await connect(nina, carl);
            await waitForNotice(nina, NO_CAMERA_NOTICE);
            // Nothing to turn off: the camera control is disabled.
            assert.equal(
              await nina.page.isDisabled("[data-testid=camera]"),
              true,
            );
            assert.deepEqual((await sending(nina)).tracks, ["audio"]);
            await waitForMediaFlow(carl, { audio: true, video: false });
            // Nina still receives carl's camera on the video line he offered.
            await waitForMediaFlow(nina, { audio: true, video: true });
            assert.equal((await inboundStats(carl)).video.framesDecoded, 0);
            await hangUp(nina, carl);
          });
        },
      );

      await t.step(
        "being called without a camera says so while ringing and connects on audio",
        async () => {
          await withUsers([
            () => openUser(cam, app.url, "carl"),
            () => openUser(nocam, app.url, "nina"),
          ], async ([carl, nina]) => {
            await ring(carl, nina);
            // The callee opens its media while the prompt shows.
            await waitForNotice(nina, NO_CAMERA_NOTICE);
            await nina.page.click("[data-testid=accept-call]");
            await waitForCallState(carl, "connected");
            await waitForCallState(nina, "connected");
            assert.deepEqual((await sending(nina)).tracks, ["audio"]);
            assert.deepEqual((await sending(carl)).tracks, ["audio", "video"]);
            await waitForMediaFlow(carl, { audio: true, video: false });
            await waitForMediaFlow(nina, { audio: true, video: true });
            await hangUp(carl, nina);
          });
        },
      );

      await t.step(
        "an audio call negotiates no video and carries audio both ways",
        async () => {
          await withUsers([
            () => openUser(cam, app.url, "carl"),
            () => openUser(nocam, app.url, "nina"),
          ], async ([carl, nina]) => {
            await ring(carl, nina, { audioOnly: true });
            assert.equal(
              await nina.page.textContent("#incoming-desc"),
              "Incoming audio call",
            );
            await nina.page.click("[data-testid=accept-call]");
            await waitForCallState(carl, "connected");
            await waitForCallState(nina, "connected");
            for (const u of [carl, nina]) {
              // Audio, and the call's private channel.
              assert.deepEqual(await sending(u), {
                tracks: ["audio"],
                mLines: ["m=application", "m=audio"],
              }, u.name);
              await waitForMediaFlow(u, { audio: true, video: false });
              assert.equal((await inboundStats(u)).video.present, false);
              // An audio call has no camera control to offer.
              assert.equal(await u.page.exists("[data-testid=camera]"), false);
            }
            // Asking for audio only never looks for a camera, so no notice.
            const texts = await nina.page.$$eval(
              "#notices .notice span",
              (spans) => spans.map((s) => s.textContent),
            );
            assert.ok(!texts.includes(NO_CAMERA_NOTICE), texts.join(" | "));
            await hangUp(nina, carl);
          });
        },
      );
    } finally {
      await withCamera?.close();
      await noCamera?.close();
      await app.shutdown();
    }
  },
});
