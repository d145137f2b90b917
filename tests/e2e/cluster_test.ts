/**
 * Two Parley processes on one real Redis, in real Chromium: people on
 * different instances see each other, chat and call (frames decoded on
 * both sides), and when either instance is killed mid-call the video keeps
 * flowing and its user comes back through the load balancer on the other
 * instance, still in the call.
 *
 * Each page reaches the servers through a {@link FailoverProxy}, the test's
 * load balancer: ann's prefers instance 1, bob's instance 2. ann joins
 * first, so the lobby runs on instance 1 and bob's frames are forwarded.
 */
import assert from "node:assert/strict";
import { type AppProcess, startAppProcess } from "../helpers/app_process.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import { FailoverProxy } from "../helpers/failover_proxy.ts";
import { freePort } from "../helpers/ports.ts";
import { type Redis, startRedis } from "../helpers/redis.ts";
import {
  chatAcross,
  closeUsers,
  connect,
  eventually,
  hangUp,
  inboundStats,
  listedNames,
  openUser,
  peerConnectionTag,
  tagPeerConnection,
  type User,
  waitForCallState,
  waitForMediaFlow,
} from "./helpers.ts";

const CONNECTED = "[data-testid=connection-status][data-status=connected]";
const RECONNECTING =
  "[data-testid=connection-status][data-status=reconnecting]";

/** Short leases: a dead instance is noticed within about 1.5 s. */
const LEASE_MS = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface Setup {
  redis: Redis;
  one: AppProcess;
  two: AppProcess;
  /** ann's balancer: instance 1 first. */
  toOne: FailoverProxy;
  /** bob's balancer: instance 2 first. */
  toTwo: FailoverProxy;
}

async function startCluster(): Promise<Setup> {
  const redis = await startRedis();
  const env = { REDIS_URL: redis.url, CLUSTER_LEASE_MS: String(LEASE_MS) };
  const [one, two] = await Promise.all([
    startAppProcess({ port: freePort(), env }),
    startAppProcess({ port: freePort(), env }),
  ]);
  return {
    redis,
    one,
    two,
    toOne: FailoverProxy.start([one.port, two.port]),
    toTwo: FailoverProxy.start([two.port, one.port]),
  };
}

async function stopCluster(setup: Setup | undefined): Promise<void> {
  if (!setup) return;
  setup.toOne.close();
  setup.toTwo.close();
  await Promise.all([setup.one.kill(), setup.two.kill()]);
  await setup.redis.stop();
}

/**
 * Video frames decoded by each user over `ms`, sampled every 200 ms, with
 * the longest time without a new frame.
 */
async function watchVideo(users: User[], ms: number) {
  const last = await Promise.all(
    users.map(async (u) => (await inboundStats(u)).video.framesDecoded),
  );
  const first = [...last];
  const lastGrowth = users.map(() => Date.now());
  const longestGap = users.map(() => 0);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(200);
    await Promise.all(users.map(async (u, i) => {
      const now = (await inboundStats(u)).video.framesDecoded;
      const t = Date.now();
      if (now > last[i]) {
        longestGap[i] = Math.max(longestGap[i], t - lastGrowth[i]);
        lastGrowth[i] = t;
        last[i] = now;
      }
    }));
  }
  return users.map((_, i) => ({
    frames: last[i] - first[i],
    longestGapMs: Math.max(longestGap[i], Date.now() - lastGrowth[i]),
  }));
}

/** Calls across the instances and checks media, presence and chat. */
async function callAcross(a: User, b: User): Promise<void> {
  await eventually(
    "bob is listed for ann",
    () => listedNames(a),
    (n) => n.join() === "bob",
  );
  await eventually(
    "ann is listed for bob",
    () => listedNames(b),
    (n) => n.join() === "ann",
  );
  await chatAcross(a, b, "hello from instance 1");
  await chatAcross(b, a, "hello from instance 2");
  await connect(a, b);
  await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
  await tagPeerConnection(a, "ann-pc");
  await tagPeerConnection(b, "bob-pc");
}

/**
 * Kills `victim` while `a` and `b` are in a call, then checks that the video
 * never stopped, both are connected again, in the same call on the same
 * peer connection, and that signaling works through what is left.
 */
async function survivesKill(
  a: User,
  b: User,
  victim: AppProcess,
  moved: User,
): Promise<string> {
  const killedAt = Date.now();
  const video = watchVideo([a, b], 5000);
  await victim.kill("SIGKILL");
  await moved.page.waitForSelector(RECONNECTING, { timeout: 5000 })
    .catch(() => {
      // The reconnect can finish between two polls of the selector.
    });
  await Promise.all(
    [a, b].map((u) => u.page.waitForSelector(CONNECTED, { timeout: 20_000 })),
  );
  const backMs = Date.now() - killedAt;
  const flows = await video;
  for (const [i, flow] of flows.entries()) {
    const who = [a, b][i].name;
    assert.ok(flow.frames > 20, `${who} decoded ${flow.frames} frames`);
    assert.ok(
      flow.longestGapMs < 1500,
      `${who}'s video stalled ${flow.longestGapMs} ms`,
    );
  }
  await waitForCallState(a, "connected");
  await waitForCallState(b, "connected");
  assert.equal(await peerConnectionTag(a), "ann-pc");
  assert.equal(await peerConnectionTag(b), "bob-pc");
  await eventually(
    "bob is listed for ann again",
    () => listedNames(a),
    (n) => n.join() === "bob",
  );
  await eventually(
    "ann is listed for bob again",
    () => listedNames(b),
    (n) => n.join() === "ann",
  );
  await chatAcross(a, b, "after the kill");
  await chatAcross(b, a, "still here");
  await hangUp(a, b);
  return `both connected again ${backMs} ms after the kill; frames decoded in the 5 s after it: ann ${
    flows[0].frames
  }, bob ${flows[1].frames} (longest gap ${flows[0].longestGapMs} / ${
    flows[1].longestGapMs
  } ms)`;
}

for (
  const { victimName, pick, movedName } of [
    {
      victimName: "the instance bob is connected to",
      pick: (s: Setup) => s.two,
      movedName: "bob",
    },
    {
      victimName: "the instance running the room",
      pick: (s: Setup) => s.one,
      movedName: "ann",
    },
  ] as const
) {
  Deno.test({
    name:
      `people on two instances over Redis chat and call, and killing ${victimName} mid-call keeps the video and the call`,
    ignore: needsBrowsers("chromium"),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      let setup: Setup | undefined;
      let browser: TestBrowser | undefined;
      let a: User | undefined;
      let b: User | undefined;
      try {
        setup = await startCluster();
        browser = await launch("chromium");
        a = await openUser(browser, setup.toOne.url, "ann");
        b = await openUser(browser, setup.toTwo.url, "bob");
        assert.ok((setup.toOne.forwarded.get(setup.one.port) ?? 0) > 0);
        assert.ok((setup.toTwo.forwarded.get(setup.two.port) ?? 0) > 0);
        await callAcross(a, b);
        const moved = movedName === "ann" ? a : b;
        const victim = pick(setup);
        const report = await survivesKill(a, b, victim, moved);
        // The moved user's balancer sent its reconnect to the survivor.
        const balancer = movedName === "ann" ? setup.toOne : setup.toTwo;
        const survivor = victim === setup.one ? setup.two : setup.one;
        assert.ok(
          (balancer.forwarded.get(survivor.port) ?? 0) > 0,
          `${movedName} reconnected to the other instance`,
        );
        console.log(`killed ${victimName}: ${report}`);
      } catch (err) {
        if (setup) {
          console.error(`instance 1 output:\n${setup.one.output()}`);
          console.error(`instance 2 output:\n${setup.two.output()}`);
        }
        throw err;
      } finally {
        await closeUsers(a, b);
        await browser?.close();
        await stopCluster(setup);
      }
    },
  });
}
