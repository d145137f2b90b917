/**
 * Parley's signaling relay as a benchmark target: rate limits and the
 * connection cap out of the way, logs off, everything else as in production.
 *
 * Run: deno run --allow-net=127.0.0.1 bench/parley_server.ts [port]
 * Prints `listening <port>` once ready.
 */
import { createSignaling, quietLogger } from "../signaling/mod.ts";
import { memoryProbe } from "./memory_probe.ts";

if (import.meta.main) {
  const signaling = createSignaling({
    logger: quietLogger,
    ratePerSecond: 1e9,
    rateBurst: 1e9,
    maxConnections: 1e6,
    // The load generator reads as fast as it can; allow deep queues under overload.
    maxBufferedBytes: 256 * 1024 * 1024,
  });
  Deno.serve({
    hostname: "127.0.0.1",
    port: Number(Deno.args[0] ?? 0),
    onListen: ({ port }) => console.log(`listening ${port}`),
  }, (req, info) => memoryProbe(req) ?? signaling.handleUpgrade(req, info));
}
