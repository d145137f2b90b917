/**
 * A hostile peer on the call's private channel, in real Chromium: mallory's
 * page is modified (an init script takes hold of the data channel the app
 * makes) and sends what no honest page would: junk, frames of the wrong
 * shape, a frame far over the size limit, markup and direction overrides,
 * and a flood of lines. Victor's page shows only well-formed lines, at
 * most {@link PEER_CHAT_PER_SECOND} a second, as text; nothing breaks, the
 * call goes on and victor can still write back.
 */
import assert from "node:assert/strict";
import {
  MAX_PEER_FRAME,
  PEER_CHAT_PER_SECOND,
} from "../../client/call/peer_channel.ts";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
  type TestPage,
} from "../helpers/browsers.ts";
import {
  callState,
  connect,
  openUser,
  sendPrivately,
  type User,
  waitForMediaFlow,
  waitForPrivateLine,
  withUsers,
} from "./helpers.ts";

/** Keeps the data channel the app makes as `__channel`, for mallory to use. */
function keepDataChannel(page: TestPage): Promise<void> {
  return page.addInitScript(() => {
    const make = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function (
      this: RTCPeerConnection,
      ...args: Parameters<typeof make>
    ) {
      const channel = make.apply(this, args);
      (globalThis as { __channel?: RTCDataChannel }).__channel = channel;
      return channel;
    };
  }, undefined);
}

/** Texts of the private lines `user` shows. */
function privateTexts(user: User): Promise<string[]> {
  return user.page.$$eval(
    "[data-testid=call-chat-text]",
    (spans) => spans.map((s) => s.textContent ?? ""),
  );
}

Deno.test({
  name:
    "a peer that floods the private channel with junk, oversize frames, markup and too many lines breaks nothing",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const b = browser;
      await withUsers([
        () => openUser(b, app.url, "mallory", { setup: keepDataChannel }),
        () => openUser(b, app.url, "victor"),
      ], async ([mallory, victor]) => {
        await connect(mallory, victor);
        await waitForMediaFlow(victor, { audio: true, video: true });
        await mallory.page.waitForFunction(() =>
          (globalThis as { __channel?: RTCDataChannel }).__channel
            ?.readyState === "open"
        );

        const sent = await mallory.page.evaluate(
          ({ tooLong, flood }) => {
            const channel = (globalThis as { __channel?: RTCDataChannel })
              .__channel!;
            const frames = [
              "not json at all",
              "[1,2,3]",
              JSON.stringify({ type: "chat", text: 42 }),
              JSON.stringify({ type: "media", micMuted: "yes", cameraOff: 1 }),
              JSON.stringify({ type: "chat", text: "x".repeat(tooLong) }),
              JSON.stringify({
                type: "chat",
                text: "<img src=x onerror=alert(1)>",
              }),
              JSON.stringify({ type: "chat", text: "invoice\u202Efdp.exe" }),
            ];
            for (let i = 0; i < flood; i++) {
              frames.push(JSON.stringify({ type: "chat", text: `flood ${i}` }));
            }
            for (const f of frames) channel.send(f);
            channel.send(new Uint8Array([1, 2, 3]));
            return frames.length + 1;
          },
          { tooLong: MAX_PEER_FRAME, flood: 200 },
        );
        console.log(`mallory sent ${sent} frames at once`);

        // The two well-formed lines come first; the flood is cut at the rate.
        await victor.page.waitForFunction(
          (n) =>
            document.querySelectorAll("[data-testid=call-chat-text]").length >=
              n,
          PEER_CHAT_PER_SECOND,
        );
        await new Promise((r) => setTimeout(r, 500));
        const shown = await privateTexts(victor);
        // The burst's worth, and a line or two more on a busy machine, where
        // taking in 200 frames can outlast the tenth of a second that refills
        // a token; never the flood.
        assert.ok(
          shown.length >= PEER_CHAT_PER_SECOND &&
            shown.length <= PEER_CHAT_PER_SECOND + 2,
          `${shown.length} lines: ${shown.join(" | ")}`,
        );
        assert.equal(shown[0], "<img src=x onerror=alert(1)>");
        assert.equal(shown[1], "invoicefdp.exe", "the override is removed");
        assert.deepEqual(
          shown.slice(2),
          Array.from({ length: shown.length - 2 }, (_, i) => `flood ${i}`),
        );
        assert.equal(
          await victor.page.exists("[data-testid=call-chat-log] img"),
          false,
          "markup stayed text",
        );

        // The call goes on, and victor can still answer.
        assert.equal(await callState(victor), "connected");
        await sendPrivately(victor, "stop that");
        await waitForPrivateLine(mallory, "stop that");
        await waitForMediaFlow(victor, { audio: true, video: true });
      });
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
