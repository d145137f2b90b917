/**
 * Firefox and Chromium call each other through the real app: Firefox calls
 * Chromium and Chromium calls Firefox (video steady from the first frame,
 * audio both ways, chat, mute, camera off, hang-up, a screen share that
 * headless Firefox cannot make explained), an audio call between them, and
 * Firefox calling Firefox. Also how long each side waits after
 * Accept for its first remote frame.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  type BrowserName,
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  acceptToFirstFrames,
  assertSteadyVideo,
  cameraBackOn,
  chatAcross,
  decodedSeries,
  dismissEnded,
  eventually,
  hangUp,
  inboundStats,
  keepCameraTrack,
  keptCameraState,
  median,
  openUser,
  receivedAudioPower,
  remoteBrightness,
  ring,
  sendPrivately,
  type User,
  waitForAudioPower,
  waitForCallState,
  waitForMediaFlow,
  waitForNotice,
  waitForPrepared,
  waitForPrivateLine,
  withUsers,
} from "./helpers.ts";

/** Calls timed per direction for the first-frame figures. */
const TIMED_CALLS = 2;

/**
 * `who` mutes; `hearer` hears (next to) nothing and sees the muted badge
 * (told over the call's data channel); `who` unmutes and the badge goes.
 */
async function muteReaches(who: User, hearer: User) {
  const loud = await receivedAudioPower(hearer);
  await who.page.click("[data-testid=mute]");
  await hearer.page.waitForSelector("[data-testid=peer-muted]");
  assert.ok(
    loud > 1e-4,
    `${hearer.name} hears ${who.name} too quietly: ${loud}`,
  );
  await waitForAudioPower(
    hearer,
    `${hearer.name} stops hearing ${who.name} muted (was ${loud})`,
    (power) => power < loud / 100,
  );
  await who.page.click("[data-testid=mute]");
  await hearer.page.waitForSelector("[data-testid=peer-muted]", {
    state: "detached",
  });
}

/**
 * `who` turns the camera off: its track ends and `viewer` sees the
 * camera-off tile; then on again, and `viewer` sees the picture again.
 */
async function cameraOffReaches(who: User, viewer: User) {
  await eventually(
    `${viewer.name} sees a picture from ${who.name}`,
    () => remoteBrightness(viewer),
    (v) => v > 20,
  );
  await keepCameraTrack(who);
  await who.page.click("[data-testid=camera]");
  await viewer.page.waitForSelector("[data-testid=peer-camera-off]");
  await eventually(
    `${who.name}'s camera is released`,
    () => keptCameraState(who),
    (state) => state === "ended",
  );
  await cameraBackOn(who, viewer);
  await eventually(
    `${viewer.name}'s picture of ${who.name} comes back`,
    () => remoteBrightness(viewer),
    (v) => v > 20,
  );
}

/**
 * Headless Firefox has no screen to share: asking says so in a calm
 * notice, and nothing shows as an error.
 */
async function screenShareExplained(user: User) {
  await user.page.click("[data-testid=screen-share]");
  await waitForNotice(user, "This browser has no screen it can share.");
  assert.deepEqual(
    await user.page.$$eval(
      "#notices .notice[data-tone=error]",
      (els) => els.map((e) => e.textContent),
    ),
    [],
  );
  assert.equal(
    await user.page.getAttribute("[data-testid=screen-share]", "aria-pressed"),
    "false",
  );
}

/**
 * A whole video call from `callerBrowser` to `calleeBrowser`: both decode
 * video without a drop or stall for 3 s from their first frame, receive
 * audio, chat both ways, see and hear the other's mute and camera-off, and
 * end together on hang-up.
 */
async function fullCall(
  baseUrl: string,
  callerBrowser: TestBrowser,
  calleeBrowser: TestBrowser,
) {
  await withUsers([
    () => openUser(callerBrowser, baseUrl, `${callerBrowser.name}-caller`),
    () => openUser(calleeBrowser, baseUrl, `${calleeBrowser.name}-callee`),
  ], async ([caller, callee]) => {
    await ring(caller, callee);
    await waitForPrepared(caller, callee);
    await callee.page.click("[data-testid=accept-call]");
    // Sampling starts at once so that it sees the first frame.
    const [callerSeries, calleeSeries] = await Promise.all([
      decodedSeries(caller),
      decodedSeries(callee),
    ]);
    console.log(
      `framesDecoded every 250 ms: ${caller.name} ${callerSeries.join(" ")}; ` +
        `${callee.name} ${calleeSeries.join(" ")}`,
    );
    assertSteadyVideo(caller, callerSeries);
    assertSteadyVideo(callee, calleeSeries);
    await Promise.all([
      waitForCallState(caller, "connected"),
      waitForCallState(callee, "connected"),
    ]);
    for (const u of [caller, callee]) {
      await waitForMediaFlow(u, { audio: true, video: true });
    }

    await chatAcross(caller, callee, `hello from ${caller.name}`);
    await chatAcross(callee, caller, `hello from ${callee.name}`);
    // The call's private channel, across the two browsers' SCTP stacks.
    await sendPrivately(caller, `just us, ${callee.name}`);
    await waitForPrivateLine(callee, `just us, ${callee.name}`);
    await sendPrivately(callee, `just us, ${caller.name}`);
    await waitForPrivateLine(caller, `just us, ${caller.name}`);

    await muteReaches(caller, callee);
    await muteReaches(callee, caller);
    await cameraOffReaches(caller, callee);
    await cameraOffReaches(callee, caller);
    for (const u of [caller, callee]) {
      if (u.page.browserName === "firefox") await screenShareExplained(u);
    }

    await hangUp(callee, caller);
    for (const u of [caller, callee]) {
      assert.equal(
        await u.page.evaluate(() => "__parleyPc" in globalThis),
        false,
        `${u.name} kept its peer connection`,
      );
    }
  });
}

/** Accept → first remote frame on each side, over {@link TIMED_CALLS} calls. */
async function timeFirstFrames(
  baseUrl: string,
  callerBrowser: TestBrowser,
  calleeBrowser: TestBrowser,
): Promise<Record<"caller" | "callee", number[]>> {
  const times = { caller: [] as number[], callee: [] as number[] };
  await withUsers([
    () => openUser(callerBrowser, baseUrl, "timed-caller"),
    () => openUser(calleeBrowser, baseUrl, "timed-callee"),
  ], async ([caller, callee]) => {
    for (let i = 0; i < TIMED_CALLS; i++) {
      const t = await acceptToFirstFrames(caller, callee);
      times.caller.push(t.caller);
      times.callee.push(t.callee);
      await waitForCallState(caller, "connected");
      await hangUp(caller, callee);
      await dismissEnded(caller, callee);
    }
  });
  return times;
}

Deno.test({
  name: "Firefox and Chromium call each other, and Firefox calls Firefox",
  ignore: needsBrowsers("chromium", "firefox"),
  async fn(t) {
    const app = await startApp();
    const browsers: Partial<Record<BrowserName, TestBrowser>> = {};
    try {
      const chromium = browsers.chromium = await launch("chromium");
      const firefox = browsers.firefox = await launch("firefox");

      await t.step(
        "Firefox calls Chromium: steady video, audio, chat, mute, camera, hang-up",
        () => fullCall(app.url, firefox, chromium),
      );
      await t.step(
        "Chromium calls Firefox: steady video, audio, chat, mute, camera, hang-up",
        () => fullCall(app.url, chromium, firefox),
      );
      await t.step(
        "Firefox calls Firefox: steady video both ways",
        async () => {
          await withUsers([
            () => openUser(firefox, app.url, "fay"),
            () => openUser(firefox, app.url, "fox"),
          ], async ([a, b]) => {
            await ring(a, b);
            await waitForPrepared(a, b);
            await b.page.click("[data-testid=accept-call]");
            const [sa, sb] = await Promise.all([
              decodedSeries(a),
              decodedSeries(b),
            ]);
            assertSteadyVideo(a, sa);
            assertSteadyVideo(b, sb);
            for (const u of [a, b]) {
              await waitForMediaFlow(u, { audio: true, video: true });
            }
            await hangUp(a, b);
          });
        },
      );
      await t.step(
        "an audio call between Chromium and Firefox carries audio both ways and no video",
        async () => {
          await withUsers([
            () => openUser(chromium, app.url, "cleo"),
            () => openUser(firefox, app.url, "finn"),
          ], async ([c, f]) => {
            await ring(c, f, { audioOnly: true });
            await f.page.click("[data-testid=accept-call]");
            for (const u of [c, f]) {
              await waitForCallState(u, "connected");
              await waitForMediaFlow(u, { audio: true, video: false });
              assert.equal((await inboundStats(u)).video.present, false);
              assert.equal(
                await u.page.evaluate(() =>
                  (globalThis as { __parleyPc?: RTCPeerConnection })
                    .__parleyPc!.remoteDescription!.sdp.includes("m=video")
                ),
                false,
                `${u.name} negotiated video`,
              );
            }
            await muteReaches(f, c);
            await hangUp(f, c);
          });
        },
      );
      await t.step(
        `accept to first remote frame, ${TIMED_CALLS} calls each way`,
        async () => {
          const fmt = (xs: number[]) =>
            `median ${median(xs).toFixed(0)} ms (${
              xs.map((x) => x.toFixed(0)).join(", ")
            })`;
          for (const [from, to] of [[firefox, chromium], [chromium, firefox]]) {
            const times = await timeFirstFrames(app.url, from, to);
            console.log(
              `${from.name} calls ${to.name}: ${to.name}'s picture on the ` +
                `${from.name} caller ${fmt(times.caller)}; ${from.name}'s ` +
                `picture on the ${to.name} callee ${fmt(times.callee)}`,
            );
            for (const ms of [...times.caller, ...times.callee]) {
              assert.ok(ms > 0, "a frame came before Accept");
            }
          }
        },
      );
    } finally {
      await browsers.chromium?.close();
      await browsers.firefox?.close();
      await app.shutdown();
    }
  },
});
