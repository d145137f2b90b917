/**
 * The safety number in real browsers: in an honest call both pages show
 * the same code (Chromium with Chromium, Chromium with Firefox); once both
 * people said it matches, the next call between the same two browsers
 * shows "Verified" at once; a browser whose kept certificate was replaced
 * is shown to the other with "… safety number has changed". The man in
 * the middle is `safety_mitm_test.ts`.
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
  dismissEnded,
  eventually,
  hangUp,
  openUser,
  type User,
  withUsers,
} from "./helpers.ts";
import { Audit } from "./audit.ts";
import {
  bothConfirm,
  callWithMedia,
  closeVerify,
  keptCertificate,
  openVerify,
  readSafetyCode,
  replaceCertificate,
  verifyState,
  waitForVerifyState,
} from "./safety.ts";

const CODE = /^\d{4} \d{4} \d{4}$/;
const DAY = 24 * 60 * 60 * 1000;

/** Connects `a` to `b`, checks frames both ways, returns both codes. */
async function callAndRead(a: User, b: User): Promise<[string, string]> {
  await callWithMedia(a, b);
  return [await readSafetyCode(a), await readSafetyCode(b)];
}

Deno.test({
  name:
    "two Chromium pages show one safety number; verified once, the next call shows Verified, and a replaced certificate shows a warning",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;
      await withUsers([
        () => openUser(b, app.url, "ana"),
        () => openUser(b, app.url, "ben"),
      ], async ([ana, ben]) => {
        const [first, firstOther] = await callAndRead(ana, ben);
        assert.match(first, CODE);
        assert.equal(firstOther, first, "an honest call: one code");
        assert.equal(await verifyState(ana), "unverified");
        await bothConfirm(ana, ben);
        await ana.page.waitForSelector("[data-testid=safety-verified]");
        await hangUp(ana, ben);
        await dismissEnded(ana, ben);

        // The same two browsers again, Ana's page reloaded (the key is kept
        // in the browser, not the page) and the callee now calling: verified
        // at once, with a fresh code (new values each call).
        await ana.page.reload();
        await ana.page.waitForSelector("[data-testid=my-name]");
        const [second, secondOther] = await callAndRead(ben, ana);
        assert.equal(second, secondOther);
        assert.notEqual(second, first, "each call has its own code");
        await Promise.all([
          waitForVerifyState(ana, "verified"),
          waitForVerifyState(ben, "verified"),
        ]);
        await ben.page.waitForSelector("[data-testid=safety-verified]");
        await hangUp(ben, ana);
        await dismissEnded(ana, ben);

        // Ben's browser gets a new key, as a renewal would give it.
        await replaceCertificate(ben);
        await ben.page.reload();
        await ben.page.waitForSelector("[data-testid=my-name]");
        await connect(ana, ben);
        await waitForVerifyState(ana, "changed");
        await ana.page.waitForSelector("[data-testid=safety-warning]");
        const warning = await ana.page.textContent(
          "[data-testid=safety-warning]",
        );
        assert.match(warning ?? "", /ben's safety number has changed/);
        const audit = new Audit();
        await audit.check(ana, "the changed-number warning");
        audit.assertClean();
        // Ana's key did not change: Ben still has her verified.
        await waitForVerifyState(ben, "verified");
        // Ana compares again and says they match: Ben's browser, which knows
        // Ana's key, answers for him, and Ana has Ben's new key verified.
        await openVerify(ana);
        await ana.page.click("[data-testid=safety-match]");
        await waitForVerifyState(ana, "verified");
        await closeVerify(ana);
        await ana.page.waitForSelector("[data-testid=safety-warning]", {
          state: "detached",
        });
        await hangUp(ana, ben);

        // A key near its end is replaced when the page loads, by one that
        // lasts (the other side then sees the number change, as above).
        await replaceCertificate(ana, 60_000);
        await ana.page.reload();
        await ana.page.waitForSelector("[data-testid=my-name]");
        await eventually(
          "ana's key is renewed for a long life",
          () => keptCertificate(ana),
          (expires) => expires !== null && expires > Date.now() + 300 * DAY,
        );
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name: "Chromium and Firefox show one safety number, either calling",
  ignore: needsBrowsers("chromium", "firefox"),
  async fn() {
    const app = await startApp();
    let chromium: TestBrowser | undefined, firefox: TestBrowser | undefined;
    try {
      chromium = await launch("chromium");
      firefox = await launch("firefox");
      const c = chromium, f = firefox;
      await withUsers([
        () => openUser(c, app.url, "cara"),
        () => openUser(f, app.url, "fred"),
      ], async ([cara, fred]) => {
        const [c1, f1] = await callAndRead(cara, fred);
        for (const user of [cara, fred]) {
          const expires = await keptCertificate(user);
          assert.ok(
            expires && expires > Date.now(),
            `${user.name} keeps a key`,
          );
        }
        assert.match(c1, CODE);
        assert.equal(f1, c1, "Chromium calling Firefox");
        await hangUp(cara, fred);
        await dismissEnded(cara, fred);
        const [f2, c2] = await callAndRead(fred, cara);
        assert.match(f2, CODE);
        assert.equal(c2, f2, "Firefox calling Chromium");
        await bothConfirm(fred, cara);
        await hangUp(fred, cara);
      });
    } finally {
      await chromium?.close();
      await firefox?.close();
      await app.shutdown();
    }
  },
});
