/**
 * Private rooms, in real Chromium against the real app: "New private room"
 * in the lobby opens a room whose id carries at least 96 random bits; its
 * Invite dialog copies exactly the room's link (and offers the browser's
 * share sheet where there is one, and a QR code of the same link); the
 * link opened in another window puts both people in the room and nobody
 * from the lobby; a bad room name gets the styled not-found page.
 */
import assert from "node:assert/strict";
// @ts-types="@types/qrcode"
import QRCode from "qrcode";
import { startApp } from "../helpers/app_server.ts";
import { base64urlBytes } from "../helpers/base64url.ts";
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
  eventually,
  joinHere,
  listedNames,
  openUser,
  ring,
  type User,
  waitForCallState,
  waitForPerson,
  withUsers,
} from "./helpers.ts";

/** What a room id must carry at least, in bits (issue 17). */
const MIN_ID_BITS = 96;

function href(page: TestPage): Promise<string> {
  return page.evaluate(() => location.href);
}

/**
 * A phone's browser: it has the share sheet (what it is handed is kept in
 * `__e2eShared`); and a clipboard that says no.
 */
function phoneRefusingClipboard(page: TestPage): Promise<void> {
  return page.addInitScript(() => {
    const shared: unknown[] = [];
    (globalThis as { __e2eShared?: unknown[] }).__e2eShared = shared;
    Object.defineProperty(navigator, "share", {
      value: (data: unknown) => {
        shared.push(data);
        return Promise.resolve();
      },
    });
    Object.defineProperty(navigator, "clipboard", {
      value: {
        writeText: () =>
          Promise.reject(new DOMException("no", "NotAllowedError")),
      },
    });
  }, undefined);
}

/**
 * Waits until `user` sees exactly `names`, and checks again a moment
 * later: presence goes out in ticks, and someone listed by mistake would
 * arrive with the next one.
 */
async function seesOnly(user: User, names: string[]): Promise<void> {
  const what = `${user.name} sees exactly ${names.join(", ") || "nobody"}`;
  const expected = [...names].sort().join();
  await eventually(what, () => listedNames(user), (l) => l.join() === expected);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal((await listedNames(user)).join(), expected, what);
}

Deno.test({
  name:
    "a new private room has an unguessable link that brings people together away from the lobby",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const app = await startApp();
    const origin = new URL(app.url).origin;
    let browser: TestBrowser | undefined;
    let alice: User | undefined, bob: User | undefined;
    let carol: User | undefined;
    try {
      browser = await launch("chromium");
      carol = await openUser(browser, app.url, "carol");
      alice = await openUser(browser, app.url, "alice", {
        setup: (page) =>
          page.grant(["clipboard-read", "clipboard-write"], origin),
      });
      const a = alice, c = carol;
      await waitForPerson(c, "alice");
      let roomUrl = "";

      await t.step(
        "New private room opens /r/<id> with at least 96 random bits",
        async () => {
          await a.page.click("[data-testid=new-room]");
          await a.page.waitForSelector("[data-testid=invite]");
          roomUrl = await href(a.page);
          const url = new URL(roomUrl);
          assert.equal(url.origin, origin);
          const match = url.pathname.match(/^\/r\/([^/]+)$/);
          assert.ok(match, `a room page: ${url.pathname}`);
          const bytes = base64urlBytes(match[1]);
          assert.ok(bytes, `base64url: ${match[1]}`);
          assert.ok(
            bytes.length * 8 >= MIN_ID_BITS,
            `${bytes.length * 8} bits`,
          );
          assert.equal(url.search + url.hash, "");
          await joinHere(a);
          // She left the lobby by following the link.
          await c.page.waitForSelector('li[data-user="alice"]', {
            state: "detached",
          });
        },
      );

      await t.step(
        "Copy link puts exactly the room's link on the clipboard",
        async () => {
          await a.page.click("[data-testid=invite]");
          await a.page.waitForSelector("[data-testid=share-dialog]");
          assert.equal(
            await a.page.inputValue("[data-testid=share-link]"),
            roomUrl,
          );
          await a.page.click("[data-testid=copy-link]");
          await a.page.waitForFunction(() =>
            document.querySelector("[data-testid=copy-status]")?.textContent
              ?.startsWith("Copied")
          );
          assert.equal(
            await a.page.evaluate(() => navigator.clipboard.readText()),
            roomUrl,
          );
        },
      );

      await t.step(
        "the dialog's QR code is the same link, and Share… shows only where the browser shares",
        async () => {
          await a.page.waitForFunction(() =>
            (document.querySelector<HTMLImageElement>(
              "[data-testid=share-qr]",
            )?.naturalWidth ?? 0) > 0
          );
          assert.ok(
            (await a.page.getAttribute("[data-testid=share-qr]", "alt"))
              ?.includes("QR code"),
          );
          const src = await a.page.getAttribute(
            "[data-testid=share-qr]",
            "src",
          );
          const served = await (await fetch(new URL(src!, roomUrl))).text();
          assert.equal(
            served,
            await QRCode.toString(roomUrl, {
              type: "svg",
              margin: 1,
              errorCorrectionLevel: "M",
            }),
          );
          const canShare = await a.page.evaluate(() =>
            typeof navigator.share === "function"
          );
          assert.equal(
            await a.page.$eval(
              "[data-testid=share-link-native]",
              (button) => button.checkVisibility(),
            ),
            canShare,
          );
          await a.page.press("[data-testid=copy-link]", "Escape");
          await a.page.waitForFunction(() =>
            !document.querySelector<HTMLDialogElement>(
              "[data-testid=share-dialog]",
            )!.open
          );
          // Focus is back on Invite, which opened it.
          assert.equal(
            await a.page.evaluate(() =>
              document.activeElement?.getAttribute("data-testid")
            ),
            "invite",
          );
        },
      );

      await t.step(
        "the link opened in another window puts both in the room, and nobody from the lobby",
        async () => {
          bob = await openUser(browser!, app.url, "bob", {
            path: new URL(roomUrl).pathname,
          });
          const b = bob;
          await waitForPerson(a, "bob");
          await waitForPerson(b, "alice");
          await seesOnly(a, ["bob"]);
          await seesOnly(b, ["alice"]);
          await seesOnly(c, []);
          assert.equal(
            await b.page.textContent("[data-testid=room-name]"),
            `Private room: # ${new URL(roomUrl).pathname.slice(3)}`,
          );
        },
      );

      await t.step(
        "a call that rings closes the invitation, so it can be answered",
        async () => {
          await a.page.click("[data-testid=invite]");
          await a.page.waitForSelector("[data-testid=share-dialog]");
          await ring(bob!, a);
          assert.equal(
            await a.page.$eval(
              "[data-testid=share-dialog]",
              (d) => (d as HTMLDialogElement).open,
            ),
            false,
          );
          await a.page.click("[data-testid=decline-call]");
          await waitForCallState(bob!, "ended");
          await dismissEnded(a, bob!);
        },
      );

      await t.step(
        "Lobby in the room's header goes back to the lobby",
        async () => {
          await a.page.click("[data-testid=to-lobby]");
          await a.page.waitForSelector("[data-testid=new-room]");
          assert.equal(await href(a.page), `${origin}/`);
          await joinHere(a);
          await waitForPerson(a, "carol");
          await seesOnly(a, ["carol"]);
          await waitForPerson(c, "alice");
          await eventually(
            "bob sees alice leave the room",
            () => listedNames(bob!),
            (listed) => listed.length === 0,
          );
        },
      );

      assertNothingBroke(alice, bob!, carol);
    } finally {
      await closeUsers(alice, bob, carol);
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name:
    "where copying is refused the link is selected to copy by hand, and Share… hands the link to the share sheet",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;
      await withUsers([
        () =>
          openUser(b, app.url, "dana", {
            path: "/r/refused-clipboard",
            setup: phoneRefusingClipboard,
          }),
      ], async ([dana]) => {
        const roomUrl = `${new URL(app.url).origin}/r/refused-clipboard`;
        await dana.page.click("[data-testid=invite]");
        await dana.page.click("[data-testid=copy-link]");
        await dana.page.waitForFunction(() =>
          document.querySelector("[data-testid=copy-status]")?.textContent
            ?.includes("did not allow copying")
        );
        const selected = await dana.page.evaluate(() => {
          const input = document.querySelector<HTMLInputElement>(
            "[data-testid=share-link]",
          )!;
          return input.value.slice(
            input.selectionStart ?? 0,
            input.selectionEnd ?? 0,
          );
        });
        assert.equal(selected, roomUrl);
        await dana.page.click("[data-testid=share-link-native]");
        assert.deepEqual(
          await dana.page.evaluate(() =>
            (globalThis as { __e2eShared?: unknown[] }).__e2eShared
          ),
          [{ title: "Parley room", url: roomUrl }],
        );
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name:
    "a bad room name gets the styled not-found page, with status 404 and a way back",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      const bad = new URL("/r/not%20a%20room!", app.url).href;
      const res = await fetch(bad);
      assert.equal(res.status, 404);
      assert.match(await res.text(), /Page not found/);

      browser = await launch("chromium");
      const page = await browser.newPage({
        viewport: { width: 390, height: 844 },
      });
      try {
        await page.goto(bad);
        await page.waitForSelector("[data-testid=not-found]");
        // The app's stylesheet reached it: the card is drawn, not bare text.
        const look = await page.$eval(".notice-page__card", (card) => {
          const style = getComputedStyle(card);
          return { radius: style.borderRadius, border: style.borderTopWidth };
        });
        assert.deepEqual(look, { radius: "18px", border: "1px" });
        const targets = await page.$$eval(
          ".notice-page__actions a",
          (links) => links.map((a) => a.getBoundingClientRect().height),
        );
        assert.ok(targets.every((h) => h >= 44), `targets ${targets}`);
        await page.click("[data-testid=not-found-lobby]");
        await page.waitForSelector("#name-input");
        assert.equal(
          await page.evaluate(() => location.pathname),
          "/",
        );
      } finally {
        await page.close();
      }
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
