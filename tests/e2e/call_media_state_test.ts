/**
 * What each side says of its own microphone and camera travels over the
 * call's data channel and survives a reload on either side, in real
 * Chromium: the one who reloads sees the other's muted badge and
 * camera-off tile again, and the one who muted and turned the camera off
 * comes back muted, camera still off (it does not come on by itself).
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  cameraBackOn,
  connect,
  hangUp,
  inboundStats,
  openUser,
  type User,
  waitForCallState,
  waitForMediaFlow,
  withUsers,
} from "./helpers.ts";

/** Reloads `user`'s page and waits until it is back in the call. */
async function reloadInCall(user: User) {
  await user.page.reload();
  await user.page.waitForSelector("[data-testid=my-name]");
  await waitForCallState(user, "connected");
}

/** `viewer` shows that the other side is muted, camera off. */
async function seesMutedAndCameraOff(viewer: User) {
  await viewer.page.waitForSelector("[data-testid=peer-muted]");
  await viewer.page.waitForSelector("[data-testid=peer-camera-off]");
}

Deno.test({
  name:
    "mute and camera-off reach the other side and survive a reload on either side",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;
      await withUsers([
        () => openUser(b, app.url, "hana"),
        () => openUser(b, app.url, "ivo"),
      ], async ([hana, ivo]) => {
        await connect(hana, ivo);
        await waitForMediaFlow(hana, { audio: true, video: true });
        await ivo.page.click("[data-testid=mute]");
        await ivo.page.click("[data-testid=camera]");
        await seesMutedAndCameraOff(hana);

        // The viewer reloads: the new connection's channel is told again.
        await reloadInCall(hana);
        await seesMutedAndCameraOff(hana);

        // The one who turned it off reloads: it stays off.
        await reloadInCall(ivo);
        await ivo.page.waitForSelector("[data-testid=self-camera-off]");
        assert.equal(
          await ivo.page.getAttribute("[data-testid=mute]", "aria-pressed"),
          "true",
        );
        assert.equal(
          await ivo.page.evaluate(() => {
            const v = document.querySelector<HTMLVideoElement>("#local-video")!;
            return (v.srcObject as MediaStream | null)?.getVideoTracks()
              .length ?? 0;
          }),
          0,
          "ivo's camera came on after the reload",
        );
        await waitForMediaFlow(ivo, { audio: true, video: true });
        await seesMutedAndCameraOff(hana);
        assert.equal((await inboundStats(hana)).video.framesDecoded, 0);

        // And it comes back when ivo wants it.
        await cameraBackOn(ivo, hana);
        await waitForMediaFlow(hana, { audio: false, video: true });
        await hangUp(hana, ivo);
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
