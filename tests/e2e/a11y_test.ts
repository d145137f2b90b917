/**
 * Accessibility in real browsers. axe-core, injected into the page, finds
 * no serious or critical violation in any state a person meets (the lobby
 * before and after joining, a room, ringing on both sides, a call with the
 * settings and the private chat open, the call's end, the 404 page), in
 * the light and the dark scheme, and each page has one `<h1>`. Keyboard
 * focus never falls back to `<body>` after joining, declining, cancelling
 * or hanging up. The call's shortcuts (M, V, Shift+H) work, show in the
 * tooltips, and do nothing while typing or once turned off.
 *
 * The same three people go through every state, so the whole tour costs
 * one browser and a handful of joins.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import { Audit, type Scheme } from "./audit.ts";
import { bothConfirm, closeVerify, openVerify } from "./safety.ts";
import {
  type BrowserName,
  launch,
  needsBrowsers,
  type TestBrowser,
  type TestPage,
} from "../helpers/browsers.ts";
import {
  assertNothingBroke,
  chatAcross,
  closeUsers,
  connect,
  openUnjoined,
  openUser,
  ring,
  type User,
  waitForCallState,
  waitForPerson,
} from "./helpers.ts";

/** What has keyboard focus: its test id, else `#id`, else its tag; "body". */
function focused(page: TestPage): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return "body";
    return el.dataset.testid ?? (el.id ? `#${el.id}` : el.tagName);
  });
}

/** Waits until focus is on `expected` (see {@link focused}); says where it was. */
async function assertFocus(user: User, expected: string, after: string) {
  try {
    await user.page.waitForFunction(
      (want) => {
        const el = document.activeElement as HTMLElement | null;
        if (!el || el === document.body) return false;
        return (el.dataset.testid ?? (el.id ? `#${el.id}` : el.tagName)) ===
          want;
      },
      expected,
      { timeout: 3_000 },
    );
  } catch {
    assert.fail(
      `${user.name}: after ${after}, focus is on ${await focused(
        user.page,
      )}, not ${expected}`,
    );
  }
}

function pressed(user: User, testid: string): Promise<string | null> {
  return user.page.getAttribute(`[data-testid=${testid}]`, "aria-pressed");
}

/** Turns the call's shortcuts on or off in the settings dialog. */
async function setShortcuts(user: User, on: boolean) {
  await user.page.click("[data-testid=call-settings]");
  await user.page.waitForSelector("[data-testid=settings]");
  const checked = await user.page.$eval(
    "[data-testid=shortcuts]",
    (box) => (box as HTMLInputElement).checked,
  );
  if (checked !== on) await user.page.click("[data-testid=shortcuts]");
  await user.page.click("[data-testid=close-settings]");
  await user.page.waitForSelector("[data-testid=settings]", {
    state: "detached",
  });
}

/**
 * The whole tour in `name`. Chromium checks each state in both schemes;
 * Firefox, whose pages cannot switch, runs in `firefoxScheme`.
 */
async function tour(name: BrowserName, firefoxScheme: Scheme = "dark") {
  const app = await startApp();
  let browser: TestBrowser | undefined;
  let alice: User | undefined, bob: User | undefined, carol: User | undefined;
  const audit = new Audit(firefoxScheme);
  try {
    browser = await launch(
      name,
      name === "firefox"
        ? {
          firefoxPrefs: {
            "layout.css.prefers-color-scheme.content-override":
              firefoxScheme === "dark" ? 0 : 1,
          },
        }
        : {},
    );
    alice = await openUnjoined(browser, app.url, "alice");
    await audit.check(alice, "the lobby before joining");
    await alice.page.fill("#name-input", "alice");
    await alice.page.press("#name-input", "Enter");
    await alice.page.waitForSelector("[data-testid=my-name]");
    await assertFocus(alice, "#people-title", "joining");

    bob = await openUser(browser, app.url, "bob");
    await waitForPerson(alice, "bob");
    await chatAcross(bob, alice, "hello alice");
    await audit.check(alice, "the lobby, joined, with bob and a chat line");

    carol = await openUser(browser, app.url, "carol", { path: "/r/team" });
    await audit.check(carol, "the room /r/team");
    // Its own page: the 404 it loads is a console error.
    const lost = await browser.newPage();
    await lost.goto(new URL("/no-such-page", app.url).href);
    await audit.check(
      { name: "guest", page: lost, problems: [], dialogs: [] },
      "the 404 page",
    );
    await lost.close();

    // Ringing, then bob declines.
    await ring(alice, bob);
    await audit.check(alice, "ringing out (caller)");
    await audit.check(bob, "ringing in (callee's dialog)");
    await bob.page.click("[data-testid=decline-call]");
    await waitForCallState(alice, "ended", "declined");
    // Both at once: each summary closes by itself a few seconds after it opens.
    await Promise.all([
      assertFocus(bob, "call-again", "declining"),
      assertFocus(alice, "call-again", "being declined"),
    ]);
    // The summary closes by itself: focus goes back to the person's button.
    await waitForCallState(alice, "idle");
    await assertFocus(alice, "user-bob", "the summary closed");

    // Ringing, then alice cancels.
    await ring(alice, bob);
    await alice.page.click("[data-testid=cancel-call]");
    await waitForCallState(bob, "ended");
    await Promise.all([
      assertFocus(alice, "call-again", "cancelling"),
      assertFocus(bob, "call-again", "the caller cancelled"),
    ]);
    await alice.page.click("[data-testid=dismiss-call]");
    await assertFocus(alice, "user-bob", "closing the summary");

    // In a call.
    await connect(alice, bob);
    await audit.check(alice, "in a call (caller)");
    await audit.check(bob, "in a call (callee)");

    // The shortcuts, with their hints.
    assert.equal(
      await alice.page.getAttribute("[data-testid=mute]", "title"),
      "Mute microphone (M)",
    );
    assert.equal(
      await alice.page.getAttribute("[data-testid=mute]", "aria-keyshortcuts"),
      "M",
    );
    assert.equal(
      await alice.page.getAttribute("[data-testid=camera]", "title"),
      "Turn camera off (V)",
    );
    assert.equal(
      await alice.page.getAttribute(
        "[data-testid=hangup]",
        "aria-keyshortcuts",
      ),
      "Shift+H",
    );
    await alice.page.press("#people-title", "m");
    await alice.page.waitForSelector("[data-testid=mute][aria-pressed=true]");
    await alice.page.press("#people-title", "v");
    await alice.page.waitForSelector("[data-testid=camera][aria-pressed=true]");
    await alice.page.press("#people-title", "v");
    await alice.page.waitForSelector(
      "[data-testid=camera][aria-pressed=false]",
    );
    // Typing an "m" in the chat is not a shortcut.
    await alice.page.click("[data-testid=chat-tab-room]");
    await alice.page.press("#chat-input", "m");
    assert.equal(await alice.page.inputValue("#chat-input"), "m");
    assert.equal(await pressed(alice, "mute"), "true");
    await alice.page.fill("#chat-input", "");

    // The settings dialog, open in the call; the shortcuts turned off there.
    await alice.page.click("[data-testid=call-settings]");
    await alice.page.waitForSelector("[data-testid=settings]");
    await audit.check(alice, "the settings dialog, in a call");
    await alice.page.click("[data-testid=close-settings]");
    await setShortcuts(alice, false);
    assert.equal(
      await alice.page.evaluate(() =>
        JSON.parse(localStorage.getItem("parley.callPrefs") ?? "{}").shortcuts
      ),
      false,
      "the choice is remembered",
    );
    await alice.page.press("#people-title", "m");
    await alice.page.press("#people-title", "Shift+H");
    assert.equal(await pressed(alice, "mute"), "true");
    assert.equal(
      await alice.page.getAttribute("[data-testid=hangup]", "title"),
      "Hang up",
    );
    assert.equal(
      await alice.page.getAttribute("[data-testid=mute]", "aria-keyshortcuts"),
      null,
    );
    await setShortcuts(alice, true);
    await alice.page.press("#people-title", "m");
    await alice.page.waitForSelector("[data-testid=mute][aria-pressed=false]");

    // The safety number's dialog, then the call verified.
    await openVerify(alice);
    await audit.check(alice, "the Verify dialog, in a call");
    await closeVerify(alice);
    await bothConfirm(alice, bob);
    await audit.check(alice, "a verified call");

    // The private chat's tab, open during the call.
    await alice.page.click("[data-testid=chat-tab-call]");
    await alice.page.waitForSelector("#call-chat-input");
    await audit.check(alice, "the private chat tab, in a call");

    // Hang up with the shortcut, pressed on a call control that goes with
    // the call; the summary shows for 4 s.
    await alice.page.press("[data-testid=mute]", "Shift+H");
    await waitForCallState(alice, "ended", "hangup");
    await assertFocus(alice, "call-again", "hanging up");
    await assertFocus(bob, "call-again", "the other side hung up");
    await audit.check(alice, "the call ended (summary)");
    assert.equal(
      await alice.page.getAttribute(
        "[data-testid=call-view]",
        "data-call-state",
      ),
      "ended",
      "the audit ran while the summary showed",
    );
    audit.assertClean();
    assertNothingBroke(alice, bob, carol);
  } finally {
    await closeUsers(alice, bob, carol);
    await browser?.close();
    await app.shutdown();
  }
}

Deno.test({
  name:
    "in Chromium, axe-core finds nothing serious in any state, light or dark, and focus and shortcuts work",
  ignore: needsBrowsers("chromium"),
  fn: () => tour("chromium"),
});

// Firefox in the dark scheme only: the light one is Chromium's above, and a
// second Firefox launch for it would double the file's time.
Deno.test({
  name:
    "in Firefox, axe-core finds nothing serious in any state (dark), and focus and shortcuts work",
  ignore: needsBrowsers("firefox"),
  fn: () => tour("firefox"),
});
