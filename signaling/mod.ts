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
  clusterConfigFromEnv,
  ConfigError,
  configFromEnv,
  resolveConfig,
  type SignalingConfig,
} from "./config.ts";
import { jsonLogger, type Logger } from "./log.ts";
import { Relay, type RelayStats } from "./relay.ts";
import { Transport } from "./transport.ts";

export type { Broker, InstanceId } from "./cluster/broker.ts";
export type { ClusterStats } from "./cluster/router.ts";
export type {
  ClusterConfig,
  EnvVariable,
  ListenConfig,
  SignalingConfig,
  TurnConfig,
} from "./config.ts";
export {
  clusterConfigFromEnv,
  ConfigError,
  configFromEnv,
  DEFAULT_CONFIG,
  ENVIRONMENT,
  listenConfigFromEnv,
} from "./config.ts";
export type { Logger, LogRecord } from "./log.ts";
export { jsonLogger, quietLogger } from "./log.ts";

/** Settings (any omitted one takes its default) plus injectable parts. */
export interface SignalingOptions extends Partial<SignalingConfig> {
  /** Where log records go; JSON lines on stdout by default. */
  logger?: Logger;
  /** Time and timers; the system clock by default. */
  clock?: Clock;
  /**
   * The shared store when this is one of several instances (see
   * `cluster/broker.ts`); `undefined` for a single process.
   */
  broker?: Broker;
}

/** Environment variables as from `Deno.env.toObject()`. */
export type EnvRecord = Record<string, string | undefined>;

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
 * Creates the signaling server.
 *
 * @param settings either options (omitted settings take their defaults, the
 *   environment is not read), or an environment record such as
 *   `Deno.env.toObject()` (read like {@linkcode configFromEnv}). Omitted:
 *   settings come from `Deno.env` where readable.
 * @throws {ConfigError} when a setting is invalid, saying what to set.
 */
export function createSignaling(
  settings?: SignalingOptions | EnvRecord,
): Signaling {
  let options: SignalingOptions;
  let config: SignalingConfig;
  if (settings === undefined) {
    options = {};
    config = configFromEnv();
  } else if (isEnvRecord(settings)) {
    options = {};
    config = configFromEnv((name) => settings[name]);
  } else {
    options = settings;
    const { logger: _l, clock: _c, broker: _b, ...rest } = settings;
    config = resolveConfig(rest);
  }
  const logger = options.logger ?? jsonLogger();
  const clock = options.clock ?? systemClock;
  const bus = new MemoryBus();
  const relay = new Relay({ config, bus, clock, logger });
  const router = options.broker &&
    new ClusterRouter({
      relay,
      bus,
      broker: options.broker,
      logger,
      clock,
      maxFrameBytes: config.maxFrameBytes,
      heartbeatMs: Math.max(100, Math.floor(options.broker.leaseMs / 5)),
      deathGraceMs: Math.max(200, Math.floor(options.broker.leaseMs / 2)),
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
 * Like {@linkcode createSignaling} for an environment record, but also joins
 * the cluster the environment names (`CLUSTER`, `REDIS_URL`, `KV_PATH`):
 * connects to Redis or opens Deno KV first.
 *
 * @throws {ConfigError} when a setting is invalid, saying what to set.
 */
export async function openSignaling(
  env: EnvRecord,
  options: Pick<SignalingOptions, "logger" | "clock"> = {},
): Promise<Signaling> {
  const get = (name: string) => env[name];
  const config = configFromEnv(get);
  const cluster = clusterConfigFromEnv(get);
  const logger = options.logger ?? jsonLogger();
  let broker: Broker | undefined;
  if (cluster) {
    try {
      broker = await openBroker(cluster, logger);
    } catch (error) {
      // Reported like a bad setting: the operator's to fix, in one line.
      const where = cluster.store === "redis" ? "REDIS_URL" : "KV_PATH";
      throw new ConfigError(
        `CLUSTER=${cluster.store}: the shared store could not be opened (${
          error instanceof Error ? error.message : String(error)
        }). Check ${where}, or unset CLUSTER and REDIS_URL to run as one process.`,
      );
    }
  }
  return createSignaling({ ...config, ...options, logger, broker });
}

/** Options hold numbers, lists, functions; an env record only strings. */
export function isEnvRecord(
  settings: SignalingOptions | EnvRecord,
): settings is EnvRecord {
  return Object.values(settings).every((v) =>
    v === undefined || typeof v === "string"
  );
}
