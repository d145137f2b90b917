/**
 * The call screen of a phone, in real Chromium at 390×844: the other
 * person's video covers most of the screen, round buttons of at least
 * 44 px line the bottom with Hang up on screen and uncovered, nothing
 * scrolls, the self-view can be dragged to another corner, and chat opens
 * as a sheet whose message box stays above an on-screen keyboard (emulated
 * by shrinking `visualViewport`, which is what a phone's keyboard does)
 * and is never covered by a notice. axe-core finds nothing serious on
 * the call screen, its More menu or the chat sheet, light or dark.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import { Audit } from "./audit.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  closeUsers,
  connect,
  cutOff,
  openUser,
  sendPrivately,
  type User,
  waitForMediaFlow,
  waitForNotice,
  waitForPrivateLine,
} from "./helpers.ts";

const PHONE = { width: 390, height: 844 };
/** What a phone's keyboard typically covers of a 844 px screen. */
const KEYBOARD = 336;

interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
  width: number;
  height: number;
}

function box(user: User, selector: string): Promise<Box> {
  return user.page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return {
      top: r.top,
      bottom: r.bottom,
      left: r.left,
      right: r.right,
      width: r.width,
      height: r.height,
    };
  });
}

/** Whether the element's centre is the element itself (nothing over it). */
function uncovered(user: User, selector: string): Promise<boolean> {
  return user.page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(
      r.left + r.width / 2,
      r.top + r.height / 2,
    );
    return hit !== null && (hit === el || el.contains(hit));
  });
}

Deno.test({
  name:
    "a call on a phone fills the screen, keeps Hang up in reach, moves the self-view, and keeps chat above the keyboard",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    let ana: User | undefined, ben: User | undefined;
    try {
      browser = await launch("chromium");
      ana = await openUser(browser, app.url, "ana", { viewport: PHONE });
      ben = await openUser(browser, app.url, "ben");
      await connect(ana, ben);
      await waitForMediaFlow(ana, { audio: true, video: true });
      const user = ana;

      // The other person's video covers most of the screen.
      const video = await box(user, "#remote-video");
      const visible = (Math.min(video.bottom, PHONE.height) -
        Math.max(video.top, 0)) *
        (Math.min(video.right, PHONE.width) - Math.max(video.left, 0));
      const share = visible / (PHONE.width * PHONE.height);
      console.log(`remote video covers ${(share * 100).toFixed(0)} %`);
      assert.ok(share >= 0.6, `remote video covers only ${share}`);

      // Hang up on screen, uncovered, with nothing scrolled or scrollable.
      const hangup = await box(user, "[data-testid=hangup]");
      assert.ok(hangup.top >= 0 && hangup.bottom <= PHONE.height, "hang-up");
      assert.ok(await uncovered(user, "[data-testid=hangup]"));
      assert.deepEqual(
        await user.page.evaluate(() => [
          scrollY,
          document.scrollingElement!.scrollHeight <= innerHeight,
        ]),
        [0, true],
      );
      const audit = new Audit();
      await audit.check(user, "the phone's call screen");
      await user.page.click("[data-testid=more-controls]");
      await user.page.waitForSelector("#call-more [data-testid=call-settings]");
      await audit.check(user, "the phone's call screen, More open");
      await user.page.press("[data-testid=more-controls]", "Escape");

      // Every button of the bar is a comfortable target.
      const sizes = await user.page.$$eval(
        "[data-testid=call-view] .controls button",
        (buttons) =>
          buttons.filter((b) => b.getClientRects().length > 0).map((b) => {
            const r = b.getBoundingClientRect();
            return [b.dataset.testid, Math.min(r.width, r.height)] as const;
          }),
      );
      assert.ok(sizes.length >= 5, JSON.stringify(sizes));
      for (const [id, size] of sizes) assert.ok(size >= 44, `${id}: ${size}`);

      // The self-view, dragged up and left, settles in the top-left corner.
      await user.page.$eval("[data-testid=self-view]", (el) => {
        const r = el.getBoundingClientRect();
        const at = (type: string, x: number, y: number) =>
          el.dispatchEvent(
            new PointerEvent(type, {
              pointerId: 7,
              button: 0,
              clientX: x,
              clientY: y,
              bubbles: true,
            }),
          );
        at("pointerdown", r.left + 10, r.top + 10);
        at("pointermove", 60, 160);
        at("pointerup", 60, 160);
      });
      assert.equal(
        await user.page.getAttribute("[data-testid=self-view]", "data-corner"),
        "top-left",
      );

      // A line from ben: counted on the Chat button; the sheet shows it.
      await sendPrivately(ben, "are you on the train?");
      await user.page.waitForSelector("[data-testid=chat-badge]");
      assert.equal(
        (await user.page.textContent("[data-testid=chat-badge]"))?.trim(),
        "1unread",
      );
      await user.page.click("[data-testid=open-chat]");
      await waitForPrivateLine(user, "are you on the train?");
      await audit.check(user, "the phone's chat sheet, over the call");

      // The keyboard comes up: the box stays above it, and still works.
      await user.page.evaluate((covered) => {
        const vv = visualViewport!;
        Object.defineProperty(vv, "height", {
          configurable: true,
          get: () => innerHeight - covered,
        });
        vv.dispatchEvent(new Event("resize"));
      }, KEYBOARD);
      await user.page.focus("#call-chat-input");
      const input = await box(user, "#call-chat-input");
      const above = PHONE.height - KEYBOARD;
      assert.ok(
        input.top >= 0 && input.bottom <= above,
        `input at ${input.top}–${input.bottom}, keyboard from ${above}`,
      );
      assert.ok(await uncovered(user, "#call-chat-input"));
      await sendPrivately(user, "yes, two stops to go");
      await waitForPrivateLine(ben, "yes, two stops to go");

      // A notice (the room's chat, with the server out of reach) goes to
      // the top, never over the box.
      await cutOff(user);
      await user.page.click("[data-testid=chat-tab-room]");
      await user.page.fill("#chat-input", "anyone?");
      await user.page.press("#chat-input", "Enter");
      await waitForNotice(user, "Not connected: the message was not sent.");
      const notice = await box(user, "#notices .notice");
      const roomInput = await box(user, "#chat-input");
      assert.ok(
        notice.bottom <= roomInput.top || notice.top >= roomInput.bottom,
        `notice ${notice.top}–${notice.bottom} over the box ${roomInput.top}–${roomInput.bottom}`,
      );
      assert.ok(roomInput.bottom <= above);
      assert.ok(await uncovered(user, "#chat-input"));

      // Back to the call: the sheet goes, Hang up ends it.
      await user.page.click("[data-testid=close-chat]");
      await user.page.waitForFunction(() =>
        document.querySelector("[data-testid=chat-panel]")!
          .getClientRects().length === 0
      );
      // (The hang-up waits for the server, which ana cannot reach now.)
      await user.page.click("[data-testid=hangup]");
      await user.page.waitForSelector("[data-call-state=ended]");
      audit.assertClean();
    } finally {
      await closeUsers(ana, ben);
      await browser?.close();
      await app.shutdown();
    }
  },
});
