/**
 * Text that looks like HTML, in real Chromium: a person's name and a chat
 * message reach the other page as the same characters, never as elements,
 * wherever they are shown (people list, chat, incoming-call prompt).
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  assertNothingBroke,
  closeUsers,
  openUser,
  ring,
  type User,
  waitForCallState,
  waitForPerson,
} from "./helpers.ts";

const HTML_NAME = "<img src=x onerror=alert(1)>";
const HTML_TEXT =
  '<img src=x onerror=alert(2)><script>alert(3)</script> & "hi"';

/** Elements that text must never turn into, counted over the whole page. */
function injectedElements(user: User): Promise<number> {
  return user.page.evaluate(() =>
    document.querySelectorAll("img, .chat__log script, .people script").length
  );
}

/** What the chat log shows, message by message. */
function chatLines(user: User) {
  return user.page.$$eval(
    "[data-testid=chat-message]",
    (items) =>
      items.map((li) => ({
        from: li.querySelector("[data-testid=chat-from]")!.textContent,
        text: li.querySelector("[data-testid=chat-text]")!.textContent,
        mine: li.getAttribute("data-mine"),
        elements:
          li.querySelector("[data-testid=chat-text]")!.childElementCount,
      })),
  );
}

Deno.test({
  name: "names and chat messages that look like HTML arrive as plain text",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    let mallory: User | undefined, bob: User | undefined;
    try {
      browser = await launch("chromium");
      mallory = await openUser(browser, app.url, HTML_NAME);
      bob = await openUser(browser, app.url, "bob");
      const m = mallory, b = bob;

      await t.step(
        "the name shows as text in the other person's list",
        async () => {
          await waitForPerson(b, HTML_NAME);
          const shown = await b.page.evaluate((name) => {
            const li = [
              ...document.querySelectorAll<HTMLElement>("li[data-user]"),
            ]
              .find((el) => el.dataset.user === name)!;
            return {
              text: li.querySelector(".person__name")!.textContent,
              elements: li.querySelector(".person__name")!.childElementCount,
              label: li.querySelector(`[data-testid="user-${name}"]`)
                ?.getAttribute("aria-label"),
            };
          }, HTML_NAME);
          assert.deepEqual(shown, {
            text: HTML_NAME,
            elements: 0,
            label: `Video call ${HTML_NAME}`,
          });
          assert.equal(
            await m.page.textContent("[data-testid=my-name]"),
            HTML_NAME,
          );
        },
      );

      await t.step(
        "a chat message shows as the characters that were typed",
        async () => {
          await m.page.fill("#chat-input", HTML_TEXT);
          await m.page.press("#chat-input", "Enter");
          for (const u of [m, b]) {
            await u.page.waitForSelector("[data-testid=chat-message]");
          }
          assert.deepEqual(await chatLines(b), [
            { from: HTML_NAME, text: HTML_TEXT, mine: "false", elements: 0 },
          ]);
          assert.deepEqual(await chatLines(m), [
            { from: "You", text: HTML_TEXT, mine: "true", elements: 0 },
          ]);
          // The draft is cleared once sent.
          assert.equal(await m.page.inputValue("#chat-input"), "");
        },
      );

      await t.step(
        "the incoming-call prompt shows the caller's name as text",
        async () => {
          await ring(m, b);
          // The name sits in one element of its own (`dir="auto"`, so a
          // right-to-left name reads right), which holds only text.
          const title = await b.page.$eval(
            "[data-testid=incoming-call] .dialog__title",
            (h) => ({
              text: h.textContent,
              name: h.querySelector("[dir=auto]")?.textContent,
              elements: h.querySelectorAll("*").length,
            }),
          );
          assert.deepEqual(title, {
            text: `${HTML_NAME} is calling`,
            name: HTML_NAME,
            elements: 1,
          });
          await b.page.click("[data-testid=decline-call]");
          await waitForCallState(m, "ended", "declined");
        },
      );

      await t.step("nothing was turned into an element or run", async () => {
        // An injected <img src=x> would have failed to load and fired its
        // handler by now; give it a moment anyway.
        await new Promise((r) => setTimeout(r, 300));
        for (const u of [m, b]) {
          assert.equal(await injectedElements(u), 0, `${u.name}: elements`);
        }
        assertNothingBroke(m, b);
      });
    } finally {
      await closeUsers(mallory, bob);
      await browser?.close();
      await app.shutdown();
    }
  },
});
