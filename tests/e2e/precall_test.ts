/**
 * The pre-call check in real browsers: before joining, it previews the
 * fake camera, its meter moves with the fake microphone, it lists the fake
 * devices, and closing it ends the preview. A camera, a speaker and
 * "start muted" chosen there survive a reload and shape the next call; in
 * a call, switching the camera there replaces the track without a new
 * offer.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  type BrowserName,
  launch,
  needsBrowsers,
  type TestBrowser,
  type TestPage,
} from "../helpers/browsers.ts";
import {
  assertNothingBroke,
  closeUsers,
  connect,
  eventually,
  hangUp,
  openUnjoined,
  openUser,
  peerConnectionTag,
  receivedAudioPower,
  tagPeerConnection,
  type User,
  waitForAudioPower,
  waitForMediaFlow,
  withUsers,
} from "./helpers.ts";

/** Opens the check from `button` and waits for its preview's frames. */
async function openSettings(page: TestPage, button = "open-settings") {
  await page.click(`[data-testid=${button}]`);
  await page.waitForSelector("[data-testid=settings]");
  await page.waitForFunction(() =>
    document.querySelector<HTMLVideoElement>("#settings-preview")!
      .videoWidth > 0
  );
}

async function closeSettings(page: TestPage) {
  await page.click("[data-testid=close-settings]");
  await page.waitForSelector("[data-testid=settings]", { state: "detached" });
}

/** The option values and texts of a picker. */
function options(page: TestPage, selector: string) {
  return page.$eval(
    selector,
    (s) =>
      [...(s as HTMLSelectElement).options].map((o) => ({
        value: o.value,
        label: o.textContent ?? "",
      })),
  );
}

/** Picks `value` in a `<select>` as a person would (a change event). */
function choose(page: TestPage, selector: string, value: string) {
  return page.evaluate(([sel, v]) => {
    const select = document.querySelector<HTMLSelectElement>(sel)!;
    select.value = v;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }, [selector, value]);
}

/** The device of the first video track of the video element `id`. */
function cameraOf(page: TestPage, id: string) {
  return page.evaluate((elementId) => {
    const video = document.getElementById(elementId) as HTMLVideoElement;
    const stream = video.srcObject as MediaStream | null;
    return stream?.getVideoTracks()[0]?.getSettings().deviceId ?? null;
  }, id);
}

/** Scenario (a), in `name`: the check before joining. */
async function checkBeforeJoining(name: BrowserName) {
  const app = await startApp();
  let browser: TestBrowser | undefined;
  try {
    // Without a sound device (as on a test machine) Firefox never starts
    // an AudioContext; its mock audio backend runs one.
    browser = await launch(
      name,
      name === "firefox"
        ? { firefoxPrefs: { "media.cubeb.force_mock_context": true } }
        : {},
    );
    const b = browser;
    await withUsers([
      () => openUnjoined(b, app.url, "guest"),
    ], async ([guest]) => {
      const { page } = guest;
      await openSettings(page);
      assert.ok(
        await page.evaluate(() =>
          document.querySelector("[data-testid=settings]")!.contains(
            document.activeElement,
          )
        ),
        "focus moved into the dialog",
      );
      await eventually(
        "the microphone level rises with the fake microphone",
        () =>
          page.$eval(
            "[data-testid=mic-level]",
            (m) => (m as HTMLMeterElement).value,
          ),
        (level) => level > 0,
      );
      const cameras = await options(page, "#settings-camera");
      const mics = await options(page, "#settings-mic");
      assert.ok(cameras.length >= 1 && cameras.every((c) => c.value !== ""));
      assert.ok(mics.length >= 1 && mics.every((c) => c.value !== ""));
      for (const picker of ["#settings-camera", "#settings-mic"]) {
        await eventually(
          `${picker} shows the device in use`,
          () =>
            page.$eval(picker, (s) => (s as HTMLSelectElement).selectedIndex),
          (index) => index >= 0,
        );
      }
      if (name === "chromium") {
        assert.ok(cameras.some((c) => c.label.startsWith("fake_device")));
        assert.ok(mics.some((c) => c.label.startsWith("Fake")));
        // Chromium lists fake speakers and has setSinkId.
        const speakers = await options(page, "#settings-speaker");
        assert.ok(speakers.some((c) => c.label.includes("Audio Output")));
      }
      if (name === "chromium") {
        // Tab stays in the dialog (the Firefox driver presses no key combos).
        const focused = () =>
          page.evaluate(() =>
            document.activeElement?.id ||
            document.activeElement?.getAttribute("data-testid")
          );
        await page.press("[data-testid=settings]", "Shift+Tab");
        assert.equal(await focused(), "close-settings");
        await page.press("[data-testid=close-settings]", "Tab");
        assert.equal(await focused(), "settings-camera");
      }
      await page.evaluate(() => {
        const video = document.querySelector<HTMLVideoElement>(
          "#settings-preview",
        )!;
        (globalThis as { __e2ePreview?: MediaStreamTrack[] }).__e2ePreview =
          (video.srcObject as MediaStream).getTracks();
      });
      await page.press("[data-testid=settings]", "Escape");
      await page.waitForSelector("[data-testid=settings]", {
        state: "detached",
      });
      assert.equal(
        await page.evaluate(() =>
          document.activeElement?.getAttribute("data-testid")
        ),
        "open-settings",
        "focus went back",
      );
      // Preact runs an unmounted part's effect cleanups after the next paint.
      const states = await eventually(
        "closing the dialog ends the preview's camera and microphone",
        () =>
          page.evaluate(() =>
            (globalThis as { __e2ePreview?: MediaStreamTrack[] })
              .__e2ePreview!.map((t) => t.readyState)
          ),
        (s) => s.every((state) => state === "ended"),
      );
      assert.ok(states.length >= 2, "the preview had camera and mic");
    });
  } finally {
    await browser?.close();
    await app.shutdown();
  }
}

Deno.test({
  name:
    "before joining, the check previews the camera, meters the microphone, lists the devices and ends its preview when closed",
  ignore: needsBrowsers("chromium"),
  fn: () => checkBeforeJoining("chromium"),
});

Deno.test({
  name: "the check before joining works the same in Firefox",
  ignore: needsBrowsers("firefox"),
  fn: () => checkBeforeJoining("firefox"),
});

Deno.test({
  name:
    "choices made before a call shape it, and a camera switched in a call needs no new offer",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    let alice: User | undefined, bob: User | undefined;
    try {
      // Fake cameras to choose between. Chromium gives its fake cameras
      // pixel formats in turn (I420, Y16, MJPEG): the second one's depth
      // frames show in a <video> but are never encoded, so the third is
      // the one to choose.
      browser = await launch("chromium", {
        chromiumArgs: [
          "--use-fake-ui-for-media-stream",
          "--use-fake-device-for-media-stream=device-count=3",
        ],
      });
      alice = await openUser(browser, app.url, "alice");
      bob = await openUser(browser, app.url, "bob");
      const a = alice, b = bob;
      let cameras: { value: string }[] = [];

      await t.step(
        "pre-call settings (muted start, chosen device) apply to the next call",
        async () => {
          await openSettings(a.page);
          cameras = await options(a.page, "#settings-camera");
          assert.equal(cameras.length, 3, JSON.stringify(cameras));
          const chosen = cameras[2].value;
          await choose(a.page, "#settings-camera", chosen);
          await eventually(
            "the preview re-opens on the chosen camera",
            () => cameraOf(a.page, "settings-preview"),
            (id) => id === chosen,
          );
          const speakers = await options(a.page, "#settings-speaker");
          const speaker = speakers[speakers.length - 1].value;
          await choose(a.page, "#settings-speaker", speaker);
          await a.page.click("[data-testid=start-muted]");
          await closeSettings(a.page);

          await a.page.reload();
          await a.page.waitForSelector("[data-testid=my-name]");
          await openSettings(a.page);
          assert.equal(await a.page.inputValue("#settings-camera"), chosen);
          assert.equal(
            await a.page.$eval(
              "[data-testid=start-muted]",
              (c) => (c as HTMLInputElement).checked,
            ),
            true,
          );
          assert.equal(
            await a.page.$eval(
              "[data-testid=start-camera-off]",
              (c) => (c as HTMLInputElement).checked,
            ),
            false,
          );
          await closeSettings(a.page);

          await connect(a, b);
          await a.page.waitForSelector("[data-testid=mute][aria-pressed=true]");
          const local = await a.page.evaluate(() => {
            const video = document.getElementById(
              "local-video",
            ) as HTMLVideoElement;
            const stream = video.srcObject as MediaStream;
            return {
              audioEnabled: stream.getAudioTracks()[0]?.enabled,
              camera: stream.getVideoTracks()[0]?.getSettings().deviceId,
            };
          });
          assert.deepEqual(local, { audioEnabled: false, camera: chosen });
          assert.equal(
            await a.page.$eval(
              "#remote-video",
              (v) => (v as HTMLVideoElement & { sinkId: string }).sinkId,
            ),
            speaker,
            "bob is heard on the chosen speaker",
          );
          await waitForMediaFlow(b, { audio: true, video: true });
          const muted = await receivedAudioPower(b);
          assert.ok(muted < 1e-6, `bob hears alice while muted: ${muted}`);
          await a.page.click("[data-testid=mute]");
          await waitForAudioPower(
            b,
            "bob hears alice once she unmutes",
            (power) => power > 1e-4,
          );
        },
      );

      await t.step(
        "in a call, the check shows the call's camera and switches it without renegotiating",
        async () => {
          await tagPeerConnection(a, "call");
          await a.page.evaluate(() => {
            const g = globalThis as {
              __parleyPc?: RTCPeerConnection;
              __e2eSignaling?: number;
            };
            g.__e2eSignaling = 0;
            g.__parleyPc!.addEventListener("signalingstatechange", () => {
              g.__e2eSignaling!++;
            });
          });
          await openSettings(a.page, "call-settings");
          assert.ok(
            await a.page.evaluate(() =>
              (document.getElementById("settings-preview") as HTMLVideoElement)
                .srcObject ===
                (document.getElementById("local-video") as HTMLVideoElement)
                  .srcObject
            ),
            "the preview is the call's own stream",
          );
          const first = cameras[0].value;
          await choose(a.page, "#settings-camera", first);
          await eventually(
            "the call's camera becomes the first one",
            () => cameraOf(a.page, "local-video"),
            (id) => id === first,
          );
          await waitForMediaFlow(b, { audio: false, video: true, by: 20 });
          await closeSettings(a.page);
          // The dialog's cleanups run after the next paint: give them the
          // time to stop tracks they must not stop.
          await new Promise((r) => setTimeout(r, 300));
          const after = await a.page.evaluate(() => {
            const g = globalThis as {
              __parleyPc?: RTCPeerConnection;
              __e2eSignaling?: number;
            };
            const video = document.getElementById(
              "local-video",
            ) as HTMLVideoElement;
            return {
              signaling: g.__parleyPc!.signalingState,
              changes: g.__e2eSignaling,
              tracks: (video.srcObject as MediaStream).getTracks().map((t) =>
                t.readyState
              ),
            };
          });
          assert.deepEqual(after, {
            signaling: "stable",
            changes: 0,
            tracks: ["live", "live"],
          });
          assert.equal(await peerConnectionTag(a), "call");
          await waitForMediaFlow(b, { audio: true, video: true });
          await hangUp(a, b);
          assertNothingBroke(a, b);
        },
      );
    } finally {
      await closeUsers(alice, bob);
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name:
    "a camera and microphone the browser refuses are explained in the dialog",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      // No fake permission prompt: headless Chromium refuses (NotAllowedError).
      browser = await launch("chromium", {
        chromiumArgs: ["--use-fake-device-for-media-stream"],
      });
      const b = browser;
      await withUsers([
        () => openUnjoined(b, app.url, "guest"),
      ], async ([guest]) => {
        const { page } = guest;
        await page.click("[data-testid=open-settings]");
        await page.waitForSelector("[data-testid=settings] [role=alert]");
        const text = await page.textContent(
          "[data-testid=settings] [role=alert]",
        );
        assert.match(text ?? "", /access is blocked/);
        await closeSettings(page);
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
