/**
 * Calls that do not simply connect, in real Chromium: declined, cancelled,
 * busy, unanswered, and two people calling each other at the same moment.
 * Each must tell the caller why, and leave both people able to call again.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  callState,
  callStatus,
  connect,
  dismissEnded,
  hangUp,
  notices,
  openUser,
  remoteVideoWidth,
  ring,
  type User,
  waitForCallState,
  waitForMediaFlow,
  waitForNotice,
  waitForPerson,
  withPair,
  withUsers,
} from "./helpers.ts";

/** Waits until the incoming-call prompt is gone from `user`'s page. */
async function promptGone(user: User) {
  await user.page.waitForSelector("[data-testid=incoming-call]", {
    state: "detached",
  });
}

/**
 * Shows that two people (whatever just happened between them) can call each
 * other again, in both directions, without reloading: `a` rings `b` and they
 * talk, then `b` rings `a` and gives up.
 */
async function canCallEachOther(a: User, b: User) {
  await connect(a, b);
  await hangUp(b, a);
  await ring(b, a);
  await b.page.click("[data-testid=cancel-call]");
  await waitForCallState(b, "ended", "cancelled");
  await promptGone(a);
}

Deno.test({
  name:
    "calls that end before they start, and crossing calls, in Chromium: the caller is told why and both can call again",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;

      await t.step(
        "a declined call tells the caller who declined",
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            await ring(alice, bob);
            await bob.page.click("[data-testid=decline-call]");
            await waitForCallState(alice, "ended", "declined");
            assert.equal(await callStatus(alice), "bob declined the call.");
            await waitForNotice(alice, "bob declined the call.");
            await waitForCallState(bob, "ended", "declined");
            assert.equal(await callStatus(bob), "You declined alice's call.");
            await promptGone(bob);
            await canCallEachOther(alice, bob);
          });
        },
      );

      await t.step(
        "a cancelled call stops ringing on the callee's side",
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            await ring(alice, bob);
            await alice.page.click("[data-testid=cancel-call]");
            await waitForCallState(alice, "ended", "cancelled");
            assert.equal(await callStatus(alice), "Call cancelled.");
            await promptGone(bob);
            await waitForCallState(bob, "ended", "cancelled");
            assert.equal(await callStatus(bob), "alice stopped calling.");
            await canCallEachOther(alice, bob);
          });
        },
      );

      await t.step(
        "calling someone who is in a call says they are busy and leaves their call alone",
        async () => {
          await withUsers([
            () => openUser(b, app.url, "alice"),
            () => openUser(b, app.url, "bob"),
            () => openUser(b, app.url, "carol"),
          ], async ([alice, bob, carol]) => {
            await connect(alice, bob);
            await waitForPerson(carol, "alice", "busy");
            // Carol's button for alice is disabled now that alice shows as
            // busy, but a list can lag behind presence by a tick: the
            // server must refuse the call by itself. Re-enable the button
            // and click it, as a person with a stale list would.
            await carol.page.$eval('[data-testid="user-alice"]', (el) => {
              const button = el as HTMLButtonElement;
              button.disabled = false;
              button.click();
            });
            await waitForCallState(carol, "ended", "busy");
            assert.equal(
              await callStatus(carol),
              "alice is busy in another call.",
            );
            await waitForNotice(carol, "alice is busy in another call.");
            // Alice was never rung and her call with bob goes on.
            assert.equal(
              await alice.page.exists("[data-testid=incoming-call]"),
              false,
            );
            for (const u of [alice, bob]) {
              assert.equal(await callState(u), "connected");
              await waitForMediaFlow(u, { audio: true, video: true });
            }
            await hangUp(alice, bob);
            await canCallEachOther(carol, alice);
          });
        },
      );

      await t.step(
        "two people calling each other at once end up in exactly one call, 3 times",
        async () => {
          await withPair(b, app.url, async (alice, bob) => {
            for (let round = 1; round <= 3; round++) {
              await waitForPerson(alice, "bob");
              await waitForPerson(bob, "alice");
              // Schedule both clicks in the pages for the same wall-clock
              // moment (the pages share this machine's clock); clicking
              // through the driver one page after the other would let the
              // first call reach the second page before its click.
              // A second ahead: on a loaded machine a page's evaluate can
              // arrive 300 ms late, and then its timer fires late too.
              const at = Date.now() + 1_000;
              const clickAt = (user: User, peer: string) =>
                user.page.evaluate(
                  ({ at, peer }) =>
                    new Promise<number>((resolve) => {
                      const button = document.querySelector<HTMLButtonElement>(
                        `[data-testid="user-${peer}"]`,
                      )!;
                      setTimeout(() => {
                        const now = performance.timeOrigin + performance.now();
                        button.click();
                        resolve(now);
                      }, at - Date.now());
                    }),
                  { at, peer },
                );
              const [aliceAt, bobAt] = await Promise.all([
                clickAt(alice, "bob"),
                clickAt(bob, "alice"),
              ]);
              const apart = Math.abs(aliceAt - bobAt);
              assert.ok(apart < 50, `round ${round}: clicks ${apart} ms apart`);

              await bothConnected(alice, bob, round);
              assert.equal(await callStatus(alice), "In a call with bob");
              assert.equal(await callStatus(bob), "In a call with alice");
              for (const u of [alice, bob]) {
                await waitForMediaFlow(u, { audio: true, video: true });
                assert.ok((await remoteVideoWidth(u)) > 0);
              }
              // One call on the server, and it stays the only one: no
              // second call rings in or replaces the first a moment later.
              assert.equal(app.parley.signaling.stats().calls, 1);
              await new Promise((r) => setTimeout(r, 1_000));
              assert.equal(app.parley.signaling.stats().calls, 1);
              for (const u of [alice, bob]) {
                assert.equal(await callState(u), "connected", u.name);
                assert.equal(
                  await u.page.exists("[data-testid=incoming-call]"),
                  false,
                );
                // Crossing calls are normal: nothing to report as an error.
                const errors = await u.page.$$eval(
                  "#notices .notice[data-tone=error]",
                  (els) => els.map((e) => e.textContent),
                );
                assert.deepEqual(errors, [], `${u.name}'s error notices`);
              }
              await hangUp(round % 2 ? alice : bob, round % 2 ? bob : alice);
              assert.equal(app.parley.signaling.stats().calls, 0);
              await dismissEnded(alice, bob);
            }
          });
        },
      );
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});

/**
 * Waits for both to be connected; if they never are, says where each page
 * got stuck (its call state, status, connection and notices) before failing.
 */
async function bothConnected(a: User, b: User, round: number) {
  try {
    await waitForCallState(a, "connected");
    await waitForCallState(b, "connected");
  } catch (err) {
    for (const u of [a, b]) {
      const pc = await u.page.evaluate(() => {
        const pc = (globalThis as { __parleyPc?: RTCPeerConnection })
          .__parleyPc;
        return {
          signaling: pc?.signalingState,
          connection: pc?.connectionState,
          local: pc?.localDescription?.type,
          remote: pc?.remoteDescription?.type,
          notices: [...document.querySelectorAll("#notices .notice")].map((
            n,
          ) => n.textContent),
        };
      });
      console.error(
        `round ${round}, ${u.name}: ${await callState(u)}, "${await callStatus(
          u,
        )}", ${JSON.stringify(pc)}, problems ${JSON.stringify(u.problems)}`,
      );
    }
    throw err;
  }
}

Deno.test({
  name:
    "an unanswered call times out with a message for both, who can then call again",
  ignore: needsBrowsers("chromium"),
  async fn() {
    // A short ring so the test need not wait out the 30 s default.
    const app = await startApp({ ringTimeoutMs: 1_500 });
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      await withPair(browser, app.url, async (alice, bob) => {
        await ring(alice, bob);
        await waitForCallState(alice, "ended", "no-answer");
        assert.equal(await callStatus(alice), "bob didn't answer.");
        await waitForNotice(alice, "bob didn't answer.");
        await promptGone(bob);
        await waitForCallState(bob, "ended", "no-answer");
        // Bob is the one who did not answer: his page must not say alice didn't.
        assert.equal(await callStatus(bob), "You missed a call from alice.");
        assert.ok(!(await notices(bob)).includes("alice didn't answer."));
        // The 1.5 s ring is enough to accept in: connect() accepts at once.
        await canCallEachOther(alice, bob);
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
