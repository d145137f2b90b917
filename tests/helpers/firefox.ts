/**
 * Headless Firefox for end-to-end tests, driven by puppeteer-core over
 * WebDriver BiDi (no geckodriver, no browser download).
 *
 * Debian's `/usr/bin/firefox-esr` is used as is. Where it is missing the
 * Firefox tests are ignored, except with `CI=true`, where they run and fail
 * with a message saying what to install.
 */
import type { Browser } from "puppeteer-core";
import { installed } from "./permissions.ts";

export const FIREFOX_PATH = "/usr/bin/firefox-esr";

/** Whether Firefox ESR is installed where the tests look for it. */
export function firefoxPresent(): boolean {
  return installed(FIREFOX_PATH);
}

/**
 * Preferences for a call in a test: a fake camera and microphone with no
 * permission prompt, ICE that may use the loopback interface (the
 * counterpart of Chromium's `--allow-loopback-in-peer-connection`), and
 * notifications that can show.
 */
export const FAKE_MEDIA_PREFS: Record<string, unknown> = {
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  "media.peerconnection.ice.loopback": true,
  // Headless Firefox has no system notifications (`showNotification` fails
  // with NS_ERROR_FAILURE); its own alert windows work.
  "alerts.useSystemBackend": false,
};

/** Launches headless Firefox with `prefs` (the fake-media ones by default). */
export async function launchFirefox(
  prefs: Record<string, unknown> = FAKE_MEDIA_PREFS,
): Promise<Browser> {
  if (!firefoxPresent()) {
    throw new Error(
      `Firefox is missing at ${FIREFOX_PATH}: run \`apt-get install -y firefox-esr\`.`,
    );
  }
  // Imported here, like playwright-core, so that plain `deno test` (no
  // permissions) never loads the driver.
  const { default: puppeteer } = await import("puppeteer-core");
  return await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: prefs,
  });
}
