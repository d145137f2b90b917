/**
 * An incoming call while the callee's page is hidden (issue 15), in real
 * Chromium and Firefox: the permission banner after joining, a system notification
 * through the service worker naming the caller, the title alternating, the
 * favicon's dot and vibration while it rings, and all of it gone once the
 * ring ends — answered from the notification, cancelled by the caller, or
 * declined from the notification.
 *
 * Headless pages are always visible, so the callee's page is made "hidden"
 * by an init script (`visibilityState`/`hidden` overridden, then a
 * `visibilitychange`), and `navigator.vibrate` is recorded, not called.
 *
 * A notification cannot be clicked from a test. Chromium's driver reaches
 * the service worker, so there the test calls the worker's own click
 * handler (`notificationClicked` in `static/sw.js`) on the real notification
 * the page showed: the worker's code closes it, looks for the page and posts
 * the message the page acts on (only the click's user activation is
 * missing, so its `focus()` is refused, which the worker tolerates).
 * Firefox's driver cannot reach workers: there the test closes the
 * notification and posts that same message itself, which checks the page's
 * side only.
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
  clickCall,
  dismissEnded,
  hangUp,
  openUser,
  type User,
  waitForCallState,
  withUsers,
} from "./helpers.ts";

/** Runs in the callee's page before its scripts; see the module doc. */
function hideableAndVibrating(): void {
  let hidden = false;
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => hidden ? "hidden" : "visible",
  });
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true,
    get: () => hidden,
  });
  const g = globalThis as {
    __e2eSetHidden?: (h: boolean) => void;
    __e2eVibrations?: unknown[];
  };
  g.__e2eSetHidden = (h) => {
    hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  const vibrations: unknown[] = [];
  g.__e2eVibrations = vibrations;
  Object.defineProperty(Navigator.prototype, "vibrate", {
    configurable: true,
    writable: true,
    value: (pattern: unknown) => vibrations.push(pattern) > 0,
  });
}

/** What the page's worker registration says is shown. */
interface Shown {
  title: string;
  body: string;
  tag: string;
  requireInteraction: boolean;
  actions: string[];
}

function shownNotifications(page: TestPage): Promise<Shown[]> {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    const list = await reg?.getNotifications() ?? [];
    return list.map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      requireInteraction: n.requireInteraction,
      actions: ((n as unknown as { actions?: { action: string }[] }).actions ??
        []).map((a) => a.action),
    }));
  });
}

async function waitForNotifications(page: TestPage, count: number) {
  await page.waitForFunction(async (n) => {
    const reg = await navigator.serviceWorker.getRegistration();
    return (await reg?.getNotifications() ?? []).length === n;
  }, count);
}

/** The page's favicon URL and title, and the vibrations recorded so far. */
function cues(page: TestPage) {
  return page.evaluate(() => ({
    title: document.title,
    icon: document.querySelector<HTMLLinkElement>("link[rel~=icon]")!.href,
    vibrations: (globalThis as { __e2eVibrations?: unknown[] })
      .__e2eVibrations ?? [],
  }));
}

/**
 * Clicks the notification's `action`. In Chromium through the worker's own
 * handler; Firefox's driver cannot reach the worker, so there the test does
 * what that handler does: closes the notification and posts the worker's
 * message to the page's `navigator.serviceWorker`.
 */
async function clickNotification(page: TestPage, action: string) {
  const clicked = page.evaluateInServiceWorker
    ? await page.evaluateInServiceWorker(async (a) => {
      const sw = self as unknown as {
        registration: ServiceWorkerRegistration;
        notificationClicked(n: Notification, action: string): Promise<void>;
      };
      const [n] = await sw.registration.getNotifications();
      if (!n) return false;
      await sw.notificationClicked(n, a);
      return true;
    }, action)
    : await page.evaluate(async (a) => {
      const reg = await navigator.serviceWorker.getRegistration();
      const [n] = await reg?.getNotifications() ?? [];
      if (!n) return false;
      n.close();
      const data = { type: "parley-notification", action: a, ...n.data };
      delete data.url;
      navigator.serviceWorker.dispatchEvent(
        new MessageEvent("message", { data }),
      );
      return true;
    }, action);
  assert.ok(clicked, "a notification was there to click");
}

/** Rings `callee` (hidden) and waits for every cue of a hidden ring. */
async function ringHidden(caller: User, callee: User) {
  await clickCall(caller, callee.name);
  await waitForCallState(callee, "incoming");
  await waitForNotifications(callee.page, 1);
  await callee.page.waitForFunction(
    (t) => document.title === t,
    `${caller.name} is calling…`,
  );
}

/** The title, icon and notification are back to the page's own. */
async function waitForQuiet(user: User) {
  await waitForNotifications(user.page, 0);
  await user.page.waitForFunction(() =>
    document.title === "Parley" &&
    document.querySelector<HTMLLinkElement>("link[rel~=icon]")!.href
      .endsWith("/favicon.svg")
  );
}

for (const name of ["chromium", "firefox"] as const) {
  Deno.test({
    name:
      `${name}: a call to a hidden page notifies through the service worker, blinks the title, dots the icon and vibrates until the ring ends`,
    ignore: needsBrowsers(name),
    fn: () => hiddenCall(name),
  });
}

async function hiddenCall(name: BrowserName) {
  const app = await startApp();
  let browser: TestBrowser | undefined;
  try {
    browser = await launch(name);
    const b = browser;
    await withUsers([
      () => openUser(b, app.url, "ann"),
      () =>
        openUser(b, app.url, "bob", {
          setup: (page) => page.addInitScript(hideableAndVibrating, undefined),
        }),
    ], async ([ann, bob]) => {
      // The banner asks once, after joining; Allow gets the permission
      // (granted by the test: a headless browser shows no prompt).
      await bob.page.waitForSelector("[data-testid=notify-banner]");
      await bob.page.grant(["notifications"], new URL(app.url).origin);
      await bob.page.click("[data-testid=notify-allow]");
      await bob.page.waitForSelector("[data-testid=notify-banner]", {
        state: "detached",
      });
      await bob.page.waitForFunction(async () =>
        Notification.permission === "granted" &&
        !!(await navigator.serviceWorker.ready).active
      );

      await bob.page.evaluate(() =>
        (globalThis as { __e2eSetHidden?: (h: boolean) => void })
          .__e2eSetHidden!(true)
      );

      // 1. Rings while hidden: every cue; answered from the notification.
      await ringHidden(ann, bob);
      const [shown] = await shownNotifications(bob.page);
      assert.equal(shown.title, "ann is calling");
      assert.equal(shown.body, "Video call");
      assert.equal(shown.requireInteraction, true);
      // Firefox shows the actions but does not list them back.
      if (name === "chromium") {
        assert.deepEqual(shown.actions, ["accept", "decline"]);
      }
      const ringing = await cues(bob.page);
      assert.ok(ringing.icon.endsWith("/favicon-ringing.svg"), ringing.icon);
      assert.ok(
        ringing.vibrations.some((v) => Array.isArray(v)),
        "vibrated in a pattern",
      );
      // The title alternates with the page's own.
      await bob.page.waitForFunction(() => document.title === "Parley");
      await bob.page.waitForFunction(() =>
        document.title === "ann is calling…"
      );

      await clickNotification(bob.page, "accept");
      await Promise.all([
        waitForCallState(ann, "connected"),
        waitForCallState(bob, "connected"),
      ]);
      await waitForQuiet(bob);
      assert.equal((await cues(bob.page)).vibrations.at(-1), 0, "stopped");
      await hangUp(ann, bob);
      await dismissEnded(ann, bob);

      // 2. The caller gives up: the notification closes by itself.
      await ringHidden(ann, bob);
      await ann.page.click("[data-testid=cancel-call]");
      await waitForCallState(bob, "ended");
      await waitForQuiet(bob);
      await dismissEnded(ann, bob);

      // 3. Declined from the notification.
      await ringHidden(ann, bob);
      await clickNotification(bob.page, "decline");
      await waitForCallState(ann, "ended", "declined");
      await waitForQuiet(bob);
      await dismissEnded(ann, bob);

      // 4. Seen again: a visible page gets no notification, title or dot.
      await bob.page.evaluate(() =>
        (globalThis as { __e2eSetHidden?: (h: boolean) => void })
          .__e2eSetHidden!(false)
      );
      await clickCall(ann, bob.name);
      await waitForCallState(bob, "incoming");
      const visible = await cues(bob.page);
      assert.equal(visible.title, "Parley");
      assert.ok(visible.icon.endsWith("/favicon.svg"), visible.icon);
      assert.deepEqual(await shownNotifications(bob.page), []);
      await bob.page.click("[data-testid=decline-call]");
      await waitForCallState(ann, "ended", "declined");
    });
  } finally {
    await browser?.close();
    await app.shutdown();
  }
}

Deno.test({
  name: "Not now hides the banner for good, and the page never asks itself",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;
      await withUsers([
        () => openUser(b, app.url, "ann"),
      ], async ([ann]) => {
        await ann.page.click("[data-testid=notify-not-now]");
        await ann.page.waitForSelector("[data-testid=notify-banner]", {
          state: "detached",
        });
        // A reload joins again by itself (same tab); the banner stays away.
        await ann.page.reload();
        await ann.page.waitForSelector("[data-testid=my-name]");
        assert.equal(
          await ann.page.exists("[data-testid=notify-banner]"),
          false,
        );
        assert.equal(
          await ann.page.evaluate(() => Notification.permission),
          "default",
          "the browser was never asked",
        );
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
