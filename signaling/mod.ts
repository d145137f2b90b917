/**
 * Parley's signaling server: `createSignaling()` returns the `/ws` upgrade
 * handler, a graceful `shutdown()` and counters for `/metrics`. See
 * PROTOCOL.md for the wire protocol.
 *
 * @example
 * ```ts
 * import { serveNode } from "../framework/node_serve.ts";
 * const signaling = createSignaling();
 * await serveNode(() => signaling.notWebSocket(), {
 *   hostname: "127.0.0.1",
 *   port: 8000,
 *   headersTimeoutMs: 10_000,
 *   onUpgrade: (req, socket, head) => signaling.upgrade(req, socket, head),
 * });
 * ```
 */

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

import { MemoryBus } from "./bus.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Broker } from "./cluster/broker.ts";
import { openBroker } from "./cluster/open.ts";
import { ClusterRouter, type ClusterStats } from "./cluster/router.ts";
import {
  type ClusterConfig,
  ConfigError,
  resolveConfig,
  type SignalingConfig,
} from "./config.ts";
import { type SettingField, settingFor } from "./config_schema.ts";
import { jsonLogger, type Logger } from "./log.ts";
import { Relay, type RelayStats } from "./relay.ts";
import { Transport } from "./transport.ts";

export type { Broker, InstanceId } from "./cluster/broker.ts";
export type { ClusterStats } from "./cluster/router.ts";
export type {
  ClusterConfig,
  ConfigReading,
  EnvGetter,
  EnvRecord,
  ListenConfig,
  ParleyConfig,
  SignalingConfig,
  TurnConfig,
} from "./config.ts";
export {
  ConfigError,
  DEFAULT_CONFIG,
  processEnv,
  readConfig,
  resolveConfig,
} from "./config.ts";
export type { EnvVariable } from "./config_docs.ts";
export { ENVIRONMENT } from "./config_docs.ts";
export type { Logger, LogRecord } from "./log.ts";
export { jsonLogger, quietLogger } from "./log.ts";

/** The parts a signaling server runs on, each replaceable in tests. */
export interface SignalingDeps {
  /** Where log records go; JSON lines on stdout by default. */
  logger?: Logger;
  /** Time and timers; the system clock by default. */
  clock?: Clock;
  /**
   * The shared store when this is one of several instances (see
   * `cluster/broker.ts`, {@linkcode joinCluster}); `undefined` for a single
   * process.
   */
  broker?: Broker;
}

/** Counters for `/metrics`. */
export interface SignalingStats extends RelayStats {
  /** Refused upgrades by reason (`origin`, `capacity`, `bad-room`, …). */
  refused: Record<string, number>;
  /** Whether upgrades are still accepted (false after `shutdown()`). */
  accepting: boolean;
  /** The cluster's state on this instance; `null` for a single process. */
  cluster: ClusterStats | null;
}

/** A running signaling server. */
export interface Signaling {
  /**
   * Takes an upgrade request for `/ws?room=<room>` with its raw socket (from
   * `node:http`'s `upgrade` event): a signaling socket, or a refusal.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The answer to a `GET /ws` that did not ask for an upgrade (426). */
  notWebSocket(): Response;
  /** Refuses new upgrades (503), closes every socket with 1001; resolves within 5 s. */
  shutdown(): Promise<void>;
  /** Counters for `/metrics`. */
  stats(): SignalingStats;
  /**
   * `ok`; `degraded` while the shared store is unreachable (users on this
   * instance reach only rooms that run here); `draining` after `shutdown()`.
   */
  health(): "ok" | "degraded" | "draining";
}

/**
 * Creates the signaling server. Reads no environment: `settings` are the
 * configuration (omitted ones take their defaults; `readConfig` reads them
 * from the environment), `deps` the parts it runs on.
 *
 * @throws {ConfigError} when a setting is invalid, saying what to set.
 */
export function createSignaling(
  settings: Partial<SignalingConfig> = {},
  deps: SignalingDeps = {},
): Signaling {
  const config = resolveConfig(settings);
  const logger = deps.logger ?? jsonLogger();
  const clock = deps.clock ?? systemClock;
  const bus = new MemoryBus();
  const relay = new Relay({ config, bus, clock, logger });
  const router = deps.broker &&
    new ClusterRouter({
      relay,
      bus,
      broker: deps.broker,
      logger,
      clock,
      maxFrameBytes: config.maxFrameBytes,
      heartbeatMs: Math.max(100, Math.floor(deps.broker.leaseMs / 5)),
      deathGraceMs: Math.max(200, Math.floor(deps.broker.leaseMs / 2)),
    });
  const transport = new Transport(config, router ?? relay, bus, logger);
  let stopping: Promise<void> | null = null;
  return {
    upgrade: (req, socket, head) => transport.upgrade(req, socket, head),
    notWebSocket: () => transport.notWebSocket(),
    shutdown() {
      stopping ??= (async () => {
        router?.drain();
        await transport.shutdown();
        relay.dispose();
        await router?.close();
      })();
      return stopping;
    },
    stats: () => ({
      ...relay.stats(),
      refused: transport.refused(),
      accepting: stopping === null,
      cluster: router?.stats() ?? null,
    }),
    health: () =>
      stopping !== null
        ? "draining"
        : router && !router.healthy
        ? "degraded"
        : "ok",
  };
}

/**
 * Connects to the shared store `cluster` names (Redis, or Deno KV), for
 * {@linkcode SignalingDeps.broker}.
 *
 * @throws {ConfigError} when the store cannot be opened, saying what to
 *   check: at start that is the operator's to fix, like a bad setting.
 */
export async function joinCluster(
  cluster: ClusterConfig,
  logger: Logger,
): Promise<Broker> {
  try {
    return await openBroker(cluster, logger);
  } catch (error) {
    const name = (field: SettingField) => settingFor(field).name;
    const where = name(
      cluster.store === "redis" ? "cluster.url" : "cluster.path",
    );
    throw new ConfigError(
      `${
        name("cluster.store")
      }=${cluster.store}: the shared store could not be opened (${
        error instanceof Error ? error.message : String(error)
      }). Check ${where}, or unset ${name("cluster.store")} and ${
        name("cluster.url")
      } to run as one process.`,
    );
  }
}
