/**
 * Headless Chromium for end-to-end tests, driven by playwright-core.
 *
 * Debian's `/usr/bin/chromium` is used as is (never `playwright install`).
 * Where it is missing the browser tests are ignored, except with `CI=true`,
 * where they run and fail with a message saying what to install
 * (`needsBrowsers` in `browsers.ts`). Tests of the app get their pages
 * through `browsers.ts`; this module is for tests that need playwright
 * itself.
 */
import type { Browser, LaunchOptions } from "playwright-core";
import { watchBrowser } from "./csp_watch.ts";
import { granted, installed } from "./permissions.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Whether Chromium is installed where the tests look for it. */
export function chromiumPresent(): boolean {
  return installed(CHROMIUM_PATH);
}

/** Whether this run is on CI (`CI=true`), where a missing browser fails. */
export function onCI(): boolean {
  if (!granted("env")) return false;
  return Deno.env.get("CI") === "true";
}

/** Flags that make fake camera/mic work and keep Chromium off the network. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--allow-loopback-in-peer-connection",
];

/** Media flags: a fake camera and microphone, and no permission prompt. */
export const FAKE_MEDIA_ARGS = [
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
];

/**
 * Launches headless Chromium; `extraArgs` replace the fake-media flags if
 * given. Its pages are watched for CSP violations (`csp_watch.ts`):
 * `browser.close()` throws if any page reported one.
 */
export async function launchBrowser(
  extraArgs: string[] = FAKE_MEDIA_ARGS,
  options: LaunchOptions = {},
): Promise<Browser> {
  if (!chromiumPresent()) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\`.`,
    );
  }
  // Imported here because playwright-core reads the environment on import,
  // which plain `deno test` (no permissions) refuses.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    ...options,
  });
  watchBrowser(browser);
  return browser;
}
