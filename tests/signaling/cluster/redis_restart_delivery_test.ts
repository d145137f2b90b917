/**
 * Frames across a Redis that is killed and comes back empty, again and
 * again, while two users on two instances keep signaling to each other:
 * every frame sent to a user arrives, once and in order. Around every
 * other restart the forwarded user's connection drops and resumes after
 * Redis is back, so what was queued for it while it was away crosses the
 * restarted Redis too.
 */

import assert from "node:assert/strict";
import { createClient } from "@redis/client";
import { RedisBroker } from "../../../signaling/cluster/redis_broker.ts";
import { needsRun } from "../../helpers/permissions.ts";
import { startRedis } from "../../helpers/redis.ts";
import { collect, withRedisPair } from "./redis_pair.ts";
import {
  acceptedCall,
  type Frame,
  parleyUser,
  sleep,
  startServer,
  type TestServer,
  until,
  WsClient,
} from "../ws_helpers.ts";

const LEASE_MS = 1000;
const RESTARTS = 20;
/** A candidate from each user this often, and a chat from Ann every tenth. */
const SEND_EVERY_MS = 5;

/**
 * One user in the call: sends numbered candidates while its socket is open,
 * records the numbers it receives, and resumes its session on `home` when
 * the server closes its socket.
 */
class Caller {
  readonly got: number[] = [];
  readonly chats: number[] = [];
  sent = 0;
  resumes = 0;
  /** While set, nothing is sent (the test holds a user's sending still). */
  paused = false;
  failure: string | null = null;
  #client: WsClient;
  #token: string;
  #stopped = false;
  /** The test dropped the connection and resumes it itself. */
  #dropped = false;
  #reconnecting: Promise<void> | null = null;

  constructor(
    readonly name: string,
    readonly home: TestServer,
    readonly callId: string,
    client: WsClient,
    token: string,
  ) {
    this.#client = client;
    this.#token = token;
    this.#watch(client);
  }

  get open(): boolean {
    return this.#client.socket.readyState === WebSocket.OPEN &&
      this.#reconnecting === null && !this.paused;
  }

  /** One numbered candidate to the peer; false if the socket is not open. */
  sendCandidate(): boolean {
    if (!this.open) return false;
    this.#client.send({
      type: "signal",
      callId: this.callId,
      candidate: { candidate: String(this.sent++) },
    });
    return true;
  }

  sendChat(n: number): boolean {
    if (!this.open) return false;
    this.#client.send({ type: "chat", text: String(n) });
    return true;
  }

  /** Drops the connection the way a lost network does (resumable). */
  async drop(): Promise<void> {
    this.#dropped = true;
    await this.#client.close(4000);
  }

  /** Resumes after {@linkcode drop}; false if that failed. */
  async resume(): Promise<boolean> {
    this.#dropped = false;
    this.#reconnecting = this.#resume(4000).finally(() => {
      this.#reconnecting = null;
    });
    await this.#reconnecting;
    return this.failure === null;
  }

  async close(): Promise<void> {
    this.#stopped = true;
    await this.#reconnecting;
    await this.#client.close().catch(() => {});
  }

  #watch(client: WsClient): void {
    client.socket.addEventListener("message", (e) => {
      if (client !== this.#client || typeof e.data !== "string") return;
      this.#take(JSON.parse(e.data));
    });
    client.closed.then((event) => {
      if (this.#stopped || this.#dropped || client !== this.#client) return;
      this.#reconnecting = this.#resume(event.code).finally(() => {
        this.#reconnecting = null;
      });
    });
  }

  /** Keeps the numbers a signal or another user's chat line carries. */
  #take(frame: Frame): void {
    if (frame.type === "signal") {
      this.got.push(Number(frame.candidate.candidate));
    } else if (frame.type === "chat" && frame.from !== this.name) {
      this.chats.push(Number(frame.text));
    }
  }

  async #resume(code: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!this.#stopped && Date.now() < deadline) {
      try {
        const { client, welcome } = await parleyUser(this.home.url, this.name, {
          resume: this.#token,
        });
        if (!welcome.resumed) {
          this.failure = `${this.name} could not resume after ${code}`;
          return;
        }
        if (welcome.call?.callId !== this.callId) {
          this.failure = `${this.name} resumed without its call`;
          return;
        }
        // Frames queued for the detached session follow the welcome.
        this.#token = welcome.resume;
        this.#client = client;
        this.#watch(client);
        for (const frame of client.frames.splice(0)) this.#take(frame);
        this.resumes++;
        return;
      } catch {
        // Refused (1013) while Redis is away: try again shortly.
        await sleep(100);
      }
    }
    this.failure ??= `${this.name} could not reconnect after ${code}`;
  }
}

/** Whether `got` is exactly 0, 1, …, n-1. */
function firstGap(got: number[], n: number): string | null {
  for (let i = 0; i < Math.max(got.length, n); i++) {
    if (got[i] !== i) {
      return `at ${i}: expected ${i < n ? i : "nothing"}, got ${
        got.slice(Math.max(0, i - 3), i + 4).join(",")
      } (${got.length} received of ${n})`;
    }
  }
  return null;
}

Deno.test({
  name:
    "across twenty kills and empty restarts of Redis under steady traffic, every frame reaches the other instance's user once and in order, also after it resumed",
  ignore: needsRun,
  async fn() {
    const redis = await startRedis();
    const options = {
      presenceTickMs: 10,
      ratePerSecond: 1000,
      rateBurst: 1000,
    };
    const a = await startServer({
      ...options,
      broker: await RedisBroker.connect({ url: redis.url, leaseMs: LEASE_MS }),
    });
    const b = await startServer({
      ...options,
      broker: await RedisBroker.connect({ url: redis.url, leaseMs: LEASE_MS }),
    });
    let timer: ReturnType<typeof setInterval> | undefined;
    const callers: Caller[] = [];
    try {
      // Ann's instance runs the room; Bob's socket is forwarded to it.
      const annLogin = await parleyUser(a.url, "Ann");
      const bobLogin = await parleyUser(b.url, "Bob");
      const callId = await acceptedCall(
        annLogin.client,
        bobLogin.client,
        "Bob",
      );
      const ann = new Caller(
        "Ann",
        a,
        callId,
        annLogin.client,
        annLogin.welcome.resume,
      );
      const bob = new Caller(
        "Bob",
        b,
        callId,
        bobLogin.client,
        bobLogin.welcome.resume,
      );
      callers.push(ann, bob);
      let chatsSent = 0;
      let ticks = 0;
      timer = setInterval(() => {
        ann.sendCandidate();
        bob.sendCandidate();
        if (++ticks % 10 === 0 && ann.sendChat(chatsSent)) chatsSent++;
      }, SEND_EVERY_MS);

      const started = Date.now();
      for (let i = 0; i < RESTARTS; i++) {
        await sleep(150);
        const dropBob = i % 2 === 1;
        if (dropBob) {
          // Frames on their way to a socket that drops are lost with it, on
          // one instance as on two; what the test asks is that those sent
          // once the session is detached reach the user when it resumes. So
          // Ann holds still until Bob has everything, and until Ann's
          // instance has detached Bob's session.
          ann.paused = true;
          assert.ok(
            await until(
              () =>
                bob.got.length === ann.sent && bob.chats.length === chatsSent,
              5000,
            ),
            "Bob caught up before dropping",
          );
          await bob.drop();
          assert.ok(
            await until(() => a.signaling.stats().detached === 1, 5000),
            "Bob's session detached",
          );
          ann.paused = false;
          await sleep(50);
        }
        await redis.restart({ downMs: 50 + (i % 4) * 100 });
        const healthy = await until(
          () => a.signaling.health() === "ok" && b.signaling.health() === "ok",
          10_000,
        );
        assert.ok(healthy, `both instances healthy after restart ${i + 1}`);
        if (dropBob) assert.ok(await bob.resume(), bob.failure ?? "");
        assert.equal(ann.failure ?? bob.failure, null);
      }
      await sleep(300);
      clearInterval(timer);
      timer = undefined;
      const restartsMs = Date.now() - started;

      const all = await until(
        () =>
          ann.open && bob.open && bob.got.length >= ann.sent &&
          ann.got.length >= bob.sent && bob.chats.length >= chatsSent,
        15_000,
      );
      assert.equal(ann.failure ?? bob.failure, null);
      const resyncs = (a.signaling.stats().cluster?.resyncs ?? 0) +
        (b.signaling.stats().cluster?.resyncs ?? 0);
      const roomsLost = (a.signaling.stats().cluster?.roomsLost ?? 0) +
        (b.signaling.stats().cluster?.roomsLost ?? 0);
      console.log(
        `${RESTARTS} restarts in ${restartsMs} ms: Ann sent ${ann.sent} candidates and ${chatsSent} chats, Bob ${bob.sent}; ` +
          `resyncs ${resyncs}, rooms lost ${roomsLost}, Bob resumed ${bob.resumes}×, Ann ${ann.resumes}×`,
      );
      assert.ok(
        all,
        `everything arrived: ${
          firstGap(bob.got, ann.sent) ?? firstGap(ann.got, bob.sent) ??
            firstGap(bob.chats, chatsSent)
        }`,
      );
      // Ann's socket is never closed on her (her room runs on her instance),
      // so everything she sent reached the server: all of it reaches Bob.
      assert.equal(roomsLost, 0, "the room stayed where it ran");
      assert.equal(ann.resumes, 0);
      assert.equal(bob.resumes, RESTARTS / 2, "Bob resumed after each drop");
      assert.equal(firstGap(bob.got, ann.sent), null, "Ann's candidates");
      assert.equal(firstGap(bob.chats, chatsSent), null, "Ann's chats");
      assert.equal(firstGap(ann.got, bob.sent), null, "Bob's candidates");
    } finally {
      if (timer !== undefined) clearInterval(timer);
      for (const c of callers) await c.close();
      await a.close();
      await b.close();
      await redis.stop();
    }
  },
});

Deno.test({
  name:
    "RedisBroker sends again what an emptied Redis had taken but nobody read, once and in order, and lets go of what was read",
  ignore: needsRun,
  fn: () =>
    withRedisPair(async ({ redis, sender, receiver }) => {
      // Taken by Redis (the XADDs answered), never read: the receiver has
      // not started.
      for (let i = 0; i < 100; i++) sender.send(receiver.self, String(i));
      const inbox = `parley:inbox:${receiver.self}`;
      const admin = createClient({ url: redis.url });
      await admin.connect();
      let entries = 0;
      for (let i = 0; i < 100 && entries === 0; i++) {
        entries = await admin.xLen(inbox);
        await sleep(10);
      }
      assert.ok(entries > 0, "the entries reached Redis");
      await admin.close();

      await redis.restart();
      // Each broker reconnects on its own; the receiver starts once it has.
      assert.ok(await until(() => sender.healthy && receiver.healthy, 10_000));
      for (let i = 100; i < 110; i++) sender.send(receiver.self, String(i));
      const { got, gaps } = await collect(receiver, Number);
      await until(() => got.length >= 110, 5000);
      await sleep(100);
      assert.equal(firstGap(got, 110), null);
      assert.deepEqual(gaps, [], "no gap: nothing was missing");

      // Read and acknowledged: after one more empty restart nothing of it
      // comes back. The receiver stops reading first, so what would come
      // back stays in its inbox for the test to see.
      const acked = createClient({ url: redis.url });
      await acked.connect();
      assert.ok(
        await (async () => {
          for (let i = 0; i < 100; i++) {
            if (
              await acked.hGet(`parley:acked:${receiver.self}`, sender.self) ===
                "111"
            ) return true;
            await sleep(10);
          }
          return false;
        })(),
        "the receiver wrote how far it has read",
      );
      await acked.close();
      await sleep(300); // the sender has asked since
      await receiver.close();
      await redis.restart();
      assert.ok(await until(() => sender.healthy, 10_000));
      await sleep(300);
      const after = createClient({ url: redis.url });
      await after.connect();
      assert.equal(await after.exists(inbox), 0, "nothing sent again");
      await after.close();
    }),
});

Deno.test({
  name:
    "after Redis comes back empty, another instance's claim of a room finds the room's live holder, not a free lease; a new room is still taken",
  ignore: needsRun,
  fn: () =>
    withRedisPair(async ({ redis, sender: holder, receiver: other }) => {
      await holder.start(() => {});
      await other.start(() => {});
      assert.equal(await holder.claim("r"), holder.self);
      await redis.restart();
      assert.ok(
        await until(() => holder.healthy && other.healthy, 10_000),
        "both back",
      );
      assert.equal(await other.claim("r"), holder.self);
      // A room nobody ran is still taken, once holders had their chance.
      assert.equal(await other.claim("new"), other.self);
    }),
});

Deno.test({
  name:
    "RedisBroker: sends refused while Redis is down (too many, or too many characters) show to the receiver as a gap",
  ignore: needsRun,
  fn: () =>
    withRedisPair(async ({ redis, sender, receiver }) => {
      const { got, gaps } = await collect(receiver);
      const restart = redis.restart({ downMs: 300 });
      assert.ok(await until(() => !sender.healthy, 5000));
      // One too long for the characters left, then one past the count.
      sender.send(receiver.self, "a".repeat(200));
      sender.send(receiver.self, "b".repeat(200));
      for (let i = 0; i < 5; i++) sender.send(receiver.self, `${i}`);
      await restart;
      assert.ok(await until(() => sender.healthy && receiver.healthy, 10_000));
      await until(() => got.length === 5, 5000);
      assert.deepEqual(gaps, [], "not seen until something follows");
      sender.send(receiver.self, "after");
      await until(() => got.length === 6, 5000);
      assert.deepEqual(got, ["a".repeat(200), "0", "1", "2", "3", "after"]);
      assert.deepEqual(gaps, [sender.self]);
    }, { sender: { sendBufferLimit: 5, sendBufferChars: 300 } }),
});

Deno.test({
  name:
    "RedisBroker holds at most unackedLimit messages unread and says once when it let some go",
  ignore: needsRun,
  async fn() {
    const records: Record<string, unknown>[] = [];
    await withRedisPair(async ({ redis, sender, receiver }) => {
      // The receiver has not started: nothing is read, nothing acknowledged.
      // Three entries (one per burst); what goes, goes an entry at a time.
      for (const burst of [[0, 1, 2], [3, 4], [5, 6, 7]]) {
        for (const i of burst) sender.send(receiver.self, String(i));
        await sleep(50);
      }
      const evicted = records.filter((r) =>
        r.code === "broker-unacked-evicted"
      );
      assert.deepEqual(evicted.map((r) => r.count), [3], "said once");

      // An emptied Redis then loses 0–4 for good: 5–7 come back, after a gap.
      await redis.restart();
      assert.ok(await until(() => sender.healthy && receiver.healthy, 10_000));
      const { got, gaps } = await collect(receiver);
      await until(() => got.length === 3, 5000);
      await sleep(100);
      assert.deepEqual(got, ["5", "6", "7"]);
      assert.deepEqual(gaps, [sender.self]);
    }, { sender: { unackedLimit: 3, logger: (r) => records.push(r) } });
  },
});
