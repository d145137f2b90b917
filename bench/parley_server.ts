/**
 * Parley's signaling relay as a benchmark target: rate limits, the
 * connection cap and the room size limit out of the way, logs off,
 * everything else as in production.
 *
 * With `REDIS_URL` (or `CLUSTER=kv KV_PATH=…`) in its environment, and the
 * permissions to read it and reach the store, it joins that cluster as one
 * more instance, the way `main.ts` does; without, it is a single process.
 *
 * Run: deno run --allow-net=127.0.0.1
 *   --allow-env=WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE bench/parley_server.ts [port]
 * (`ws` reads those two when the first socket arrives; `server_flags.ts`
 * has the flags the benches spawn it with).
 * Prints `listening <port>` once ready. Exits on SIGTERM (so that a
 * `--cpu-prof` profile gets written).
 */
import {
  createSignaling,
  joinCluster,
  processEnv,
  quietLogger,
  readConfig,
} from "../signaling/mod.ts";
import { serveNode } from "../framework/node_serve.ts";
import { memoryProbe } from "./memory_probe.ts";

if (import.meta.main) {
  // Reads nothing (a single process) unless the spawner granted env access.
  const reading = readConfig(processEnv);
  if ("errors" in reading) throw new Error(reading.errors.join("\n"));
  const { cluster } = reading.config;
  const broker = cluster ? await joinCluster(cluster, quietLogger) : undefined;
  const signaling = createSignaling({
    ratePerSecond: 1e9,
    rateBurst: 1e9,
    maxConnections: 1e6,
    // Every load-generator socket comes from 127.0.0.1.
    maxSocketsPerAddress: 1e6,
    // Join storms put thousands of users in one room.
    maxRoomMembers: 1e6,
    // The load generator reads as fast as it can; allow deep queues under overload.
    maxBufferedBytes: 256 * 1024 * 1024,
  }, { broker, logger: quietLogger });
  // The production server (main.ts serves the same way).
  await serveNode((req) => memoryProbe(req) ?? signaling.notWebSocket(), {
    hostname: "127.0.0.1",
    port: Number(Deno.args[0] ?? 0),
    headersTimeoutMs: 10_000,
    onUpgrade: (req, socket, head) => signaling.upgrade(req, socket, head),
    onListen: ({ port }) => console.log(`listening ${port}`),
  });
  // The default SIGTERM action kills the process before V8 can write a
  // `--cpu-prof` profile; exiting ourselves writes it.
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
}
