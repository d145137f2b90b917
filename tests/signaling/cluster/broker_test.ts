/**
 * The Broker contract, run against both implementations: RedisBroker on a
 * throwaway redis-server, and KvBroker with each instance on its own
 * `Deno.openKv` handle to one temporary file (in one process, since a KV
 * watch does not see another process's writes). Then what only Redis can
 * be made to do here: restart empty, and stay down for a while.
 */
import assert from "node:assert/strict";
import type { Broker, InstanceId } from "../../../signaling/cluster/broker.ts";
import { KvBroker } from "../../../signaling/cluster/kv_broker.ts";
import { RedisBroker } from "../../../signaling/cluster/redis_broker.ts";
import type { LogRecord } from "../../../signaling/log.ts";
import { needsRun, needsWrite } from "../../helpers/permissions.ts";
import { type Redis, startRedis } from "../../helpers/redis.ts";

/**
 * Lease length in these tests: short, so that expiry tests are quick, yet
 * long enough that a lease does not run out between two steps of a test
 * about something else while the browser tests load the machine.
 */
const LEASE_MS = 1000;

interface InstanceOptions {
  leaseMs?: number;
  logger?: (record: LogRecord) => void;
  sendBufferLimit?: number;
}

/** One store for one test; it closes every broker it made. */
interface Store {
  instance(options?: InstanceOptions): Promise<Broker>;
  cleanup(): Promise<void>;
}

interface Backend {
  name: string;
  ignore: boolean;
  open(): Promise<Store>;
}

function tracked(
  make: (options: InstanceOptions) => Promise<Broker>,
  teardown: () => Promise<void>,
): Store {
  const made: Broker[] = [];
  return {
    async instance(options = {}) {
      const broker = await make(options);
      made.push(broker);
      return broker;
    },
    async cleanup() {
      await Promise.all(made.map((broker) => broker.close()));
      await teardown();
    },
  };
}

const redisBackend: Backend = {
  name: "RedisBroker",
  ignore: needsRun,
  async open() {
    const redis = await startRedis();
    return tracked(
      (options) =>
        RedisBroker.connect({
          url: redis.url,
          leaseMs: LEASE_MS,
          ...options,
        }),
      () => redis.stop(),
    );
  },
};

const kvBackend: Backend = {
  name: "KvBroker",
  ignore: needsWrite,
  async open() {
    const dir = await Deno.makeTempDir({ prefix: "parley-kv-" });
    return tracked(
      async (options) =>
        KvBroker.open({
          kv: await Deno.openKv(`${dir}/kv.sqlite3`),
          closeKv: true,
          leaseMs: LEASE_MS,
          ...options,
        }),
      () => Deno.remove(dir, { recursive: true }),
    );
  },
};

/** Registers `fn` as one test per backend, with a fresh store each. */
function contract(name: string, fn: (store: Store) => Promise<void>): void {
  for (const backend of [redisBackend, kvBackend]) {
    Deno.test({
      name: `${backend.name}: ${name}`,
      ignore: backend.ignore,
      async fn() {
        const store = await backend.open();
        try {
          await fn(store);
        } finally {
          await store.cleanup();
        }
      },
    });
  }
}

/** Resolves once `condition()` holds; fails the test after `timeoutMs`. */
async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects what a started broker receives, per sender. */
class Inbox {
  readonly from = new Map<InstanceId, string[]>();
  count = 0;
  readonly handler = (from: InstanceId, message: string) => {
    let list = this.from.get(from);
    if (!list) this.from.set(from, list = []);
    list.push(message);
    this.count++;
  };
  of(sender: Broker): string[] {
    return this.from.get(sender.self) ?? [];
  }
}

async function started(
  store: Store,
  options?: InstanceOptions,
): Promise<{ broker: Broker; inbox: Inbox }> {
  const broker = await store.instance(options);
  const inbox = new Inbox();
  await broker.start(inbox.handler);
  return { broker, inbox };
}

const numbered = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`);

// --- messages ---

contract(
  "messages arrive in order per sender, both directions between two instances",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    const aToB = numbered("a→b ", 300);
    const bToA = numbered("b→a ", 300);
    for (let i = 0; i < 300; i++) {
      a.broker.send(b.broker.self, aToB[i]);
      b.broker.send(a.broker.self, bToA[i]);
      // Spread over several ticks, so there is more than one batch.
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(
      "300 messages each way",
      () => a.inbox.count === 300 && b.inbox.count === 300,
    );
    assert.deepEqual(b.inbox.of(a.broker), aToB);
    assert.deepEqual(a.inbox.of(b.broker), bToA);
  },
);

contract(
  "messages from two senders to one receiver keep each sender's order",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    const c = await started(store);
    for (let i = 0; i < 200; i++) {
      a.broker.send(c.broker.self, `a${i}`);
      b.broker.send(c.broker.self, `b${i}`);
      if (i % 40 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until("400 messages at c", () => c.inbox.count === 400);
    assert.deepEqual(c.inbox.of(a.broker), numbered("a", 200));
    assert.deepEqual(c.inbox.of(b.broker), numbered("b", 200));
  },
);

contract(
  "10,000 sends in one tick all arrive, once each and in order",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    const sent = numbered(`{"type":"frame","n":`, 10_000);
    for (const message of sent) a.broker.send(b.broker.self, message);
    await until("10,000 messages", () => b.inbox.count >= 10_000, 10_000);
    // Nothing more arrives late (a duplicate would).
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(b.inbox.count, 10_000);
    assert.deepEqual(b.inbox.of(a.broker), sent);
  },
);

contract(
  "messages up to 256 KiB, and non-ASCII text, arrive intact among small ones",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    const big = "x".repeat(256 * 1024);
    // 259,000 UTF-16 code units: two-byte characters, a surrogate pair,
    // and characters JSON must escape.
    const wide = 'é€😀\n"\\'.repeat(37_000);
    const sent = ["small 1", big, "small 2", wide, "small 3"];
    for (const message of sent) a.broker.send(b.broker.self, message);
    await until("5 messages", () => b.inbox.count === sent.length);
    assert.equal(b.inbox.of(a.broker).length, sent.length);
    b.inbox.of(a.broker).forEach((got, i) =>
      assert.ok(got === sent[i], `message ${i} differs`)
    );
  },
);

contract("an instance can send to itself", async (store) => {
  const a = await started(store);
  a.broker.send(a.broker.self, "to me");
  await until("the message", () => a.inbox.count === 1);
  assert.deepEqual(a.inbox.of(a.broker), ["to me"]);
});

contract("a throwing handler does not stop later messages", async (store) => {
  const a = await started(store);
  const b = await store.instance({ logger: () => {} });
  const got: string[] = [];
  await b.start((_, message) => {
    if (message === "boom") throw new Error("handler failed");
    got.push(message);
  });
  a.broker.send(b.self, "1");
  a.broker.send(b.self, "boom");
  a.broker.send(b.self, "2");
  await until("both good messages", () => got.length === 2);
  assert.deepEqual(got, ["1", "2"]);
});

contract("close() stops delivery to the closed instance", async (store) => {
  const a = await started(store);
  const b = await started(store);
  a.broker.send(b.broker.self, "before");
  await until("the first message", () => b.inbox.count === 1);
  await b.broker.close();
  a.broker.send(b.broker.self, "after");
  b.broker.send(a.broker.self, "from a closed instance"); // no-op, no throw
  // A marker after "after": once it is through, "after" would be too.
  a.broker.send(a.broker.self, "marker");
  await until("the marker", () => a.inbox.count === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(b.inbox.of(a.broker), ["before"]);
  assert.deepEqual(a.inbox.of(b.broker), []);
});

// --- leases ---

contract(
  "the first claimer wins and the second gets the first's id",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    assert.equal(await a.broker.claim("lobby"), a.broker.self);
    assert.equal(await b.broker.claim("lobby"), a.broker.self);
    assert.equal(await a.broker.claim("lobby"), a.broker.self);
    assert.equal(await b.broker.claim("other"), b.broker.self);
  },
);

contract(
  "concurrent claims from two instances agree on one owner per room",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    const rooms = numbered("room-", 40);
    const [byA, byB] = await Promise.all([
      Promise.all(rooms.map((room) => a.broker.claim(room))),
      Promise.all(rooms.map((room) => b.broker.claim(room))),
    ]);
    assert.deepEqual(byA, byB);
    for (const owner of byA) {
      assert.ok(owner === a.broker.self || owner === b.broker.self);
    }
  },
);

contract("renew keeps a lease well past leaseMs", async (store) => {
  const a = await started(store);
  const b = await started(store);
  assert.equal(await a.broker.claim("kept"), a.broker.self);
  const end = Date.now() + 3 * LEASE_MS;
  while (Date.now() < end) {
    assert.deepEqual(await a.broker.renew(["kept"]), []);
    await new Promise((r) => setTimeout(r, LEASE_MS / 3));
  }
  assert.equal(await b.broker.claim("kept"), a.broker.self);
});

contract(
  "renew reports rooms another instance holds, and re-takes vanished ones",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    assert.equal(await b.broker.claim("theirs"), b.broker.self);
    // "free" was never claimed: renewing it takes it, as after a restart.
    assert.deepEqual(await a.broker.renew(["theirs", "free"]), ["theirs"]);
    assert.equal(await b.broker.claim("free"), a.broker.self);
    assert.equal(await a.broker.claim("theirs"), b.broker.self);
  },
);

contract(
  "a lease whose owner stopped renewing is taken over after leaseMs",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    // The lease is written during the claim: no sooner than this.
    const stopped = Date.now();
    assert.equal(await a.broker.claim("orphan"), a.broker.self);
    assert.equal(await b.broker.claim("orphan"), a.broker.self);
    await until(
      "b to take the room over",
      async () => (await b.broker.claim("orphan")) === b.broker.self,
      5 * LEASE_MS,
    );
    assert.ok(Date.now() - stopped >= LEASE_MS * 0.9, "taken over too early");
    await b.broker.renew(["orphan"]); // b's own mark is as old as a's
    // The old owner learns it lost the room at its next renewal.
    assert.deepEqual(await a.broker.renew(["orphan"]), ["orphan"]);
    assert.equal(await a.broker.claim("orphan"), b.broker.self);
  },
);

contract(
  "a live owner keeps a room while its liveness is renewed",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    assert.equal(await a.broker.claim("busy"), a.broker.self);
    for (let i = 0; i < 6; i++) {
      await a.broker.renew(["busy"]);
      assert.equal(await b.broker.claim("busy"), a.broker.self);
      await new Promise((r) => setTimeout(r, LEASE_MS / 3));
    }
  },
);

contract(
  "release frees only the releaser's own lease, at once",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    assert.equal(await a.broker.claim("room"), a.broker.self);
    await b.broker.release("room"); // not b's: no effect
    assert.equal(await b.broker.claim("room"), a.broker.self);
    await a.broker.release("room");
    assert.equal(await b.broker.claim("room"), b.broker.self);
  },
);

contract(
  "close() gives up the instance's leases and liveness",
  async (store) => {
    const a = await started(store);
    const b = await started(store);
    assert.equal(await a.broker.claim("room"), a.broker.self);
    await a.broker.close();
    assert.deepEqual(await b.broker.alive([a.broker.self]), new Set());
    assert.equal(await b.broker.claim("room"), b.broker.self);
  },
);

// --- liveness ---

contract(
  "alive() reports started instances and forgets silent ones after leaseMs",
  async (store) => {
    const a = await started(store);
    // b marks itself alive as it starts, and never again: no sooner than this.
    const silentSince = Date.now();
    const b = await started(store);
    const ids = [a.broker.self, b.broker.self, "never-started"];
    assert.deepEqual(
      await a.broker.alive(ids),
      new Set([a.broker.self, b.broker.self]),
    );
    assert.deepEqual(await a.broker.alive([]), new Set());
    // b stays silent (no renew); a keeps renewing.
    await until("b to be reported dead", async () => {
      await a.broker.renew([]);
      return !(await a.broker.alive(ids)).has(b.broker.self);
    }, 5 * LEASE_MS);
    assert.ok(Date.now() - silentSince >= LEASE_MS * 0.9, "dead too early");
    assert.ok((await b.broker.alive(ids)).has(a.broker.self));
  },
);

contract("a healthy store reports healthy", async (store) => {
  const a = await started(store);
  assert.equal(a.broker.healthy, true);
  assert.equal(typeof a.broker.self, "string");
  assert.equal(a.broker.leaseMs, LEASE_MS);
});

// --- Redis outages ---

/** A Redis test: fresh server, brokers closed and server stopped at the end. */
function redisTest(
  name: string,
  fn: (redis: Redis, store: Store) => Promise<void>,
): void {
  Deno.test({
    name: `RedisBroker: ${name}`,
    ignore: needsRun,
    async fn() {
      const redis = await startRedis();
      const store = tracked(
        (options) =>
          RedisBroker.connect({
            url: redis.url,
            leaseMs: LEASE_MS,
            ...options,
          }),
        () => redis.stop(),
      );
      try {
        await fn(redis, store);
      } finally {
        await store.cleanup();
      }
    },
  });
}

redisTest(
  "after redis-server restarts empty, the broker recovers: healthy again, leases re-taken, messages flow",
  async (redis, store) => {
    const records: LogRecord[] = [];
    const a = await started(store, { logger: (r) => records.push(r) });
    const b = await started(store);
    assert.equal(await a.broker.claim("room"), a.broker.self);
    let sawUnhealthy = false;
    const watching = (async () => {
      while (!sawUnhealthy) {
        sawUnhealthy = !a.broker.healthy;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await redis.restart();
    await until("a to notice", () => sawUnhealthy);
    await watching;
    await until("a to be healthy", () => a.broker.healthy && b.broker.healthy);
    // Redis came back empty; renewing takes the room again.
    assert.deepEqual(await a.broker.renew(["room"]), []);
    assert.equal(await b.broker.claim("room"), a.broker.self);
    a.broker.send(b.broker.self, "after restart");
    b.broker.send(a.broker.self, "back");
    await until(
      "messages both ways",
      () => a.inbox.count === 1 && b.inbox.count === 1,
    );
    const unreachable = records.filter((r) => r.code === "broker-unreachable");
    const restored = records.filter((r) => r.event === "connect");
    assert.equal(unreachable.length, 1, JSON.stringify(records));
    assert.equal(restored.length, 1, JSON.stringify(records));
  },
);

redisTest(
  "while Redis is down, claim, renew and alive reject quickly and send holds messages for later",
  async (redis, store) => {
    const a = await started(store);
    const b = await started(store);
    const down = redis.restart({ downMs: 1500 });
    try {
      await until("a to be unhealthy", () => !a.broker.healthy);
      for (
        const [what, call] of [
          ["claim", () => a.broker.claim("room")],
          ["renew", () => a.broker.renew(["room"])],
          ["alive", () => a.broker.alive([b.broker.self])],
        ] as const
      ) {
        const started = Date.now();
        await assert.rejects(call(), `${what} should reject`);
        const took = Date.now() - started;
        assert.ok(took < 1000, `${what} took ${took} ms to reject`);
      }
      for (const message of numbered("held ", 100)) {
        a.broker.send(b.broker.self, message);
      }
    } finally {
      await down;
    }
    await until("100 held messages", () => b.inbox.count === 100);
    assert.deepEqual(b.inbox.of(a.broker), numbered("held ", 100));
  },
);

redisTest(
  "while Redis is down, send drops messages beyond its buffer and logs that once",
  async (redis, store) => {
    const records: LogRecord[] = [];
    const a = await started(store, {
      sendBufferLimit: 50,
      logger: (r) => records.push(r),
    });
    const b = await started(store);
    const down = redis.restart({ downMs: 500 });
    try {
      await until("a to be unhealthy", () => !a.broker.healthy);
      for (const message of numbered("m", 80)) {
        a.broker.send(b.broker.self, message);
      }
    } finally {
      await down;
    }
    await until("the first 50", () => b.inbox.count === 50);
    await until(
      "a to log its return",
      () => records.some((r) => r.event === "connect"),
    );
    assert.deepEqual(b.inbox.of(a.broker), numbered("m", 50));
    const drops = records.filter((r) => r.code === "broker-send-dropped");
    assert.equal(drops.length, 1);
    assert.equal(records.find((r) => r.event === "connect")?.dropped, 30);
  },
);

Deno.test({
  name:
    "RedisBroker: connect rejects with a clear message when nothing listens",
  ignore: needsRun,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    await assert.rejects(
      RedisBroker.connect({
        url: `redis://127.0.0.1:${port}`,
        connectTimeoutMs: 300,
      }),
      /did not answer within 0.3 s/,
    );
  },
});

// --- KV only ---

Deno.test({
  name:
    "KvBroker: an inbox longer than one listing is drained completely and in order",
  ignore: needsWrite,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "parley-kv-" });
    const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
    const broker = KvBroker.open({ kv, self: "receiver", leaseMs: LEASE_MS });
    try {
      // 2,500 entries as a sender would lay them out (see kv_keys.ts),
      // written before the receiver starts: more than one listing's worth.
      for (let start = 0; start < 2500; start += 500) {
        const atomic = kv.atomic();
        for (let seq = start; seq < start + 500; seq++) {
          atomic.set(["parley", "inbox", "receiver", "sender", seq], [
            `m${seq}`,
          ]);
        }
        await atomic.commit();
      }
      const got: string[] = [];
      await broker.start((_, message) => got.push(message));
      await until("2,500 messages", () => got.length >= 2500);
      assert.deepEqual(got, numbered("m", 2500));
      // Deleted in batches right after each is handed over: the last batch
      // may still be committing when the last message arrives.
      await until("an empty inbox", async () =>
        (await Array.fromAsync(
          kv.list({ prefix: ["parley", "inbox", "receiver"] }),
        )).length === 0);
    } finally {
      await broker.close();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
