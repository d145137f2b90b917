/**
 * Screenshots of the real app for a person to look at (not a test):
 * the lobby with people online and a chat message, the pre-call check
 * (settings) open over it, an incoming-call prompt with the callee's
 * preview, a call in progress, its private conversation, each side's
 * camera off, ringing someone, a missed call, a person reconnecting,
 * a private room with and without its Invite dialog open, and the
 * not-found page, each at 1280×800, 390×844 and 844×390, in
 * Chromium or (second argument) Firefox.
 *
 *   deno task build && deno run -A tests/e2e/screenshots.ts /tmp/shots [firefox]
 *
 * Prints the files it wrote. The phone size also gets full-page shots,
 * since its stacked layout puts the chat below the fold.
 */
import {
  closeVerify,
  openVerify,
  replaceCertificate,
  waitForVerifyState,
} from "./safety.ts";
import { startApp } from "../helpers/app_server.ts";
import { type BrowserName, launch } from "../helpers/browsers.ts";
import {
  closeUsers,
  cutOff,
  dismissEnded,
  joinHere,
  openUser,
  ring,
  waitForCallState,
  waitForMediaFlow,
  waitForPerson,
} from "./helpers.ts";

const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
  { width: 844, height: 390 },
];

const outDir = Deno.args[0];
if (!outDir) {
  console.error(
    "usage: deno run -A tests/e2e/screenshots.ts <outdir> [chromium|firefox]",
  );
  Deno.exit(2);
}
const browserName = (Deno.args[1] ?? "chromium") as BrowserName;
await Deno.mkdir(outDir, { recursive: true });

const browser = await launch(browserName);
const written: string[] = [];
try {
  for (const viewport of VIEWPORTS) {
    // A server per size: the reconnecting person's name stays held for its
    // grace period, and the next size would rename them.
    const app = await startApp();
    const size = `${viewport.width}x${viewport.height}`;
    const phone = viewport.width < 600 || viewport.height < 600;
    // Only the person photographed uses the viewport; the others are props.
    const alice = await openUser(browser, app.url, "alice", { viewport });
    const bob = await openUser(browser, app.url, "bob");
    const carol = await openUser(browser, app.url, "carol");
    try {
      const shoot = async (name: string) => {
        const path = `${outDir}/${name}-${size}-${browserName}.png`;
        await alice.page.screenshot(path);
        written.push(path);
        if (phone) {
          const full = `${outDir}/${name}-${size}-${browserName}-full.png`;
          await alice.page.screenshot(full, { fullPage: true });
          written.push(full);
        }
      };

      await waitForPerson(alice, "bob");
      await waitForPerson(alice, "carol");
      await bob.page.fill(
        "#chat-input",
        "Hi all! Anyone free for a quick call?",
      );
      await bob.page.press("#chat-input", "Enter");
      await alice.page.waitForSelector("[data-testid=chat-message]");
      await alice.page.fill("#chat-input", "Sure, call me.");
      await alice.page.press("#chat-input", "Enter");
      await alice.page.waitForFunction(() =>
        document.querySelectorAll("[data-testid=chat-message]").length === 2
      );
      // Nothing focused: the prompt hands focus back to whatever had it, and
      // a focused chat box would scroll the phone layout away from the call.
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );
      await shoot("lobby");

      await alice.page.click("[data-testid=open-settings]");
      // As a person sees it once the camera is up and the options listed.
      await alice.page.waitForFunction(() =>
        document.querySelector<HTMLVideoElement>("#settings-preview")!
          .videoWidth > 0
      );
      // Chromium's fake microphone beeps twice a second: catch the meter
      // lit. Firefox without a sound device runs no AudioContext: no wait.
      await alice.page.waitForFunction(
        () =>
          document.querySelector<HTMLMeterElement>("[data-testid=mic-level]")!
            .value > 0.3,
        undefined,
        { timeout: 3_000 },
      ).catch(() => {});
      await shoot("settings");
      await alice.page.click("[data-testid=close-settings]");
      await alice.page.waitForSelector("[data-testid=settings]", {
        state: "detached",
      });
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );

      await ring(bob, alice);
      // The callee's camera opens while it rings: the prompt previews it.
      await alice.page.waitForFunction(() =>
        (document.querySelector<HTMLVideoElement>(
          "[data-testid=incoming-preview]",
        )?.videoWidth ?? 0) > 0
      );
      await shoot("incoming-call");

      await alice.page.click("[data-testid=accept-call]");
      await waitForCallState(alice, "connected");
      await waitForMediaFlow(alice, { audio: true, video: true, by: 30 });
      await shoot("call");

      // The safety number: the dialog, both say it matches, the chip.
      const openVerifyFor = async (user: typeof alice, onPhone: boolean) => {
        if (onPhone) await user.page.click("[data-testid=more-controls]");
        await openVerify(user);
      };
      await openVerifyFor(alice, phone);
      await shoot("verify");
      await openVerify(bob);
      await bob.page.click("[data-testid=safety-match]");
      await alice.page.waitForSelector("[data-testid=safety-match]");
      await shoot("verify-peer-said");
      await alice.page.click("[data-testid=safety-match]");
      await waitForVerifyState(alice, "verified");
      await closeVerify(alice);
      await closeVerify(bob);
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );
      await shoot("verified");

      // The call's private conversation, a line each way.
      await bob.page.waitForFunction(() =>
        document.querySelector<HTMLTextAreaElement>("#call-chat-input")
          ?.disabled === false
      );
      await bob.page.fill(
        "#call-chat-input",
        "The door code is 4711, come on up.",
      );
      await bob.page.press("#call-chat-input", "Enter");
      if (phone) {
        // The call screen: the Chat button counts the line; it opens a sheet.
        await alice.page.waitForSelector("[data-testid=chat-badge]");
        await shoot("call-unread");
        await alice.page.click("[data-testid=open-chat]");
      }
      await alice.page.waitForSelector("[data-testid=call-chat-message]");
      await alice.page.fill("#call-chat-input", "Thanks! On my way.");
      await alice.page.press("#call-chat-input", "Enter");
      await alice.page.waitForFunction(() =>
        document.querySelectorAll("[data-testid=call-chat-message]")
          .length === 2
      );
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );
      await shoot("call-chat");
      if (phone) await alice.page.click("[data-testid=close-chat]");

      // Her camera off (her own view), then bob's (his tile, his badge).
      await alice.page.click("[data-testid=camera]");
      await alice.page.waitForSelector("[data-testid=self-camera-off]");
      await shoot("camera-off-mine");
      await alice.page.click("[data-testid=camera]");
      await bob.page.click("[data-testid=camera]");
      await bob.page.click("[data-testid=mute]");
      await alice.page.waitForSelector("[data-testid=peer-camera-off]");
      await alice.page.waitForSelector("[data-testid=peer-muted]");
      await shoot("camera-off-theirs");
      await alice.page.click("[data-testid=hangup]");
      await waitForCallState(bob, "ended");
      await dismissEnded(alice, bob);

      // Alice rings carol: the caller's side of ringing.
      await ring(alice, carol);
      await shoot("outgoing-call");
      await alice.page.click("[data-testid=cancel-call]");
      await dismissEnded(alice, carol);

      // Bob rings alice and gives up: her missed call.
      await ring(bob, alice);
      await bob.page.click("[data-testid=cancel-call]");
      await alice.page.waitForSelector("[data-testid=missed-call]");
      await dismissEnded(alice, bob);
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );
      await shoot("missed-call");

      // Bob's key changes (a new browser, or a renewal): alice is warned.
      await replaceCertificate(bob);
      await bob.page.reload();
      await bob.page.waitForSelector("[data-testid=my-name]");
      await ring(bob, alice);
      await alice.page.click("[data-testid=accept-call]");
      await waitForVerifyState(alice, "changed");
      await waitForMediaFlow(alice, { audio: true, video: true, by: 30 });
      // Earlier steps' notices would cover it; the warning is the subject.
      while (await alice.page.exists(".notice__close")) {
        await alice.page.click(".notice__close");
      }
      await shoot("safety-changed");
      await alice.page.click("[data-testid=hangup]");
      await waitForCallState(bob, "ended");
      await dismissEnded(alice, bob);

      // Carol's page loses the server without a goodbye.
      await cutOff(carol);
      await waitForPerson(alice, "carol", "reconnecting");
      await shoot("reconnecting");
      // cutOff aims carol's reconnects at port 9, which the CSP refuses:
      // expected of her; any other violation still fails the run.
      await closeUsers(carol);
      const unexpected = browser.takeCspViolations().filter((v) =>
        v.blocked !== "ws://127.0.0.1:9/ws"
      );
      if (unexpected.length) {
        throw new Error(`CSP violations: ${JSON.stringify(unexpected)}`);
      }

      // A private room: alice makes one, bob follows her link, and she
      // opens the invitation (link, Copy, QR code).
      await alice.page.click("[data-testid=new-room]");
      await joinHere(alice);
      const roomPath = await alice.page.evaluate(() => location.pathname);
      await bob.page.goto(new URL(roomPath, app.url).href);
      await joinHere(bob);
      await waitForPerson(alice, "bob");
      await alice.page.evaluate(() =>
        (document.activeElement as HTMLElement | null)?.blur()
      );
      await shoot("room");
      await alice.page.click("[data-testid=invite]");
      await alice.page.waitForFunction(() =>
        (document.querySelector<HTMLImageElement>("[data-testid=share-qr]")
          ?.naturalWidth ?? 0) > 0
      );
      await shoot("room-invite");
      await alice.page.click("[data-testid=close-share]");

      // A room link cut short: the not-found page.
      await alice.page.goto(new URL("/r/cut%20short!", app.url).href);
      await alice.page.waitForSelector("[data-testid=not-found]");
      await shoot("not-found");
    } finally {
      await closeUsers(alice, bob, carol);
      await app.shutdown();
    }
  }
} finally {
  await browser.close();
}
for (const path of written) console.log(path);
