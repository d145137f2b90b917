/**
 * Safety numbers against a man in the middle, in real Chromium: alice and
 * bob call each other through a test-only server (`mitm.ts`) that
 * can hand their call's signaling to a third page, mallory's, which bridges
 * two peer connections of its own and forwards the media and the private
 * channel. The call works either way; only the safety codes tell: the same
 * code on both pages when the signaling passes through, different codes
 * when mallory is in the middle.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
  type TestPage,
} from "../helpers/browsers.ts";
import {
  assertNothingBroke,
  closeUsers,
  dismissEnded,
  hangUp,
  openPair,
  openUser,
  sendPrivately,
  type User,
  waitForPrivateLine,
  withUsers,
} from "./helpers.ts";
import { malloryReport, startMallory } from "./mallory.ts";
import { MitmProxy } from "./mitm.ts";
import { callWithMedia, readSafetyCode } from "./safety.ts";

/** The `a=fingerprint` lines of the page's applied descriptions. */
function fingerprints(
  user: User,
): Promise<{ local: string | null; remote: string | null }> {
  return user.page.evaluate(() => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc;
    const line = (sdp: string | undefined) =>
      sdp ? /^a=fingerprint:(.+)$/m.exec(sdp)?.[1]?.trim() ?? null : null;
    return {
      local: line(pc?.localDescription?.sdp),
      remote: line(pc?.remoteDescription?.sdp),
    };
  });
}

/**
 * Calls from `a` to `b` with mallory in the middle and checks what that
 * gives: a call that works (media both ways, private messages), with each
 * page holding mallory's certificate instead of the other's, and safety
 * codes that differ. The call is left up.
 */
async function callThroughMallory(
  a: User,
  b: User,
  proxy: MitmProxy,
  mallory: TestPage,
): Promise<void> {
  proxy.divert = true;
  const passed = proxy.counts.passed;
  await callWithMedia(a, b);
  // Every signal went to mallory; none reached the server.
  assert.equal(proxy.counts.passed, passed);
  assert.ok(proxy.counts.diverted > 0 && proxy.counts.injected > 0);
  const report = await malloryReport(mallory);
  assert.deepEqual(report.connections, {
    [a.name]: "connected",
    [b.name]: "connected",
  });
  assert.ok(
    report.tracksForwarded >= 4,
    `${report.tracksForwarded} tracks forwarded (${
      JSON.stringify(report.lines)
    })`,
  );
  assert.deepEqual(report.errors, []);

  // Each page holds mallory's certificate, not the other's.
  const [fa, fb] = [await fingerprints(a), await fingerprints(b)];
  assert.ok(fa.remote && fb.remote && fa.local && fb.local);
  assert.notEqual(fa.remote, fb.local);
  assert.notEqual(fb.remote, fa.local);

  await sendPrivately(a, "meet me at the station");
  await waitForPrivateLine(b, "meet me at the station");
  await sendPrivately(b, "see you there");
  await waitForPrivateLine(a, "see you there");
  assert.ok((await malloryReport(mallory)).messagesForwarded >= 2);

  const codeA = await readSafetyCode(a);
  const codeB = await readSafetyCode(b);
  assert.notEqual(codeA, "");
  assert.notEqual(codeB, "");
  assert.notEqual(codeA, codeB);
}

Deno.test({
  name:
    "with a man in the middle the call works but the two safety codes differ; passed through, they are the same",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    const proxy = MitmProxy.start(app.url);
    let browser: TestBrowser | undefined;
    let alice: User | undefined, bob: User | undefined;
    let mallory: TestPage | undefined;
    try {
      browser = await launch("chromium");
      [alice, bob] = await openPair(browser, proxy.url);
      mallory = await startMallory(browser, proxy);
      const [a, b, m] = [alice, bob, mallory];

      await t.step(
        "passed through the proxy, each page holds the other's certificate and both show the same code",
        async () => {
          proxy.divert = false;
          await callWithMedia(a, b);
          const [fa, fb] = [await fingerprints(a), await fingerprints(b)];
          assert.ok(fa.local && fb.local, "both pages have a certificate");
          assert.equal(fa.remote, fb.local);
          assert.equal(fb.remote, fa.local);
          assert.ok(proxy.counts.passed > 0, "the signals went through");
          assert.equal(proxy.counts.diverted, 0);

          const codeA = await readSafetyCode(a);
          const codeB = await readSafetyCode(b);
          assert.notEqual(codeA, "");
          assert.equal(codeA, codeB);
          await hangUp(a, b);
          await dismissEnded(a, b);
        },
      );

      await t.step(
        "with mallory in the middle the call works, media and private messages included, but the codes differ",
        async () => {
          await callThroughMallory(a, b, proxy, m);
          await hangUp(a, b);
        },
      );

      assertNothingBroke(a, b);
    } finally {
      await closeUsers(alice, bob);
      await mallory?.close().catch(() => {});
      await browser?.close();
      await proxy.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name:
    "with a man in the middle of a call from Firefox to Chromium the call works but the two safety codes differ",
  ignore: needsBrowsers("chromium", "firefox"),
  async fn() {
    const app = await startApp();
    const proxy = MitmProxy.start(app.url);
    let chromium: TestBrowser | undefined, firefox: TestBrowser | undefined;
    let mallory: TestPage | undefined;
    try {
      chromium = await launch("chromium");
      firefox = await launch("firefox");
      const c = chromium, f = firefox;
      await withUsers([
        () => openUser(f, proxy.url, "fred"),
        () => openUser(c, proxy.url, "cara"),
      ], async ([fred, cara]) => {
        mallory = await startMallory(c, proxy);
        await callThroughMallory(fred, cara, proxy, mallory);
        await hangUp(fred, cara);
      });
    } finally {
      await mallory?.close().catch(() => {});
      await firefox?.close();
      await chromium?.close();
      await proxy.close();
      await app.shutdown();
    }
  },
});
