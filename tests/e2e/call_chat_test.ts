/**
 * Private call messages, in real Chromium: what two people type to each
 * other during a call goes over their peer connection's data channel, so
 * it reaches the peer while no frame of it reaches the server, and nobody
 * else in the room sees it. All three pages reach the app through a frame
 * tap (`frame_tap.ts`) that reads every WebSocket frame they send; the
 * room's own chat, which does go through the server, is the tap's proof
 * that it reads those frames at all.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
  type TestPage,
} from "../helpers/browsers.ts";
import { FrameTap } from "./frame_tap.ts";
import {
  assertNothingBroke,
  chatAcross,
  closeUsers,
  connect,
  hangUp,
  openUser,
  sendPrivately,
  type User,
  waitForPerson,
  waitForPrivateLine,
} from "./helpers.ts";

const FROM_ALICE = "door code 4711";
const FROM_BOB = "see you at the blue door";
const LATER = "bring the spare key";
const TO_ROOM = "hello everyone, coffee at three";
const LOBBY_AUDIENCE = "Everyone in the lobby sees these messages";

/** Keeps every WebSocket message the page receives, for the "never sent us" check. */
async function recordReceived(page: TestPage): Promise<void> {
  await page.addInitScript(() => {
    const received: string[] = [];
    (globalThis as { __e2eReceived?: string[] }).__e2eReceived = received;
    const Native = globalThis.WebSocket;
    globalThis.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener(
          "message",
          (ev) => received.push(String(ev.data)),
        );
      }
    };
  }, undefined);
}

/** Messages the page's sockets received that contain `text`. */
function receivedContaining(user: User, text: string): Promise<string[]> {
  return user.page.evaluate(
    (t) =>
      ((globalThis as { __e2eReceived?: string[] }).__e2eReceived ?? [])
        .filter((m) => m.includes(t)),
    text,
  );
}

/** The private log's lines, as shown. */
function privateLines(user: User) {
  return user.page.$$eval(
    "[data-testid=call-chat-message]",
    (items) =>
      items.map((li) => ({
        from: li.querySelector("[data-testid=call-chat-from]")?.textContent,
        text: li.querySelector("[data-testid=call-chat-text]")?.textContent,
        mine: li.getAttribute("data-mine"),
      })),
  );
}

/** Whether the page's whole text (hidden panels too) contains `text`. */
function pageShows(user: User, text: string): Promise<boolean> {
  return user.page.evaluate(
    (t) => document.body.textContent!.includes(t),
    text,
  );
}

Deno.test({
  name:
    "a message typed in a call reaches the peer, never the server or a third person, and stays after hang-up",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    const tap = FrameTap.start(Number(new URL(app.url).port));
    let browser: TestBrowser | undefined;
    let alice: User | undefined, bob: User | undefined, carol: User | undefined;
    try {
      browser = await launch("chromium");
      const options = { setup: recordReceived };
      alice = await openUser(browser, tap.url, "alice", options);
      bob = await openUser(browser, tap.url, "bob", options);
      carol = await openUser(browser, tap.url, "carol", options);
      const [a, b, c] = [alice, bob, carol];
      await waitForPerson(a, "bob");
      await waitForPerson(a, "carol");

      await t.step(
        "before any call there is only the room, labelled as everyone's",
        async () => {
          for (const u of [a, b, c]) {
            assert.equal(
              await u.page.getAttribute(
                "[data-testid=chat-tab-room]",
                "aria-selected",
              ),
              "true",
            );
            assert.equal(
              await u.page.exists("[data-testid=chat-tab-call]"),
              false,
            );
            assert.equal(
              await u.page.textContent("[data-testid=chat-audience]"),
              LOBBY_AUDIENCE,
            );
          }
        },
      );

      await t.step(
        "a call brings each side's private conversation to the front",
        async () => {
          await connect(a, b);
          for (const [u, peer] of [[a, "bob"], [b, "alice"]] as const) {
            await u.page.waitForSelector(
              "[data-testid=chat-tab-call][aria-selected=true]",
            );
            assert.equal(
              (await u.page.textContent("[data-testid=chat-tab-call]"))?.trim(),
              `${peer}\u00a0· private`,
            );
            assert.equal(
              await u.page.textContent("[data-testid=call-chat-audience]"),
              `Only you and ${peer} see these: sent directly and end-to-end encrypted, never through the server`,
            );
          }
          assert.equal(
            await c.page.exists("[data-testid=chat-tab-call]"),
            false,
          );
        },
      );

      await t.step(
        "what alice types privately reaches bob, and his answer reaches her",
        async () => {
          await sendPrivately(a, FROM_ALICE);
          await waitForPrivateLine(b, FROM_ALICE);
          await sendPrivately(b, FROM_BOB);
          await waitForPrivateLine(a, FROM_BOB);
          assert.deepEqual(await privateLines(a), [
            { from: "You", text: FROM_ALICE, mine: "true" },
            { from: "bob", text: FROM_BOB, mine: "false" },
          ]);
          assert.deepEqual(await privateLines(b), [
            { from: "alice", text: FROM_ALICE, mine: "false" },
            { from: "You", text: FROM_BOB, mine: "true" },
          ]);
          assert.equal(await a.page.inputValue("#call-chat-input"), "");
        },
      );

      await t.step(
        "a private line that arrives behind the room's tab is counted on its tab",
        async () => {
          await b.page.click("[data-testid=chat-tab-room]");
          await sendPrivately(a, LATER);
          const badge = "[data-testid=chat-tab-call] [data-testid=chat-unread]";
          await b.page.waitForSelector(badge);
          assert.equal(await b.page.getAttribute(badge, "data-count"), "1");
          await b.page.click("[data-testid=chat-tab-call]");
          await b.page.waitForSelector(badge, { state: "detached" });
          await waitForPrivateLine(b, LATER);
        },
      );

      await t.step("the keyboard moves between the two tabs", async () => {
        await a.page.focus("[data-testid=chat-tab-call]");
        await a.page.press("[data-testid=chat-tab-call]", "ArrowRight");
        assert.equal(
          await a.page.getAttribute(
            "[data-testid=chat-tab-room]",
            "aria-selected",
          ),
          "true",
        );
        assert.equal(
          await a.page.evaluate(() => document.activeElement?.id),
          "chat-tab-room",
        );
        await a.page.press("[data-testid=chat-tab-room]", "ArrowLeft");
        assert.equal(
          await a.page.getAttribute(
            "[data-testid=chat-tab-call]",
            "aria-selected",
          ),
          "true",
        );
      });

      await t.step(
        "hanging up leaves the conversation on both screens, closed for writing",
        async () => {
          await hangUp(a, b);
          for (const u of [a, b]) {
            assert.deepEqual(
              (await privateLines(u)).map((l) => l.text),
              [FROM_ALICE, FROM_BOB, LATER],
            );
            await u.page.waitForFunction(() =>
              document.querySelector<HTMLTextAreaElement>("#call-chat-input")
                ?.disabled === true
            );
            assert.equal(
              await u.page.getAttribute("#call-chat-input", "placeholder"),
              "The call has ended",
            );
          }
        },
      );

      await t.step(
        "the room's chat still works, says who sees it, and marks unread lines",
        async () => {
          await chatAcross(a, c, TO_ROOM);
          assert.equal(
            await a.page.textContent("[data-testid=chat-audience]"),
            LOBBY_AUDIENCE,
          );
          // Bob still has the private tab in front: the room's tab counts it.
          await b.page.waitForSelector(
            "[data-testid=chat-tab-room] [data-testid=chat-unread]",
          );
          assert.equal(
            await b.page.getAttribute(
              "[data-testid=chat-tab-room] [data-testid=chat-unread]",
              "data-count",
            ),
            "1",
          );
          await b.page.click("[data-testid=chat-tab-room]");
          await b.page.waitForSelector("[data-testid=chat-unread]", {
            state: "detached",
          });
          assert.equal(await pageShows(b, TO_ROOM), true);
        },
      );

      await t.step(
        "no frame to or from the server, and nothing carol sees, holds the private texts",
        async () => {
          for (const text of [FROM_ALICE, FROM_BOB, LATER]) {
            assert.deepEqual(
              tap.containing(text),
              [],
              `the server was sent "${text}"`,
            );
            for (const u of [a, b, c]) {
              assert.deepEqual(
                await receivedContaining(u, text),
                [],
                `${u.name} got "${text}" from the server`,
              );
            }
            assert.equal(
              await pageShows(c, text),
              false,
              `carol sees "${text}"`,
            );
          }
          // The tap does read the pages' frames: the room message went through it.
          assert.ok(tap.containing(TO_ROOM).length >= 1);
          assert.ok(tap.webSockets >= 3, `${tap.webSockets} sockets tapped`);
          await tap.read();
          assert.deepEqual(tap.problems, []);
          assert.ok((await receivedContaining(c, TO_ROOM)).length > 0);
        },
      );

      assertNothingBroke(a, b, c);
    } finally {
      await closeUsers(alice, bob, carol);
      await browser?.close();
      tap.close();
      await app.shutdown();
    }
  },
});
