/**
 * The browsers of the end-to-end tests behind one small interface, so that a
 * test names the browsers it wants and nothing else: Chromium is driven by
 * playwright-core, Firefox by puppeteer-core (WebDriver BiDi). Every page is
 * in a context of its own (its own window, storage and camera), and every
 * page is watched for Content-Security-Policy violations: closing the
 * browser fails if any page reported one.
 */
import { ChromiumBrowser } from "./chromium_pages.ts";
import {
  chromiumPresent,
  FAKE_MEDIA_ARGS,
  launchBrowser,
  onCI,
} from "./browser.ts";
import { FAKE_MEDIA_PREFS, firefoxPresent, launchFirefox } from "./firefox.ts";
import { FirefoxBrowser } from "./firefox_pages.ts";
import { granted } from "./permissions.ts";
import type { BrowserName, TestBrowser } from "./test_page.ts";

export {
  type BrowserName,
  STEP_TIMEOUT_MS,
  type TestBrowser,
  type TestPage,
} from "./test_page.ts";

function present(name: BrowserName): boolean {
  return name === "firefox" ? firefoxPresent() : chromiumPresent();
}

/**
 * `ignore` value for a test that drives the named browsers: skipped without
 * permissions, or when one is missing outside CI. On CI (`CI=true`) a
 * missing browser is a failure, never a skip.
 */
export function needsBrowsers(...names: BrowserName[]): boolean {
  if (!granted("net", "read", "write", "env", "run")) return true;
  return !onCI() && !names.every(present);
}

/**
 * Launches `name` headless with a fake camera and microphone. For Chromium,
 * `chromiumArgs` replace the fake-media flags (e.g. a browser without a
 * camera); for Firefox, `firefoxPrefs` are added to its fake-media prefs.
 */
export async function launch(
  name: BrowserName,
  options: {
    chromiumArgs?: string[];
    firefoxPrefs?: Record<string, unknown>;
  } = {},
): Promise<TestBrowser> {
  if (name === "chromium") {
    return new ChromiumBrowser(
      await launchBrowser(options.chromiumArgs ?? FAKE_MEDIA_ARGS),
    );
  }
  if (options.chromiumArgs) {
    throw new Error("chromiumArgs apply to Chromium only");
  }
  return new FirefoxBrowser(
    await launchFirefox({ ...FAKE_MEDIA_PREFS, ...options.firefoxPrefs }),
  );
}
