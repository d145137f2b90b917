/**
 * The relay's behaviour with users on two instances, each with its own
 * broker on one real store: Redis (a `redis-server` this test starts) and
 * Deno KV (two `Deno.openKv` handles on one file in this process, which is
 * how KV's watch reaches across instances locally). Every scenario runs
 * against both stores.
 */

import assert from "node:assert/strict";
import type { Broker } from "../../../signaling/cluster/broker.ts";
import { KvBroker } from "../../../signaling/cluster/kv_broker.ts";
import { RedisBroker } from "../../../signaling/cluster/redis_broker.ts";
import { granted } from "../../helpers/permissions.ts";
import { wrapBroker } from "./wrap_broker.ts";
import { startRedis } from "../../helpers/redis.ts";
import {
  acceptedCall,
  type Frame,
  parleyUser,
  startServer,
  type TestServer,
  WsClient,
} from "../ws_helpers.ts";

/** Short leases so death and takeover happen within a test. */
const LEASE_MS = 1000;

interface Store {
  /** A broker for one more instance. */
  broker(): Promise<Broker>;
  stop(): Promise<void>;
}

interface Backend {
  name: string;
  ignore: boolean;
  open(): Promise<Store>;
}

const backends: Backend[] = [
  {
    name: "Redis",
    ignore: !granted("net", "read", "write", "env", "run"),
    async open() {
      const redis = await startRedis();
      const brokers: Broker[] = [];
      return {
        async broker() {
          const broker = await RedisBroker.connect({
            url: redis.url,
            leaseMs: LEASE_MS,
          });
          brokers.push(broker);
          return broker;
        },
        async stop() {
          await Promise.all(brokers.map((b) => b.close().catch(() => {})));
          await redis.stop();
        },
      };
    },
  },
  {
    name: "Deno KV",
    ignore: !granted("net", "read", "write", "env"),
    async open() {
      const dir = await Deno.makeTempDir({ prefix: "parley-kv-" });
      const path = `${dir}/cluster.kv`;
      const brokers: Broker[] = [];
      return {
        async broker() {
          const broker = KvBroker.open({
            kv: await Deno.openKv(path),
            leaseMs: LEASE_MS,
            closeKv: true,
          });
          brokers.push(broker);
          return broker;
        },
        async stop() {
          await Promise.all(brokers.map((b) => b.close().catch(() => {})));
          await Deno.remove(dir, { recursive: true }).catch(() => {});
        },
      };
    },
  },
];

/** Two instances on one store; `a` runs the room when its user comes first. */
interface Cluster {
  a: TestServer;
  b: TestServer;
  store: Store;
  /** One more instance on the same store. */
  add(): Promise<TestServer>;
}

async function withCluster(
  backend: Backend,
  fn: (cluster: Cluster) => Promise<void>,
): Promise<void> {
  const store = await backend.open();
  const servers: TestServer[] = [];
  const add = async () => {
    const server = await startServer({
      presenceTickMs: 10,
      broker: await store.broker(),
    });
    servers.push(server);
    return server;
  };
  try {
    const a = await add();
    const b = await add();
    await fn({ a, b, store, add });
  } finally {
    await Promise.all(servers.map((s) => s.close().catch(() => {})));
    await store.stop();
  }
}

/** Presence deltas until `names` have all joined (in any order). */
async function seeJoin(client: WsClient, ...names: string[]): Promise<Frame[]> {
  const joined: Frame[] = [];
  while (!names.every((n) => joined.some((u) => u.name === n))) {
    joined.push(...(await client.next("presence")).joined);
  }
  return joined;
}

for (const backend of backends) {
  const test = (name: string, fn: (c: Cluster) => Promise<void>) =>
    Deno.test({
      name: `${backend.name}: ${name}`,
      ignore: backend.ignore,
      fn: () => withCluster(backend, fn),
    });

  test("users on two instances see each other, keep names unique and chat", async ({ a, b }) => {
    const ann = await parleyUser(a.url, "Ann");
    const bob = await parleyUser(b.url, "Bob");
    if (bob.welcome.users.length === 0) await seeJoin(bob.client, "Ann");
    await seeJoin(ann.client, "Bob");

    const twin = await parleyUser(b.url, "ann");
    assert.equal(twin.welcome.name, "ann 2");
    assert.equal(twin.welcome.renamed, true);
    await seeJoin(ann.client, "ann 2");

    bob.client.send({ type: "chat", text: "hi from b" });
    for (const c of [ann.client, bob.client, twin.client]) {
      const chat = await c.next("chat");
      assert.equal(chat.from, "Bob");
      assert.equal(chat.text, "hi from b");
    }
    await twin.client.close();
    const left = await ann.client.next((f) =>
      f.type === "presence" && f.left.length > 0
    );
    assert.equal(left.left.length, 1);
    await ann.client.close();
    await bob.client.close();
  });

  test("a call across instances rings, connects, relays signals both ways and hangs up", async ({ a, b }) => {
    const ann = (await parleyUser(a.url, "Ann")).client;
    const bob = (await parleyUser(b.url, "Bob")).client;
    await seeJoin(ann, "Bob");
    ann.send({ type: "call", to: "Bob" });
    const { callId } = await ann.next("ringing");
    const incoming = await bob.next("incoming");
    assert.equal(incoming.from, "Ann");
    assert.equal(incoming.callId, callId);
    const busy = await ann.next((f) =>
      f.type === "presence" &&
      f.changed?.some((u: Frame) => u.name === "Bob" && u.state === "busy")
    );
    assert.ok(busy);

    // A third user on the other instance hears busy.
    const cat = (await parleyUser(b.url, "Cat")).client;
    cat.send({ type: "call", to: "ann" });
    assert.equal((await cat.next("ended")).reason, "busy");

    bob.send({ type: "accept", callId });
    assert.equal((await ann.next("accepted")).callId, callId);
    await bob.next("accepted");
    const sdp = { type: "offer", sdp: "v=0 " + "x".repeat(2000) };
    ann.send({ type: "signal", callId, description: sdp });
    const got = await bob.next("signal");
    assert.equal(got.callId, callId);
    assert.deepEqual(got.description, sdp);
    bob.send({ type: "signal", callId, candidate: { candidate: "c" } });
    assert.equal((await ann.next("signal")).callId, callId);

    bob.send({ type: "hangup", callId });
    const ended = await ann.next("ended");
    assert.equal(ended.reason, "hangup");
    for (const c of [ann, bob, cat]) await c.close();
  });

  test("bad input through a forwarding instance gets the same errors and closes", async ({ a, b }) => {
    const ann = (await parleyUser(a.url, "Ann")).client;
    const bob = (await parleyUser(b.url, "Bob")).client;
    bob.send("{not json");
    assert.equal((await bob.next("error")).code, "bad-json");
    bob.send({ type: "call", to: "nobody" });
    assert.equal((await bob.next("error")).code, "unknown-user");
    bob.send({ type: "signal", callId: "x", candidate: null });
    assert.equal((await bob.next("error")).code, "no-call");
    bob.send(new Uint8Array([1, 2, 3]));
    assert.equal((await bob.next("error")).code, "bad-json");

    const flood = (await parleyUser(b.url, "Flood")).client;
    for (let i = 0; i < 200; i++) flood.send({ type: "ping" });
    assert.equal((await flood.next("error")).code, "rate-limited");

    const big = (await parleyUser(b.url, "Big")).client;
    big.send({ type: "chat", text: "x".repeat(70 * 1024) });
    assert.equal((await big.closed).code, 1009);

    // Nobody else was affected.
    ann.send({ type: "chat", text: "still here" });
    assert.equal((await bob.next("chat")).text, "still here");
    for (const c of [ann, bob, flood]) await c.close();
  });

  test("a session resumes on the other instance with its call", async ({ a, b }) => {
    const ann = (await parleyUser(a.url, "Ann")).client;
    const bobLogin = await parleyUser(b.url, "Bob");
    const bob = bobLogin.client;
    await seeJoin(ann, "Bob");
    const callId = await acceptedCall(ann, bob, "Bob");

    await bob.close(4000);
    const again = await WsClient.open(a.url, "parley.v1");
    again.send({ type: "login", name: "Bob", resume: bobLogin.welcome.resume });
    const welcome = await again.next("welcome");
    assert.equal(welcome.resumed, true);
    assert.equal(welcome.name, "Bob");
    assert.equal(welcome.call?.callId, callId);
    ann.send({ type: "signal", callId, candidate: null });
    assert.equal((await again.next("signal")).callId, callId);
    assert.equal(
      ann.frames.filter((f) => f.type === "ended").length,
      0,
      "the call never ended",
    );
    await ann.close();
    await again.close();
  });

  test("the MDN tutorial client on one instance calls a tutorial client on the other", async ({ a, b }) => {
    const tutorial = async (url: string, name: string) => {
      const ws = await WsClient.open(url, "json");
      const { id } = await ws.next("id");
      ws.send({ name, date: Date.now(), id, type: "username" });
      return ws;
    };
    const ann = await tutorial(a.url, "Ann");
    await ann.next((f) => f.type === "userlist" && f.users.includes("Ann"));
    const bob = await tutorial(b.url, "Bob");
    await bob.next((f) =>
      f.type === "userlist" && f.users.join() === "Ann,Bob"
    );
    await ann.next((f) =>
      f.type === "userlist" && f.users.join() === "Ann,Bob"
    );
    const offer = { type: "offer", sdp: "v=0 offer" };
    ann.send({ type: "video-offer", name: "Ann", target: "Bob", sdp: offer });
    assert.deepEqual((await bob.next("video-offer")).sdp, offer);
    bob.send({
      type: "video-answer",
      name: "Bob",
      target: "Ann",
      sdp: { type: "answer", sdp: "v=0 answer" },
    });
    assert.equal((await ann.next("video-answer")).name, "Bob");
    bob.send({ type: "hang-up", name: "Bob", target: "Ann" });
    assert.equal((await ann.next("hang-up")).name, "Bob");
    await ann.close();
    await bob.close();
  });

  test("a decline and a peer leaving mid-call reach the other instance", async ({ a, b }) => {
    const ann = (await parleyUser(a.url, "Ann")).client;
    const bob = (await parleyUser(b.url, "Bob")).client;
    await seeJoin(ann, "Bob");
    ann.send({ type: "call", to: "Bob" });
    let { callId } = await ann.next("ringing");
    await bob.next("incoming");
    bob.send({ type: "decline", callId });
    assert.equal((await ann.next("ended")).reason, "declined");

    bob.send({ type: "call", to: "Ann" });
    ({ callId } = await bob.next("ringing"));
    await ann.next("incoming");
    ann.send({ type: "accept", callId });
    await bob.next("accepted");
    await ann.close();
    const ended = await bob.next("ended");
    assert.equal(ended.reason, "peer-left");
    assert.equal(ended.callId, callId);
    await bob.close();
  });

  Deno.test({
    name:
      `${backend.name}: a socket forwarded while the owner's own claim is still on its way waits instead of being refused`,
    ignore: backend.ignore,
    async fn() {
      const store = await backend.open();
      // The owner learns it won 300 ms late: the other instance reads the
      // lease and forwards its socket in between.
      const a = await startServer({
        presenceTickMs: 10,
        broker: slowClaims(await store.broker(), 300),
      });
      const b = await startServer({
        presenceTickMs: 10,
        broker: await store.broker(),
      });
      try {
        const annOpen = WsClient.open(`${a.url}?room=late`, "parley.v1");
        await new Promise((r) => setTimeout(r, 100));
        const bob = await WsClient.open(`${b.url}?room=late`, "parley.v1");
        bob.send({ type: "login", name: "Bob" });
        const ann = await annOpen;
        ann.send({ type: "login", name: "Ann" });
        assert.equal((await bob.next("welcome", 5000)).name, "Bob");
        assert.equal((await ann.next("welcome", 5000)).name, "Ann");
        await seeJoin(bob, "Ann");
        await ann.close();
        await bob.close();
      } finally {
        await a.close();
        await b.close();
        await store.stop();
      }
    },
  });

  test("when the instance running the room shuts down, its users move and calls are restored by claim", async ({ a, b }) => {
    const ann = (await parleyUser(a.url, "Ann")).client;
    const bob = (await parleyUser(b.url, "Bob")).client;
    await seeJoin(ann, "Bob");
    const callId = await acceptedCall(ann, bob, "Bob");

    await a.close();
    assert.equal((await bob.closed).code, 1012, "told to reconnect");
    assert.equal(
      bob.frames.filter((f) => f.type === "ended").length,
      0,
      "no peer-left on the way out",
    );
    // Both reconnect to the instance left, claiming their call.
    const bob2 = await WsClient.open(b.url, "parley.v1");
    bob2.send({
      type: "login",
      name: "Bob",
      call: { callId, peer: "Ann", polite: true },
    });
    await bob2.next("welcome");
    const ann2 = await WsClient.open(b.url, "parley.v1");
    ann2.send({
      type: "login",
      name: "Ann",
      call: { callId, peer: "Bob", polite: false },
    });
    await ann2.next("welcome");
    assert.equal((await ann2.next("call-restored")).callId, callId);
    assert.equal((await bob2.next("call-restored")).callId, callId);
    await ann2.close();
    await bob2.close();
  });
}

/** `broker` whose claims answer `ms` late (after taking effect in the store). */
function slowClaims(broker: Broker, ms: number): Broker {
  return wrapBroker(broker, {
    async claim(room) {
      const owner = await broker.claim(room);
      await new Promise((r) => setTimeout(r, ms));
      return owner;
    },
  });
}
