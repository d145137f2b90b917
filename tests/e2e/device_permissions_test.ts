/**
 * Per-device permissions, in real Chromium launched without its fake
 * permission prompt, so what a page is not granted is refused as a person's
 * "Block" would be: a caller whose camera is blocked but whose microphone is
 * allowed places an audio call (and is told which device is blocked and how
 * to allow it), and the callee is rung once, as an audio call, never rung
 * and then cancelled; a caller whose microphone is blocked is told before
 * anyone is rung.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import type { PagePermission, TestPage } from "../helpers/test_page.ts";
import {
  clickCall,
  openUser,
  type User,
  waitForCallState,
  waitForMediaFlow,
  waitForNotice,
  withUsers,
} from "./helpers.ts";

const CAMERA_BLOCKED =
  "Camera access is blocked for this site. Allow it in the site settings (the camera or lock icon in the address bar), then try again. This call is audio only.";
const MIC_BLOCKED =
  "Microphone access is blocked for this site. Allow it in the site settings (the microphone or lock icon in the address bar), then try again.";

/** Records every call state the page shows, however briefly. */
function recordCallStates(page: TestPage): Promise<void> {
  return page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as { __callStates?: string[] }).__callStates = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const state = (r.target as Element).getAttribute("data-call-state");
        if (state && seen.at(-1) !== state) seen.push(state);
      }
    }).observe(document, {
      subtree: true,
      attributes: true,
      attributeFilter: ["data-call-state"],
    });
  }, undefined);
}

function callStates(user: User): Promise<string[]> {
  return user.page.evaluate(() =>
    (globalThis as { __callStates?: string[] }).__callStates ?? []
  );
}

/** Opens `name` in `browser` with only `granted` media permissions. */
function openWith(
  browser: TestBrowser,
  url: string,
  name: string,
  granted: PagePermission[],
) {
  return openUser(browser, url, name, {
    setup: async (page) => {
      await recordCallStates(page);
      if (granted.length) await page.grant(granted, new URL(url).origin);
    },
  });
}

Deno.test({
  name:
    "a blocked camera makes an audio call; a blocked microphone rings nobody",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    let prompting: TestBrowser | undefined, open: TestBrowser | undefined;
    try {
      // Fake devices, but no fake prompt: ungranted means refused.
      prompting = await launch("chromium", {
        chromiumArgs: ["--use-fake-device-for-media-stream"],
      });
      open = await launch("chromium");
      const strict = prompting, callee = open;

      await t.step(
        "camera blocked, microphone allowed: an audio call that connects, and the callee is rung once",
        async () => {
          await withUsers([
            () => openWith(strict, app.url, "nina", ["microphone"]),
            () => openWith(callee, app.url, "carl", []),
          ], async ([nina, carl]) => {
            await clickCall(nina, "carl");
            await waitForNotice(nina, CAMERA_BLOCKED);
            await carl.page.waitForSelector("[data-testid=incoming-call]");
            assert.equal(
              await carl.page.textContent("#incoming-desc"),
              "Incoming audio call",
            );
            await carl.page.click("[data-testid=accept-call]");
            await waitForCallState(nina, "connected");
            await waitForCallState(carl, "connected");
            await waitForMediaFlow(nina, { audio: true, video: false });
            await waitForMediaFlow(carl, { audio: true, video: false });
            // Changes from the page's first (idle) state.
            assert.deepEqual(await callStates(carl), [
              "incoming",
              "connecting",
              "connected",
            ]);
          });
        },
      );

      await t.step(
        "microphone blocked: the caller is told which device and how to allow it, and nobody is rung",
        async () => {
          await withUsers([
            () => openWith(strict, app.url, "mia", []),
            () => openWith(callee, app.url, "carl", []),
          ], async ([mia, carl]) => {
            await clickCall(mia, "carl");
            await waitForNotice(mia, MIC_BLOCKED);
            await waitForCallState(mia, "ended", "media-error");
            // Time enough for a ring to have reached carl, had one left.
            await new Promise((r) => setTimeout(r, 500));
            assert.deepEqual(await callStates(carl), [], "carl was never rung");
          });
        },
      );
    } finally {
      await prompting?.close();
      await open?.close();
      await app.shutdown();
    }
  },
});
