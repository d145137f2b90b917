/**
 * Calls that survive bad networks, in real Chromium against the real app:
 *
 * 1. the server process is killed during a call and started again on the
 *    same port: video never stops, both people come back under their names
 *    within the backoff window, the call is restored on the new process
 *    (an ICE restart, chat and hang-up go through it);
 * 2. one person's signaling is cut for real (a TCP proxy drops it and
 *    refuses new connections for 3 s): the session resumes under the same
 *    name, the other person sees them throughout, the call goes on;
 * 3. with a real coturn and `?relay=1`, a call connects through the relay
 *    and the quality badge says so; coturn refuses an expired credential.
 *
 * Measured numbers are printed (reconnect times, frames during the outage,
 * time to connected through TURN).
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import { type AppProcess, startAppProcess } from "../helpers/app_process.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import { startCoturn } from "../helpers/coturn.ts";
import { freePort } from "../helpers/ports.ts";
import { mintTurnCredential } from "../../signaling/turn_credentials.ts";
import {
  chatAcross,
  closeUsers,
  connect,
  eventually,
  hangUp,
  inboundStats,
  listedNames,
  notices,
  openUser,
  peerConnectionTag,
  ring,
  tagPeerConnection,
  type User,
  waitForCallState,
  waitForMediaFlow,
  waitForPrepared,
} from "./helpers.ts";
import { CutProxy } from "./resilience_proxy.ts";

const RECONNECTING =
  "[data-testid=connection-status][data-status=reconnecting]";
const CONNECTED = "[data-testid=connection-status][data-status=connected]";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Page problems other than the browser's own log of refused reconnects. */
function unexpectedProblems(user: User): string[] {
  return user.problems.filter((p) =>
    !/WebSocket connection to .* failed/.test(p)
  );
}

function assertNothingUnexpected(...users: User[]) {
  for (const u of users) {
    assert.deepEqual(unexpectedProblems(u), [], `${u.name}'s page errors`);
    assert.deepEqual(u.dialogs, [], `${u.name}'s page opened a dialog`);
  }
}

/**
 * Starts logging, inside the page, every change of the connection status
 * and call state with the wall-clock time it happened: Playwright's
 * `waitForSelector` polls at up to 500 ms intervals, too coarse to time a
 * reconnect.
 */
function logStateChanges(user: User): Promise<void> {
  return user.page.evaluate(() => {
    const g = globalThis as { __e2eLog?: [string, string, number][] };
    g.__e2eLog = [];
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        const name = r.attributeName!;
        g.__e2eLog!.push([name, el.getAttribute(name) ?? "", Date.now()]);
      }
    }).observe(document.body, {
      subtree: true,
      attributes: true,
      attributeFilter: ["data-status", "data-call-state"],
    });
  });
}

/** When the page's `attr` first became `value` at or after `since`. */
async function changedAt(
  user: User,
  attr: string,
  value: string,
  since: number,
): Promise<number> {
  const log = await user.page.evaluate(() =>
    (globalThis as { __e2eLog?: [string, string, number][] }).__e2eLog ?? []
  );
  const hit = log.find(([a, v, t]) => a === attr && v === value && t >= since);
  assert.ok(hit, `${user.name}: ${attr} never became ${value}`);
  return hit[2];
}

interface FrameSample {
  t: number;
  frames: number;
}

/** Reads `framesDecoded` every 200 ms in the background until stopped. */
function watchFrames(user: User) {
  const samples: FrameSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const s = await inboundStats(user);
        samples.push({ t: Date.now(), frames: s.video.framesDecoded });
      } catch {
        // The page is closing.
      }
      await sleep(200);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/**
 * Frames decoded between `from` and `to`, and the longest time in that
 * window without a new frame.
 */
function frameFlow(samples: FrameSample[], from: number, to: number) {
  const inside = samples.filter((s) => s.t >= from && s.t <= to);
  assert.ok(inside.length >= 2, "too few frame readings in the window");
  let longestStallMs = 0;
  let lastGrowth = inside[0].t;
  for (let i = 1; i < inside.length; i++) {
    if (inside[i].frames > inside[i - 1].frames) {
      longestStallMs = Math.max(longestStallMs, inside[i].t - lastGrowth);
      lastGrowth = inside[i].t;
    }
  }
  longestStallMs = Math.max(longestStallMs, inside.at(-1)!.t - lastGrowth);
  return {
    frames: inside.at(-1)!.frames - inside[0].frames,
    longestStallMs,
  };
}

/** The ICE ufrags of both descriptions: they change when ICE restarts. */
function iceUfrags(user: User): Promise<string> {
  return user.page.evaluate(() => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc;
    const ufrag = (sdp?: string) => /a=ice-ufrag:(\S+)/.exec(sdp ?? "")?.[1];
    return `${ufrag(pc?.localDescription?.sdp)}/${
      ufrag(pc?.remoteDescription?.sdp)
    }`;
  });
}

function iceState(user: User): Promise<string | undefined> {
  return user.page.evaluate(() =>
    (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc
      ?.iceConnectionState
  );
}

async function myName(user: User): Promise<string | null> {
  return await user.page.textContent("[data-testid=my-name]");
}

/** `candidateType` of the local and remote candidates of the selected pair. */
function selectedCandidateTypes(user: User) {
  return user.page.evaluate(async () => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc!;
    const report = await pc.getStats();
    let pairId: string | undefined;
    report.forEach((s) => {
      if (s.type === "transport" && s.selectedCandidatePairId) {
        pairId = s.selectedCandidatePairId;
      }
    });
    const pair = pairId ? report.get(pairId) : undefined;
    return {
      local: pair ? report.get(pair.localCandidateId)?.candidateType : null,
      remote: pair ? report.get(pair.remoteCandidateId)?.candidateType : null,
    };
  });
}

Deno.test({
  name:
    "a call keeps its video while the server process is killed and restarted, and both come back under their names to chat and hang up through the new process",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const port = freePort();
    let server: AppProcess | null = await startAppProcess({ port });
    let browser: TestBrowser | undefined;
    let a: User | undefined;
    let b: User | undefined;
    try {
      browser = await launch("chromium");
      a = await openUser(browser, server.url, "ann");
      b = await openUser(browser, server.url, "bob");
      await connect(a, b);
      await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
      await tagPeerConnection(a, "ann-pc");
      await tagPeerConnection(b, "bob-pc");
      await logStateChanges(a);
      await logStateChanges(b);
      const watches = [watchFrames(a), watchFrames(b)];
      await sleep(1000);

      const killedAt = Date.now();
      await server.kill("SIGKILL");
      server = null;
      await Promise.all([
        a.page.waitForSelector(RECONNECTING),
        b.page.waitForSelector(RECONNECTING),
      ]);
      server = await startAppProcess({ port });
      const readyAt = Date.now();
      const backAt = await Promise.all([a, b].map(async (u) => {
        await u.page.waitForSelector(CONNECTED, { timeout: 35_000 });
        return await changedAt(u, "data-status", "connected", killedAt);
      }));
      const downMs = readyAt - killedAt;
      const lastBack = Math.max(...backAt);
      // Jittered doubling from 0.25–0.5 s: the attempt pending when the
      // server came back is at most 2 × downtime + 0.5 s away; 1 s more for
      // the socket, the login and the welcome.
      const windowMs = 2 * downMs + 1500;
      for (const [i, at] of backAt.entries()) {
        assert.ok(
          at - readyAt <= windowMs,
          `${[a, b][i].name} reconnected ${
            at - readyAt
          } ms after the server was back (window ${windowMs} ms)`,
        );
      }
      // Keep watching video a moment past the reconnect, then judge it.
      await sleep(1000);
      await Promise.all(watches.map((w) => w.stop()));
      const flows = watches.map((w) =>
        frameFlow(w.samples, killedAt, lastBack + 1000)
      );
      for (const [i, flow] of flows.entries()) {
        const who: string = [a, b][i].name;
        assert.ok(flow.frames > 0, `${who} decoded no frames in the outage`);
        assert.ok(
          flow.longestStallMs < 1500,
          `${who}'s video stalled ${flow.longestStallMs} ms during the outage`,
        );
      }

      // Same people, same names, same call, same peer connection.
      assert.equal(await myName(a), "ann");
      assert.equal(await myName(b), "bob");
      for (const u of [a, b]) {
        assert.ok(
          (await notices(u)).every((n) => !/taken/.test(n)),
          `${u.name} was told a name was taken`,
        );
      }
      await eventually(
        "bob is listed for ann",
        () => listedNames(a!),
        (n) => n.join() === "bob",
      );
      await eventually(
        "ann is listed for bob",
        () => listedNames(b!),
        (n) => n.join() === "ann",
      );
      await waitForCallState(a, "connected");
      await waitForCallState(b, "connected");
      assert.equal(await peerConnectionTag(a), "ann-pc");
      assert.equal(await peerConnectionTag(b), "bob-pc");

      // An ICE restart needs signals relayed by the new process, which it
      // only does for a call restored from both claims.
      const before = [await iceUfrags(a), await iceUfrags(b)];
      const restartAt = Date.now();
      await a.page.evaluate(() =>
        (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc!
          .restartIce()
      );
      await eventually(
        "both sides renegotiated ICE through the new server",
        async () => [await iceUfrags(a!), await iceUfrags(b!)],
        (now) =>
          now.every((pair, i) =>
            pair.split("/").every((u, j) => u !== before[i].split("/")[j])
          ),
      );
      const restartMs = Date.now() - restartAt;
      await eventually(
        "ICE connected again after the restart",
        async () => [await iceState(a!), await iceState(b!)],
        (s) => s.every((x) => x === "connected" || x === "completed"),
      );
      await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);

      await chatAcross(a, b, "still here after the restart");
      await chatAcross(b, a, "me too");
      await hangUp(a, b);
      assertNothingUnexpected(a, b);

      console.log(
        `server restart: down ${downMs} ms (new process up in ${server.startupMs} ms); ` +
          `reconnected ${
            backAt.map((t) => t - readyAt).join(" / ")
          } ms after it was up ` +
          `(${
            backAt.map((t) => t - killedAt).join(" / ")
          } ms after the kill); ` +
          `frames decoded meanwhile ann ${flows[0].frames}, bob ${
            flows[1].frames
          } ` +
          `(longest gap ${flows[0].longestStallMs} / ${
            flows[1].longestStallMs
          } ms); ` +
          `ICE restart through the new process ${restartMs} ms`,
      );
    } catch (err) {
      if (server) console.error(`server output:\n${server.output()}`);
      throw err;
    } finally {
      await closeUsers(a, b);
      await browser?.close();
      await server?.kill();
    }
  },
});

Deno.test({
  name:
    "after a server restart, a call whose peer never comes back ends with a sentence saying so",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const port = freePort();
    const env = { SIGNALING_RESUME_GRACE_MS: "3000" };
    let server: AppProcess | null = await startAppProcess({ port, env });
    let browser: TestBrowser | undefined;
    let a: User | undefined;
    let b: User | undefined;
    try {
      browser = await launch("chromium");
      a = await openUser(browser, server.url, "ann");
      b = await openUser(browser, server.url, "bob");
      await connect(a, b);
      await waitForMediaFlow(a);
      await server.kill("SIGKILL");
      server = null;
      // bob is gone for good: his window closes while the server is down.
      await closeUsers(b);
      server = await startAppProcess({ port, env });
      const readyAt = Date.now();
      await a.page.waitForSelector(CONNECTED, { timeout: 35_000 });
      // The claim waits the grace period (3 s here) for bob, then ends.
      await waitForCallState(a, "ended", "not-restored");
      const endedMs = Date.now() - readyAt;
      assert.equal(
        (await a.page.textContent("[data-testid=call-status]"))?.trim(),
        "The connection to the server was lost and bob did not reconnect, so the call ended.",
      );
      assert.deepEqual(await listedNames(a), []);
      const pcLeft = await a.page.evaluate(() => "__parleyPc" in globalThis);
      assert.equal(pcLeft, false);
      assertNothingUnexpected(a);
      console.log(
        `failed restore: ann's call ended ${endedMs} ms after the new server was up (grace 3 s)`,
      );
    } catch (err) {
      if (server) console.error(`server output:\n${server.output()}`);
      throw err;
    } finally {
      await closeUsers(a, b);
      await browser?.close();
      await server?.kill();
    }
  },
});

Deno.test({
  name:
    "a person whose signaling is cut for 3 s comes back under the same name, with no 'name taken', seen by the other all along, mid-call",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    const proxy = CutProxy.start(Number(new URL(app.url).port));
    let browser: TestBrowser | undefined;
    let a: User | undefined;
    let b: User | undefined;
    try {
      browser = await launch("chromium");
      a = await openUser(browser, proxy.url, "ann");
      b = await openUser(browser, app.url, "bob");
      await connect(a, b);
      await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
      await logStateChanges(a);
      const watch = watchFrames(a);

      const cutAt = Date.now();
      const cut = proxy.cut(3000);
      await a.page.waitForSelector(RECONNECTING, { timeout: 2000 });
      const noticedMs =
        await changedAt(a, "data-status", "reconnecting", cutAt) - cutAt;
      await sleep(1500);
      // Mid-cut: the session is detached, not gone, and shown as such.
      assert.deepEqual(await listedNames(b), ["ann"]);
      await b.page.waitForSelector(
        'li[data-user="ann"][data-user-state=reconnecting]',
      );
      await waitForCallState(b, "connected");
      await cut;
      const restoredAt = Date.now();
      await a.page.waitForSelector(CONNECTED, { timeout: 35_000 });
      const reconnectMs =
        await changedAt(a, "data-status", "connected", cutAt) - restoredAt;
      await watch.stop();
      const flow = frameFlow(watch.samples, cutAt, Date.now());

      assert.equal(await myName(a), "ann");
      assert.ok(
        (await notices(a)).every((n) => !/taken/.test(n)),
        "ann was told her name was taken",
      );
      assert.deepEqual(await listedNames(b), ["ann"]);
      assert.deepEqual(await listedNames(a), ["bob"]);
      assert.ok(proxy.refused > 0, "no reconnect was tried during the cut");
      assert.ok(flow.frames > 0 && flow.longestStallMs < 1500);

      await waitForCallState(a, "connected");
      await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
      await chatAcross(a, b, "I was cut off");
      await chatAcross(b, a, "you are back");
      // The resumed session still holds the call on the server.
      await hangUp(a, b);

      // A reload joins again by itself (name and token kept in the tab).
      const reloadAt = Date.now();
      await a.page.reload();
      await a.page.waitForSelector("[data-testid=my-name]");
      const rejoinMs = Date.now() - reloadAt;
      assert.equal(await myName(a), "ann");
      await eventually(
        "bob sees ann once",
        () => listedNames(b!),
        (n) => n.join() === "ann",
      );
      assert.ok((await notices(a)).every((n) => !/taken/.test(n)));
      await chatAcross(b, a, "welcome back");
      assertNothingUnexpected(a, b);

      console.log(
        `signaling cut: reconnecting shown after ${noticedMs} ms; ` +
          `back ${reconnectMs} ms after the network returned; ` +
          `${proxy.refused} connection attempts refused during the 3 s cut; ` +
          `ann decoded ${flow.frames} frames meanwhile (longest gap ${flow.longestStallMs} ms); ` +
          `a reload rejoined as ann in ${rejoinMs} ms`,
      );
    } finally {
      await closeUsers(a, b);
      await browser?.close();
      proxy.close();
      await app.shutdown();
    }
  },
});

/**
 * Counts `{type: "ice-servers"}` requests the page sends and keeps the TURN
 * usernames of the answers, by wrapping `WebSocket.prototype.send` (the
 * page's socket is already open; its next send installs the listener).
 */
function spyIceServers(user: User): Promise<void> {
  return user.page.evaluate(() => {
    type Spy = { asked: number; got: string[] };
    const g = globalThis as { __e2eIce?: Spy };
    const spy: Spy = g.__e2eIce = { asked: 0, got: [] };
    const send = WebSocket.prototype.send;
    const watched = new WeakSet<WebSocket>();
    WebSocket.prototype.send = function (this: WebSocket, data) {
      if (typeof data === "string" && data.includes('"type":"ice-servers"')) {
        spy.asked++;
      }
      if (!watched.has(this)) {
        watched.add(this);
        this.addEventListener("message", (ev) => {
          const msg = JSON.parse(String(ev.data));
          if (msg.type !== "ice-servers") return;
          const turn = (msg.iceServers as RTCIceServer[]).find((s) =>
            s.username
          );
          spy.got.push(turn?.username ?? "");
        });
      }
      return send.call(this, data);
    };
  });
}

/** What the spy saw, and the TURN username the live connection uses. */
function iceServersSeen(user: User) {
  return user.page.evaluate(() => {
    const g = globalThis as {
      __e2eIce?: { asked: number; got: string[] };
      __parleyPc?: RTCPeerConnection;
    };
    const servers = g.__parleyPc?.getConfiguration().iceServers ?? [];
    return {
      asked: g.__e2eIce?.asked ?? 0,
      got: g.__e2eIce?.got ?? [],
      inUse: servers.find((s) => s.username)?.username ?? null,
    };
  });
}

/**
 * Rings, waits for what ringing prepares (the caller's offer with its
 * candidates gathered, both cameras: a person takes longer than that to
 * reach Accept), clicks Accept inside the page and returns the ms from that
 * click until both views say connected.
 */
async function timedConnect(caller: User, callee: User): Promise<number> {
  await ring(caller, callee);
  await waitForPrepared(caller, callee, true);
  await logStateChanges(caller);
  await logStateChanges(callee);
  const acceptedAt = await callee.page.evaluate(() => {
    const at = Date.now();
    document.querySelector<HTMLButtonElement>("[data-testid=accept-call]")!
      .click();
    return at;
  });
  await Promise.all([
    waitForCallState(caller, "connected"),
    waitForCallState(callee, "connected"),
  ]);
  return Math.max(
    await changedAt(caller, "data-call-state", "connected", acceptedAt),
    await changedAt(callee, "data-call-state", "connected", acceptedAt),
  ) - acceptedAt;
}

Deno.test({
  name:
    "with ?relay=1 and a real coturn the call connects through the relay and the quality badge says relayed; without it, direct",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const turn = await startCoturn();
    // 120 s credentials are within 5 minutes of expiry from the start, so
    // every call also asks for fresh ones ({type: "ice-servers"}).
    const app = await startApp({
      turn: { urls: [turn.url], secret: turn.secret, ttlSeconds: 120 },
    });
    let browser: TestBrowser | undefined;
    const people: (User | undefined)[] = [];
    try {
      browser = await launch("chromium");
      const a = await openUser(browser, app.url, "ann", { path: "/?relay=1" });
      people.push(a);
      const b = await openUser(browser, app.url, "bob", { path: "/?relay=1" });
      people.push(b);
      await spyIceServers(a);
      await spyIceServers(b);
      const relayedMs = await timedConnect(a, b);
      await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
      for (const u of [a, b]) {
        const types = await selectedCandidateTypes(u);
        assert.equal(types.local, "relay", `${u.name}'s own candidate`);
        const badge = "[data-testid=quality][data-path=relayed]";
        await u.page.waitForSelector(badge);
        assert.match(
          (await u.page.getAttribute(badge, "aria-label")) ?? "",
          /relayed through a TURN server/,
        );
        assert.match((await u.page.textContent(badge)) ?? "", /· relayed$/);
        const config = await u.page.evaluate(() =>
          (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc!
            .getConfiguration()
        );
        assert.equal(config.iceTransportPolicy, "relay");
        // 120 s credentials: the call start asked for fresh ones, and the
        // connection runs on the answer.
        const ice = await iceServersSeen(u);
        assert.ok(ice.asked >= 1, `${u.name} did not ask for ICE servers`);
        assert.ok(ice.got.length >= 1, `${u.name} got no ICE servers`);
        assert.equal(ice.inUse, ice.got.at(-1));
      }
      const relayedBadge = await a.page.textContent("[data-testid=quality]");
      await hangUp(a, b);

      // The same app and TURN server without ?relay=1: loopback host pair.
      const c = await openUser(browser, app.url, "cat");
      people.push(c);
      const d = await openUser(browser, app.url, "dan");
      people.push(d);
      const directMs = await timedConnect(c, d);
      for (const u of [c, d]) {
        await u.page.waitForSelector("[data-testid=quality][data-path=direct]");
        assert.notEqual((await selectedCandidateTypes(u)).local, "relay");
      }
      const directBadge = await c.page.textContent("[data-testid=quality]");
      await hangUp(c, d);
      assertNothingUnexpected(a, b, c, d);
      console.log(
        `accept → both connected: relayed through coturn ${relayedMs} ms ` +
          `(badge "${relayedBadge}"), direct ${directMs} ms (badge "${directBadge}")`,
      );
    } finally {
      await closeUsers(...people);
      await browser?.close();
      await app.shutdown();
      await turn.stop();
    }
  },
});

Deno.test({
  name:
    "coturn refuses a credential past its expiry with 401 and gives no relay candidate, while a fresh one works",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const turn = await startCoturn();
    const app = await startApp();
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const page = await browser.newPage();
      await page.goto(app.url);
      const nowSeconds = Date.now() / 1000;
      const expired = await mintTurnCredential(
        turn.secret,
        "late",
        nowSeconds - 7200,
        3600,
      );
      const fresh = await mintTurnCredential(
        turn.secret,
        "fresh",
        nowSeconds,
        600,
      );
      const gather = (server: RTCIceServer) =>
        page.evaluate(async (iceServer) => {
          const pc = new RTCPeerConnection({
            iceServers: [iceServer],
            iceTransportPolicy: "relay",
          });
          const errors: { code: number; text: string }[] = [];
          const candidates: string[] = [];
          pc.onicecandidateerror = (e) =>
            errors.push({ code: e.errorCode, text: e.errorText });
          pc.onicecandidate = (e) => {
            if (e.candidate) candidates.push(e.candidate.candidate);
          };
          pc.createDataChannel("probe");
          await pc.setLocalDescription(await pc.createOffer());
          await new Promise<void>((resolve) => {
            const done = () => pc.iceGatheringState === "complete";
            if (done()) resolve();
            pc.onicegatheringstatechange = () => done() && resolve();
            setTimeout(resolve, 10_000);
          });
          const state = pc.connectionState;
          pc.close();
          return { errors, candidates, state };
        }, server);

      const refused = await gather({
        urls: turn.url,
        username: expired.username,
        credential: expired.credential,
      });
      assert.ok(
        refused.errors.some((e) => e.code === 401),
        `no 401 from coturn: ${JSON.stringify(refused.errors)}`,
      );
      assert.equal(
        refused.candidates.filter((c) => / typ relay /.test(c)).length,
        0,
      );
      // As found before: an expired credential leaves the state at "new",
      // never "failed"; only the error event tells.
      assert.equal(refused.state, "new");

      const accepted = await gather({
        urls: turn.url,
        username: fresh.username,
        credential: fresh.credential,
      });
      assert.ok(
        accepted.candidates.some((c) => / typ relay /.test(c)),
        `no relay candidate with a fresh credential: ${
          JSON.stringify(accepted)
        }`,
      );
      await page.close();
    } finally {
      await browser?.close();
      await app.shutdown();
      await turn.stop();
    }
  },
});
