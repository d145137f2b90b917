/**
 * The ringing tones in real browsers: the callee's ringtone and the
 * caller's ringback sound while the call rings and stop when it is
 * accepted, declined, cancelled or not answered in time; a silenced ringtone plays nothing while
 * the caller still hears ringback. The page's Web Audio is watched from an
 * init script that wraps the API (no hook in the app): every oscillator
 * started and not yet stopped is a tone sounding, at its frequency.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  type BrowserName,
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
  hangUp,
  openUser,
  ring,
  type User,
  waitForCallState,
} from "./helpers.ts";

/**
 * How long the server lets a call ring here: long enough for every other
 * step to answer or cancel, short enough to wait out once.
 */
const RING_TIMEOUT_MS = 4_000;

/** The frequencies of `client/ringing_tone.ts`'s tones, sorted. */
const RINGTONE = [1000, 1025];
const RINGBACK = [425];

/** What the page's Web Audio is doing, as the init script saw it. */
interface Heard {
  /** Frequencies of the oscillators started and not stopped, sorted. */
  hz: number[];
  /** Oscillators started since the page loaded. */
  started: number;
  /** State of the page's last AudioContext (null: none made). */
  state: string | null;
  /** Whether each AudioContext was made while a gesture was active. */
  inGesture: boolean[];
}

/** Wraps the page's Web Audio so that {@link heard} can read it. */
function watchAudio(page: TestPage): Promise<void> {
  return page.addInitScript(() => {
    const Native = globalThis.AudioContext;
    if (!Native) return;
    type Osc = { hz: number; on: boolean };
    const log = {
      contexts: [] as AudioContext[],
      inGesture: [] as boolean[],
      oscillators: [] as Osc[],
    };
    (globalThis as { __e2eAudio?: typeof log }).__e2eAudio = log;
    globalThis.AudioContext = class extends Native {
      constructor(options?: AudioContextOptions) {
        super(options);
        log.contexts.push(this);
        log.inGesture.push(navigator.userActivation?.isActive ?? false);
      }
    };
    const create = Native.prototype.createOscillator;
    Native.prototype.createOscillator = function () {
      const osc = create.call(this);
      const entry: Osc = { hz: 0, on: false };
      const { start, stop } = osc;
      osc.start = (when?: number) => {
        entry.hz = osc.frequency.value;
        entry.on = true;
        log.oscillators.push(entry);
        start.call(osc, when);
      };
      osc.stop = (when?: number) => {
        entry.on = false;
        stop.call(osc, when);
      };
      return osc;
    };
  }, undefined);
}

/** What `user`'s page is playing now. */
function heard(user: User): Promise<Heard> {
  return user.page.evaluate(() => {
    const log = (globalThis as {
      __e2eAudio?: {
        contexts: AudioContext[];
        inGesture: boolean[];
        oscillators: { hz: number; on: boolean }[];
      };
    }).__e2eAudio!;
    return {
      hz: log.oscillators.filter((o) => o.on).map((o) => o.hz)
        .sort((a, b) => a - b),
      started: log.oscillators.length,
      state: log.contexts.at(-1)?.state ?? null,
      inGesture: log.inGesture,
    };
  });
}

/**
 * Whether a page's AudioContext can run in this browser here. Headless
 * Firefox without an audio device (as in the test container) keeps every
 * context `suspended`, even one made in a gesture or with autoplay allowed
 * by preference; there the test sees what the page asks of Web Audio, but
 * not that it is heard.
 */
function audible(user: User): boolean {
  return user.page.browserName === "chromium";
}

/** Waits until `user` plays exactly `hz` (none: silence), audibly. */
async function waitForTone(user: User, hz: number[], what: string) {
  await eventually(
    `${user.name}: ${what}`,
    () => heard(user),
    (h) =>
      JSON.stringify(h.hz) === JSON.stringify(hz) &&
      (hz.length === 0 || !audible(user) || h.state === "running"),
  );
}

async function ringsAndStopsOnAccept(alice: User, bob: User) {
  await ring(alice, bob);
  await waitForTone(bob, RINGTONE, "the ringtone sounds while it rings");
  await waitForTone(alice, RINGBACK, "the ringback sounds while it rings");
  await bob.page.click("[data-testid=accept-call]");
  await waitForTone(bob, [], "the ringtone stops on accept");
  await waitForTone(alice, [], "the ringback stops once accepted");
  await waitForCallState(alice, "connected");
  await hangUp(alice, bob);
  await dismissEnded(alice, bob);
}

async function stopsOnDecline(alice: User, bob: User) {
  await ring(alice, bob);
  await waitForTone(bob, RINGTONE, "the ringtone sounds");
  await bob.page.click("[data-testid=decline-call]");
  await waitForTone(bob, [], "the ringtone stops on decline");
  await waitForCallState(alice, "ended", "declined");
  await waitForTone(alice, [], "the ringback stops when declined");
  await dismissEnded(alice, bob);
}

async function stopsOnCancel(alice: User, bob: User) {
  await ring(alice, bob);
  await waitForTone(alice, RINGBACK, "the ringback sounds");
  await waitForTone(bob, RINGTONE, "the ringtone sounds");
  await alice.page.click("[data-testid=cancel-call]");
  await waitForTone(alice, [], "the ringback stops on cancel");
  await waitForCallState(bob, "ended", "cancelled");
  await waitForTone(bob, [], "the ringtone stops when cancelled");
  await dismissEnded(alice, bob);
}

async function stopsOnNoAnswer(alice: User, bob: User) {
  await ring(alice, bob);
  await waitForTone(alice, RINGBACK, "the ringback sounds");
  await waitForTone(bob, RINGTONE, "the ringtone sounds");
  // Nobody clicks: the server's ring timeout (RING_TIMEOUT_MS) ends it.
  await waitForCallState(alice, "ended", "no-answer");
  await waitForTone(alice, [], "the ringback stops when nobody answers");
  await waitForCallState(bob, "ended", "no-answer");
  await waitForTone(bob, [], "the ringtone stops when the ring times out");
  await dismissEnded(alice, bob);
}

async function silencedRingtone(alice: User, bob: User) {
  const toggle = "[data-testid=ringtone-toggle]";
  assert.equal(await bob.page.getAttribute(toggle, "aria-pressed"), "true");
  await bob.page.click(toggle);
  await bob.page.waitForSelector(`${toggle}[aria-pressed=false]`);
  const before = (await heard(bob)).started;
  await ring(alice, bob);
  await waitForTone(alice, RINGBACK, "the ringback sounds all the same");
  // The tone follows the call's state in the same task that draws the
  // prompt, so with the prompt up a ringtone would have started by now.
  assert.equal((await heard(bob)).started, before, "bob's page played nothing");
  await alice.page.click("[data-testid=cancel-call]");
  await waitForTone(alice, [], "the ringback stops on cancel");
  await dismissEnded(alice, bob);
  // Remembered: a reload (which joins again by itself) keeps it off.
  await bob.page.reload();
  await bob.page.waitForSelector(`${toggle}[aria-pressed=false]`);
  assert.equal(
    await bob.page.evaluate(() => localStorage.getItem("parley.ringtone")),
    "off",
  );
}

for (const name of ["chromium", "firefox"] as BrowserName[]) {
  Deno.test({
    name:
      `ringing tones in ${name}: ringtone and ringback while it rings, stopped by accept, decline, cancel and no answer; a silenced ringtone leaves the ringback`,
    ignore: needsBrowsers(name),
    async fn(t) {
      const app = await startApp({ ringTimeoutMs: RING_TIMEOUT_MS });
      let browser: TestBrowser | undefined;
      let alice: User | undefined, bob: User | undefined;
      try {
        browser = await launch(name);
        const setup = watchAudio;
        alice = await openUser(browser, app.url, "alice", { setup });
        bob = await openUser(browser, app.url, "bob", { setup });
        const [a, b] = [alice, bob];
        await t.step(
          "the AudioContext was made in the Join click",
          async () => {
            for (const u of [a, b]) {
              assert.deepEqual((await heard(u)).inGesture, [true], u.name);
            }
          },
        );
        await t.step(
          "callee's ringtone and caller's ringback sound until accepted",
          () => ringsAndStopsOnAccept(a, b),
        );
        await t.step(
          "the ringtone stops on decline",
          () => stopsOnDecline(a, b),
        );
        await t.step(
          "both tones stop when the caller cancels",
          () => stopsOnCancel(a, b),
        );
        await t.step(
          "both tones stop when nobody answers",
          () => stopsOnNoAnswer(a, b),
        );
        await t.step(
          "a silenced ringtone plays nothing; the caller still hears ringback",
          () => silencedRingtone(a, b),
        );
        assertNothingBroke(a, b);
      } finally {
        await closeUsers(alice, bob);
        await browser?.close();
        await app.shutdown();
      }
    },
  });
}
