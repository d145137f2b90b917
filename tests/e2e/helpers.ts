/**
 * Shared steps for the end-to-end tests: a person is one browser context
 * (its own window, so it keeps rendering when another person's page is in
 * front) on the real app, driven through the DOM hooks listed in
 * client/README.md, plus readings of `getStats()` and of the videos' pixels.
 */
import assert from "node:assert/strict";
import {
  STEP_TIMEOUT_MS,
  type TestBrowser,
  type TestPage,
} from "../helpers/browsers.ts";

export { STEP_TIMEOUT_MS };

/** One person in the app. */
export interface User {
  name: string;
  /** The person's page, alone in its browser context. */
  page: TestPage;
  /** Uncaught page errors and console errors, for a final "nothing broke". */
  problems: string[];
  /** Messages of any `alert`/`confirm`/`prompt` the page opened. */
  dialogs: string[];
}

/** What `inbound-rtp` says for one kind of media, summed over its streams. */
export interface Inbound {
  /** Whether any `inbound-rtp` entry of this kind exists. */
  present: boolean;
  packetsReceived: number;
  framesDecoded: number;
  totalAudioEnergy: number;
  totalSamplesDuration: number;
}

/** Inbound media on one side of a call. */
export interface InboundStats {
  audio: Inbound;
  video: Inbound;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How a person's page is opened. */
export interface OpenOptions {
  path?: string;
  viewport?: { width: number; height: number };
  setup?: (page: TestPage) => Promise<void>;
}

/**
 * Opens the app in a fresh context of `browser` without joining, once it
 * has hydrated. `path` picks the room (`/` is the lobby); `setup` runs on
 * the new page before it loads (init scripts, permissions). `name` is who
 * the page will be, for messages.
 */
export async function openUnjoined(
  browser: TestBrowser,
  baseUrl: string,
  name: string,
  options: OpenOptions = {},
): Promise<User> {
  const page = await browser.newPage({ viewport: options.viewport });
  await options.setup?.(page);
  // The page gives no sign of having hydrated, and a click on Join before it
  // has would submit the form natively and reload. The session lists devices
  // the moment it starts (in the islands' first effect, after hydration), so
  // that call is the signal that the controls are live.
  await page.addInitScript(() => {
    // The page's sockets, so that closeUsers can wait for the goodbye.
    const sockets: WebSocket[] = [];
    (globalThis as { __e2eSockets?: WebSocket[] }).__e2eSockets = sockets;
    const Native = globalThis.WebSocket;
    globalThis.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
    const media = navigator.mediaDevices;
    if (!media) return;
    const list = media.enumerateDevices.bind(media);
    media.enumerateDevices = () => {
      (globalThis as { __e2eSessionStarted?: boolean }).__e2eSessionStarted =
        true;
      return list();
    };
  }, undefined);
  const user: User = { name, page, problems: [], dialogs: [] };
  page.onProblem((line) => user.problems.push(line));
  page.onDialog((message) => user.dialogs.push(message));
  await page.goto(new URL(options.path ?? "/", baseUrl).href);
  await page.waitForFunction(() =>
    (globalThis as { __e2eSessionStarted?: boolean }).__e2eSessionStarted ===
      true
  );
  return user;
}

/** Opens the app for `name` (see {@link openUnjoined}) and joins. */
export async function openUser(
  browser: TestBrowser,
  baseUrl: string,
  name: string,
  options: OpenOptions = {},
): Promise<User> {
  const user = await openUnjoined(browser, baseUrl, name, options);
  await joinHere(user);
  return user;
}

/**
 * Opens alice and bob in `browser`. Should bob fail to open, alice is
 * closed first: a page left in the room would hold her name and rename her
 * in every later step.
 */
export async function openPair(
  browser: TestBrowser,
  baseUrl: string,
): Promise<[User, User]> {
  const alice = await openUser(browser, baseUrl, "alice");
  try {
    return [alice, await openUser(browser, baseUrl, "bob")];
  } catch (err) {
    await closeUsers(alice);
    throw err;
  }
}

/**
 * Opens the people `opens` makes, one after the other, runs `body` with
 * them (in the same order), then checks that nothing broke on their pages.
 * They are closed in any case, those already open included when a later
 * one fails to open (see {@link openPair}).
 */
export async function withUsers(
  opens: (() => Promise<User>)[],
  body: (users: User[]) => Promise<void>,
): Promise<void> {
  const users: User[] = [];
  try {
    for (const open of opens) users.push(await open());
    await body(users);
    assertNothingBroke(...users);
  } finally {
    await closeUsers(...users);
  }
}

/** {@link withUsers} for alice and bob, opened in `browser` and joined. */
export function withPair(
  browser: TestBrowser,
  baseUrl: string,
  body: (alice: User, bob: User) => Promise<void>,
): Promise<void> {
  return withUsers([
    () => openUser(browser, baseUrl, "alice"),
    () => openUser(browser, baseUrl, "bob"),
  ], ([alice, bob]) => body(alice, bob));
}

/**
 * Closes the people's contexts (pages, media, sockets), each after its page
 * has left the room the way a closed tab does.
 *
 * Closing a context outright can drop a page's socket without a Close frame
 * (more often on a loaded machine). The server then treats that as a network
 * blip and keeps the session, name included, for the resume grace period
 * (30 s), so the next step that joins under the same name is renamed (`bob
 * 2`). So each page first runs what a closed tab runs (`pagehide`: hang up,
 * close the socket with 1000) and waits until its sockets are closed, i.e.
 * the server has answered the goodbye. A page in a call closes its socket
 * on `pagehide` so that the session stays resumable (a reload rejoins the
 * call), so the sockets are first closed with 1000 here: the goodbye of
 * someone who is not coming back.
 */
export async function closeUsers(...users: (User | undefined)[]) {
  await Promise.all(users.map(async (u) => {
    if (!u) return;
    await leave(u.page).catch(() => {});
    await u.page.close().catch(() => {});
  }));
}

/** Time a page waits for its sockets to finish closing before giving up. */
const LEAVE_TIMEOUT_MS = 5_000;

/** Sends the page's goodbye (see {@link closeUsers}) and waits for it. */
async function leave(page: TestPage): Promise<void> {
  if (page.isClosed()) return;
  await page.evaluate(async (timeoutMs) => {
    const sockets = (globalThis as { __e2eSockets?: WebSocket[] })
      .__e2eSockets ?? [];
    const open = sockets.filter((s) => s.readyState !== WebSocket.CLOSED);
    const closed = Promise.all(open.map((s) =>
      new Promise((resolve) => {
        if (s.readyState === WebSocket.CLOSED) resolve(null);
        else s.addEventListener("close", resolve, { once: true });
      })
    ));
    for (const s of open) s.close(1000, "bye");
    dispatchEvent(new PageTransitionEvent("pagehide", { persisted: false }));
    // A server that is down never answers: do not hang on it.
    await Promise.race([
      closed,
      new Promise((resolve) => setTimeout(resolve, timeoutMs)),
    ]);
  }, LEAVE_TIMEOUT_MS);
}

/** Fails if a page threw, logged an error, or opened a dialog. */
export function assertNothingBroke(...users: User[]) {
  for (const u of users) {
    assert.deepEqual(u.problems, [], `${u.name}'s page reported errors`);
    assert.deepEqual(u.dialogs, [], `${u.name}'s page opened a dialog`);
  }
}

/** CSS attribute selector value, quoted. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** Waits until `user` sees `other` in the list with the given state. */
export async function waitForPerson(
  user: User,
  other: string,
  state: "available" | "busy" | "reconnecting" = "available",
) {
  await user.page.waitForSelector(
    `li[data-user=${quoted(other)}][data-user-state=${state}]`,
  );
}

/** Clicks the video-call (or audio-call) button for `callee.name`. */
export async function clickCall(
  caller: User,
  callee: string,
  { audioOnly = false } = {},
) {
  await waitForPerson(caller, callee);
  const kind = audioOnly ? "audio" : "user";
  await caller.page.click(`[data-testid=${quoted(`${kind}-${callee}`)}]`);
}

/** Rings `callee` from `caller` and waits for the prompt on the callee's side. */
export async function ring(
  caller: User,
  callee: User,
  options: { audioOnly?: boolean } = {},
) {
  await clickCall(caller, callee.name, options);
  await callee.page.waitForSelector("[data-testid=incoming-call]");
  await caller.page.waitForSelector("[data-call-state=outgoing]");
}

/** The current `data-call-state` of a page. */
export function callState(user: User): Promise<string | null> {
  return user.page.getAttribute("[data-testid=call-view]", "data-call-state");
}

/** Waits for a call state (and, for `ended`, optionally the reason). */
export async function waitForCallState(
  user: User,
  state: string,
  reason?: string,
) {
  const extra = reason ? `[data-end-reason=${quoted(reason)}]` : "";
  await user.page.waitForSelector(`[data-call-state=${state}]${extra}`);
}

/** The call status sentence. */
export async function callStatus(user: User): Promise<string> {
  return (await user.page.textContent("[data-testid=call-status]"))?.trim() ??
    "";
}

/** Texts of the notices on screen. */
export function notices(user: User): Promise<string[]> {
  return user.page.$$eval(
    "#notices .notice span",
    (spans) => spans.map((s) => s.textContent ?? ""),
  );
}

/** Waits until a notice with exactly `text` is on screen. */
export async function waitForNotice(user: User, text: string) {
  await user.page.waitForFunction(
    (t) =>
      [...document.querySelectorAll("#notices .notice span")].some((s) =>
        s.textContent === t
      ),
    text,
  );
}

/** Rings, accepts, and waits until both sides say `connected`. */
export async function connect(
  caller: User,
  callee: User,
  options: { audioOnly?: boolean } = {},
) {
  await ring(caller, callee, options);
  await callee.page.click("[data-testid=accept-call]");
  await Promise.all([
    waitForCallState(caller, "connected"),
    waitForCallState(callee, "connected"),
  ]);
}

/** Hangs up from `who` and waits until both sides have ended the call. */
export async function hangUp(who: User, other: User) {
  await who.page.click("[data-testid=hangup]");
  await Promise.all([
    waitForCallState(who, "ended", "hangup"),
    waitForCallState(other, "ended", "hangup"),
  ]);
}

/** Closes the "call ended" view so the next scenario starts from idle. */
export async function dismissEnded(...users: User[]) {
  for (const u of users) {
    if ((await callState(u)) === "ended") {
      await u.page.click("[data-testid=dismiss-call]");
    }
    await waitForCallState(u, "idle");
  }
}

/** Sums `inbound-rtp` per kind from the page's current peer connection. */
export function inboundStats(user: User): Promise<InboundStats> {
  return user.page.evaluate(async () => {
    const empty = () => ({
      present: false,
      packetsReceived: 0,
      framesDecoded: 0,
      totalAudioEnergy: 0,
      totalSamplesDuration: 0,
    });
    const out = { audio: empty(), video: empty() };
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc;
    if (!pc) return out;
    const report = await pc.getStats();
    report.forEach((r) => {
      if (r.type !== "inbound-rtp") return;
      const kind = r.kind as "audio" | "video";
      const sum = out[kind];
      if (!sum) return;
      sum.present = true;
      sum.packetsReceived += r.packetsReceived ?? 0;
      sum.framesDecoded += r.framesDecoded ?? 0;
      sum.totalAudioEnergy += r.totalAudioEnergy ?? 0;
      sum.totalSamplesDuration += r.totalSamplesDuration ?? 0;
    });
    return out;
  });
}

/**
 * Waits until inbound media on `user` grows: video frames decoded (when
 * `video`) and audio packets received (when `audio`), each by `by` over
 * what they were when this started. Returns the last reading.
 */
export async function waitForMediaFlow(
  user: User,
  { audio = true, video = true, by = 10, timeoutMs = STEP_TIMEOUT_MS } = {},
): Promise<InboundStats> {
  const start = await inboundStats(user);
  const deadline = Date.now() + timeoutMs;
  let now = start;
  while (Date.now() < deadline) {
    const audioOk = !audio ||
      now.audio.packetsReceived - start.audio.packetsReceived >= by;
    const videoOk = !video ||
      now.video.framesDecoded - start.video.framesDecoded >= by;
    if (audioOk && videoOk) return now;
    await sleep(100);
    now = await inboundStats(user);
  }
  assert.fail(
    `${user.name}: inbound media did not grow by ${by} within ${timeoutMs} ms ` +
      `(audio packets ${start.audio.packetsReceived} → ${now.audio.packetsReceived}, ` +
      `video frames ${start.video.framesDecoded} → ${now.video.framesDecoded})`,
  );
}

/**
 * Mean audio power received over `ms`: the growth of `totalAudioEnergy`
 * divided by the growth of `totalSamplesDuration`. A window (rather than
 * the instantaneous `audioLevel`) is needed because the fake microphone
 * beeps once a second and is quiet in between.
 */
export async function receivedAudioPower(user: User, ms = 2_200) {
  const a = await inboundStats(user);
  await sleep(ms);
  const b = await inboundStats(user);
  const duration = b.audio.totalSamplesDuration - a.audio.totalSamplesDuration;
  assert.ok(duration > 0, `${user.name} is receiving no audio samples`);
  return (b.audio.totalAudioEnergy - a.audio.totalAudioEnergy) / duration;
}

/**
 * Measures {@link receivedAudioPower} until `ok` holds for a window. Audio
 * already in flight and in the jitter buffer must drain or fill first, which
 * takes longer on a busy machine than any fixed wait allows.
 */
export function waitForAudioPower(
  user: User,
  what: string,
  ok: (power: number) => boolean,
): Promise<number> {
  return eventually(what, () => receivedAudioPower(user), ok);
}

/** Mean brightness (0–255) of the current frame of `#remote-video`. */
export function remoteBrightness(user: User): Promise<number> {
  return user.page.evaluate(() => {
    const video = document.querySelector<HTMLVideoElement>("#remote-video")!;
    if (!video.videoWidth) return -1;
    const canvas = document.createElement("canvas");
    // A small copy is enough for an average and cheap to read back.
    canvas.width = 64;
    canvas.height = 36;
    const g = canvas.getContext("2d", { willReadFrequently: true })!;
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    for (let i = 0; i < data.length; i += 4) {
      sum += 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
    }
    return sum / (data.length / 4);
  });
}

/** Polls `read` until `ok` holds for its value; fails with `what` otherwise. */
export async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = STEP_TIMEOUT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline) {
      assert.fail(`${what} (last value: ${JSON.stringify(value)})`);
    }
    await sleep(100);
    value = await read();
  }
  return value;
}

/** `#remote-video`'s intrinsic width (0 until a frame is shown). */
export function remoteVideoWidth(user: User): Promise<number> {
  return user.page.$eval(
    "#remote-video",
    (v) => (v as HTMLVideoElement).videoWidth,
  );
}

export { median } from "../../bench/figures.ts";

/**
 * Waits for what ringing prepares: the caller's camera and its offer (with
 * `gathered`, its candidates too), which wait for `accepted`, and the
 * callee's camera and connection, ready to answer.
 */
export async function waitForPrepared(
  caller: User,
  callee: User,
  gathered = false,
): Promise<void> {
  await caller.page.waitForFunction((all) => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc;
    return pc?.localDescription?.type === "offer" &&
      (!all || pc.iceGatheringState === "complete");
  }, gathered);
  for (const user of [caller, callee]) {
    await user.page.waitForFunction(() =>
      "__parleyPc" in globalThis &&
      document.querySelector<HTMLVideoElement>("#local-video")!.videoWidth > 0
    );
  }
}

/** Milliseconds from Accept to the first frame each side's remote video presented. */
export interface FirstFrames {
  caller: number;
  callee: number;
}

/** Timestamps the next frame `user`'s remote video presents. */
function stampFirstFrame(user: User): Promise<void> {
  return user.page.evaluate(() => {
    const g = globalThis as { __e2eFirstFrameAt?: number | null };
    g.__e2eFirstFrameAt = null;
    document.querySelector<HTMLVideoElement>("#remote-video")!
      .requestVideoFrameCallback((_now, meta) => {
        g.__e2eFirstFrameAt = performance.timeOrigin + meta.presentationTime;
      });
  });
}

function firstFrameAt(user: User): Promise<number> {
  return user.page.waitForFunction(() =>
    (globalThis as { __e2eFirstFrameAt?: number | null }).__e2eFirstFrameAt
  ) as Promise<number>;
}

/**
 * Rings `callee`, waits for what ringing prepares (the callee's camera and
 * connection, the caller's camera, offer and candidates), clicks Accept and
 * returns the milliseconds until each side's remote video presents its
 * first frame. The call is left up.
 */
export async function acceptToFirstFrames(
  caller: User,
  callee: User,
): Promise<FirstFrames> {
  await ring(caller, callee);
  // A person takes far longer than this to reach Accept, so wait for what
  // ringing prepares, candidates included. Otherwise the first calls would
  // time camera start-up.
  await waitForPrepared(caller, callee, true);
  await Promise.all([stampFirstFrame(caller), stampFirstFrame(callee)]);
  // All pages run on this machine, so their wall-clock times compare.
  const acceptedAt = await callee.page.evaluate(() => {
    const at = performance.timeOrigin + performance.now();
    document.querySelector<HTMLButtonElement>(
      "[data-testid=accept-call]",
    )!.click();
    return at;
  });
  const [callerAt, calleeAt] = await Promise.all([
    firstFrameAt(caller),
    firstFrameAt(callee),
  ]);
  return { caller: callerAt - acceptedAt, callee: calleeAt - acceptedAt };
}

/**
 * Milliseconds from Accept until the caller's remote video presents its
 * first frame (the picture the caller waits for); see
 * {@link acceptToFirstFrames}.
 */
export async function acceptToFirstFrameMs(
  caller: User,
  callee: User,
): Promise<number> {
  return (await acceptToFirstFrames(caller, callee)).caller;
}

/**
 * Samples the remote video's `framesDecoded` (summed over the
 * connection's inbound video streams) from the first decoded frame on,
 * every `everyMs` for `forMs`, in the page so that the driver's round trips
 * do not skew the timing. Returns the readings, first frame included.
 */
export function decodedSeries(
  user: User,
  { everyMs = 250, forMs = 3_000, timeoutMs = STEP_TIMEOUT_MS } = {},
): Promise<number[]> {
  return user.page.evaluate(async (o) => {
    const read = async () => {
      const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc;
      let frames = 0;
      (await pc?.getStats())?.forEach((r) => {
        if (r.type === "inbound-rtp" && r.kind === "video") {
          frames += r.framesDecoded ?? 0;
        }
      });
      return frames;
    };
    const sleepUntil = (t: number) =>
      new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
    const deadline = performance.now() + o.timeoutMs;
    let frames = await read();
    while (frames === 0) {
      if (performance.now() > deadline) return [];
      await sleepUntil(performance.now() + 20);
      frames = await read();
    }
    const start = performance.now();
    const series = [frames];
    for (let i = 1; i <= o.forMs / o.everyMs; i++) {
      await sleepUntil(start + i * o.everyMs);
      series.push(await read());
    }
    return series;
  }, { everyMs, forMs, timeoutMs });
}

/**
 * Fails unless every reading of {@link decodedSeries} is above the one
 * before: a drop is a restarted stream, an equal reading a stall.
 */
export function assertSteadyVideo(user: User, series: number[]) {
  assert.ok(series.length > 1, `${user.name} decoded no video frame`);
  for (let i = 1; i < series.length; i++) {
    const [before, now] = [series[i - 1], series[i]];
    assert.ok(
      now > before,
      `${user.name}'s incoming video ${
        now < before ? "restarted" : "stalled"
      } at reading ${i} (${series.join(", ")})`,
    );
  }
}

/** Tags the current peer connection, to tell later whether it is the same one. */
export function tagPeerConnection(user: User, tag: string): Promise<void> {
  return user.page.evaluate((t) => {
    const pc = (globalThis as { __parleyPc?: { __e2eTag?: string } })
      .__parleyPc;
    if (pc) pc.__e2eTag = t;
  }, tag);
}

export function peerConnectionTag(user: User): Promise<string | null> {
  return user.page.evaluate(() =>
    (globalThis as { __parleyPc?: { __e2eTag?: string } }).__parleyPc
      ?.__e2eTag ?? null
  );
}

/**
 * Sends a room chat line from `from` and waits until `to` shows it. The
 * room's tab is chosen first: during a call the call's private
 * conversation is in front, and the room's box is hidden behind it.
 */
export async function chatAcross(from: User, to: User, text: string) {
  await from.page.click("[data-testid=chat-tab-room]");
  await from.page.fill("#chat-input", text);
  await from.page.click("[data-testid=chat-send]");
  await to.page.waitForFunction(
    (t) =>
      [...document.querySelectorAll("[data-testid=chat-message]")].some((m) =>
        m.querySelector("[data-testid=chat-text]")?.textContent === t
      ),
    text,
  );
}

/** Names in `user`'s people list. */
export function listedNames(user: User): Promise<string[]> {
  return user.page.$$eval(
    "li[data-user]",
    (items) => items.map((li) => li.getAttribute("data-user") ?? ""),
  );
}

/**
 * Cuts `user`'s page off the server the way a crash or a dead network
 * does: its sockets close without a goodbye (4000, as the page's own
 * heartbeat would), and every reconnect goes nowhere.
 */
export async function cutOff(user: User): Promise<void> {
  await user.page.evaluate(() => {
    const g = globalThis as unknown as {
      __e2eSockets: WebSocket[];
      WebSocket: typeof WebSocket;
    };
    const Native = g.WebSocket;
    g.WebSocket = class extends Native {
      constructor(_url: string | URL, protocols?: string | string[]) {
        // A path the server answers with 404: the page keeps trying and never
        // arrives, without leaving its own origin (which the CSP would report).
        super(`ws://${location.host}/cut-off`, protocols);
      }
    };
    for (const s of g.__e2eSockets) s.close(4000, "gone");
  });
}

/**
 * Keeps a handle on `user`'s camera track (the self-view's), so that
 * {@link keptCameraState} can tell whether it was really stopped after it
 * left the stream.
 */
export function keepCameraTrack(user: User): Promise<void> {
  return user.page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>("#local-video")!;
    (globalThis as { __camera?: MediaStreamTrack }).__camera =
      (v.srcObject as MediaStream).getVideoTracks()[0];
  });
}

/** `readyState` of the track {@link keepCameraTrack} kept. */
export function keptCameraState(user: User): Promise<string> {
  return user.page.evaluate(() =>
    (globalThis as { __camera?: MediaStreamTrack }).__camera!.readyState
  );
}

/** `who` turns the camera back on; `viewer`'s camera-off tile goes. */
export async function cameraBackOn(who: User, viewer: User): Promise<void> {
  await who.page.click("[data-testid=camera]");
  await viewer.page.waitForSelector("[data-testid=peer-camera-off]", {
    state: "detached",
  });
}

/** Waits until `user`'s private log shows a line with exactly `text`. */
export async function waitForPrivateLine(
  user: User,
  text: string,
): Promise<void> {
  await user.page.waitForFunction(
    (t) =>
      [...document.querySelectorAll("[data-testid=call-chat-text]")].some(
        (el) => el.textContent === t,
      ),
    text,
  );
}

/** Sends `text` from `user`'s private composer (its tab first) with Enter. */
export async function sendPrivately(user: User, text: string): Promise<void> {
  await user.page.click("[data-testid=chat-tab-call]");
  // The box is off until the data channel is open.
  await user.page.waitForFunction(() => {
    const box = document.querySelector<HTMLTextAreaElement>(
      "#call-chat-input",
    );
    return box !== null && !box.disabled;
  });
  await user.page.fill("#call-chat-input", text);
  await user.page.press("#call-chat-input", "Enter");
}

/**
 * Joins as `user.name` on the page `user` is on: one just opened by
 * {@link openUnjoined}, or one `user` has gone to by following a link. The
 * init scripts `openUnjoined` installed run again on every document, so the
 * same signal says the new page has hydrated. A room this tab was in before
 * is rejoined by the page itself, under the name used there.
 */
export async function joinHere(user: User): Promise<void> {
  await user.page.waitForFunction(() =>
    (globalThis as { __e2eSessionStarted?: boolean }).__e2eSessionStarted ===
      true
  );
  await user.page.waitForSelector("[data-testid=my-name], #name-input");
  if (!await user.page.exists("[data-testid=my-name]")) {
    await user.page.fill("#name-input", user.name);
    await user.page.click("[data-testid=join]");
    await user.page.waitForSelector("[data-testid=my-name]");
  }
  assert.equal(await user.page.textContent("[data-testid=my-name]"), user.name);
}
