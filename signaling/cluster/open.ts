/**
 * Opens the broker a {@linkcode ClusterConfig} names: Redis when
 * self-hosting, Deno KV on Deno Deploy (or a local KV file). Each is
 * imported only when chosen, so a single instance never loads a Redis client.
 */

import type { ClusterConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Broker } from "./broker.ts";

/** Connects to the store; rejects when it cannot be reached at start. */
export async function openBroker(
  config: ClusterConfig,
  logger: Logger,
): Promise<Broker> {
  if (config.store === "redis") {
    const { RedisBroker } = await import("./redis_broker.ts");
    return await RedisBroker.connect({
      url: config.url,
      leaseMs: config.leaseMs,
      logger,
    });
  }
  const { KvBroker } = await import("./kv_broker.ts");
  const kv = await Deno.openKv(config.path ?? undefined);
  return KvBroker.open({ kv, leaseMs: config.leaseMs, logger, closeKv: true });
}
