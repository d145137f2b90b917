/**
 * The two cluster brokers between two instances in this process: raw
 * message throughput and latency, claim and renewal cost, and how long a
 * crashed owner's room takes to be taken over. Not part of `bench/run.ts`.
 *
 *     deno run -A bench/broker_bench.ts [redis|kv]
 *
 * Redis: a throwaway `redis-server` on loopback. KV: two handles on one
 * temporary file (a local KV file is SQLite; Deno Deploy's KV is remote and
 * slower per operation, so treat KV figures as a best case).
 */
import type { Broker } from "../signaling/cluster/broker.ts";
import { KvBroker } from "../signaling/cluster/kv_broker.ts";
import { RedisBroker } from "../signaling/cluster/redis_broker.ts";
import { startRedis } from "../tests/helpers/redis.ts";
import { quantile } from "./figures.ts";
import { sleep } from "./processes.ts";

const LEASE_MS = 1000;
const which = Deno.args[0];

interface Pair {
  make(): Promise<Broker>;
  cleanup(): Promise<void>;
}

async function redisPair(): Promise<Pair> {
  const redis = await startRedis();
  return {
    make: () => RedisBroker.connect({ url: redis.url, leaseMs: LEASE_MS }),
    cleanup: () => redis.stop(),
  };
}

async function kvPair(): Promise<Pair> {
  const dir = await Deno.makeTempDir({ prefix: "parley-kv-bench-" });
  return {
    make: async () =>
      KvBroker.open({
        kv: await Deno.openKv(`${dir}/kv.sqlite3`),
        closeKv: true,
        leaseMs: LEASE_MS,
      }),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

function summary(latencies: number[]): string {
  const sorted = latencies.toSorted((x, y) => x - y);
  return `p50 ${quantile(sorted, 0.5).toFixed(2)} ms, p99 ${
    quantile(sorted, 0.99).toFixed(2)
  } ms`;
}

/**
 * Sends `total` messages of ~`size` characters from a to b, `perTick` per
 * macrotask, with at most `window` unacknowledged (received) at a time so
 * the send buffer never drops. Returns messages/s and latency percentiles.
 */
async function throughput(
  a: Broker,
  b: Broker,
  receive: { onMessage: (message: string) => void },
  total: number,
  perTick: number,
  size: number,
): Promise<string> {
  const pad = "x".repeat(Math.max(0, size - 20));
  const latencies: number[] = [];
  let received = 0;
  const done = Promise.withResolvers<void>();
  receive.onMessage = (message) => {
    latencies.push(
      performance.now() - Number(message.slice(0, message.indexOf("|"))),
    );
    if (++received === total) done.resolve();
  };
  const window = 8000;
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    if (sent - received >= window) {
      await tick();
      continue;
    }
    const n = Math.min(perTick, total - sent);
    for (let i = 0; i < n; i++) a.send(b.self, `${performance.now()}|${pad}`);
    sent += n;
    await tick();
  }
  await done.promise;
  const seconds = (performance.now() - start) / 1000;
  return `${Math.round(total / seconds).toLocaleString("en")} msg/s, ${
    summary(latencies)
  }`;
}

/** A steady rate: `rate` messages per second for `seconds`, in 10 ms slices. */
async function steady(
  a: Broker,
  b: Broker,
  receive: { onMessage: (message: string) => void },
  rate: number,
  seconds: number,
): Promise<string> {
  const latencies: number[] = [];
  const total = rate * seconds;
  const done = Promise.withResolvers<void>();
  receive.onMessage = (message) => {
    latencies.push(performance.now() - Number(message));
    if (latencies.length === total) done.resolve();
  };
  const perSlice = rate / 100;
  const start = performance.now();
  for (let slice = 0; slice < seconds * 100; slice++) {
    const due = start + slice * 10;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    for (let i = 0; i < perSlice; i++) {
      a.send(b.self, String(performance.now()));
    }
  }
  await done.promise;
  return summary(latencies);
}

async function bench(name: string, pair: Pair): Promise<void> {
  console.log(`\n${name}`);
  const a = await pair.make();
  const b = await pair.make();
  const receive = { onMessage: (_: string) => {} };
  await a.start(() => {});
  await b.start((_, message) => receive.onMessage(message));
  try {
    // Warm-up.
    await throughput(a, b, receive, 5_000, 100, 100);
    console.log(
      "  100,000 × 100 B, as fast as possible:",
      await throughput(a, b, receive, 100_000, 500, 100),
    );
    console.log(
      "  20,000 × 2 KB, as fast as possible:",
      await throughput(a, b, receive, 20_000, 200, 2000),
    );
    console.log(
      "  steady 1,000 msg/s for 3 s:",
      await steady(a, b, receive, 1_000, 3),
    );
    console.log(
      "  steady 10,000 msg/s for 3 s:",
      await steady(a, b, receive, 10_000, 3),
    );

    const claims: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = performance.now();
      await a.claim(`bench-room-${i}`);
      claims.push(performance.now() - t);
    }
    console.log("  claim (1,000 sequential, free rooms):", summary(claims));
    const contested: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await b.claim(`bench-room-${i}`);
      contested.push(performance.now() - t);
    }
    console.log("  claim of a held room (200):", summary(contested));
    const rooms = Array.from({ length: 1000 }, (_, i) => `bench-room-${i}`);
    const renewals: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await a.renew(rooms);
      renewals.push(performance.now() - t);
    }
    console.log("  renew of 1,000 rooms:", summary(renewals));
    const alive: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await b.alive([a.self, b.self]);
      alive.push(performance.now() - t);
    }
    console.log("  alive (2 ids):", summary(alive));

    // A crashed owner: a stops renewing (no close, so nothing is released),
    // right after a renewal, as a crash would on average half a second later.
    await a.claim("orphan");
    await a.renew(["orphan"]);
    const crashed = performance.now();
    while ((await b.claim("orphan")) !== b.self) await sleep(10);
    console.log(
      `  room of a crashed owner taken over ${
        Math.round(performance.now() - crashed)
      } ms after its last renewal (leaseMs ${LEASE_MS}, polled every 10 ms)`,
    );
  } finally {
    await a.close();
    await b.close();
    await pair.cleanup();
  }
}

if (!which || which === "redis") await bench("RedisBroker", await redisPair());
if (!which || which === "kv") {
  await bench("KvBroker (local file)", await kvPair());
}
