/**
 * Parley's signaling server: `createSignaling()` returns the `/ws` upgrade
 * handler, a graceful `shutdown()` and counters for `/metrics`. See
 * PROTOCOL.md for the wire protocol.
 *
 * @example
 * ```ts
 * const signaling = createSignaling();
 * Deno.serve((req, info) => signaling.handleUpgrade(req, info));
 * ```
 */

import { type Bus, MemoryBus } from "./bus.ts";
import type { Clock } from "./clock.ts";
import {
  configFromEnv,
  resolveConfig,
  type SignalingConfig,
} from "./config.ts";
import { jsonLogger, type Logger } from "./log.ts";
import { Relay, type RelayStats } from "./relay.ts";
import { Transport } from "./transport.ts";

export type {
  EnvVariable,
  ListenConfig,
  SignalingConfig,
  TurnConfig,
} from "./config.ts";
export {
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
  /** Delivery between connections; in-process by default. */
  bus?: Bus;
}

/** Environment variables as from `Deno.env.toObject()`. */
export type EnvRecord = Record<string, string | undefined>;

/** Counters for `/metrics`. */
export interface SignalingStats extends RelayStats {
  /** Refused upgrades by reason (`origin`, `capacity`, `bad-room`, …). */
  refused: Record<string, number>;
  /** Whether upgrades are still accepted (false after `shutdown()`). */
  accepting: boolean;
}

/** A running signaling server. */
export interface Signaling {
  /** Handles `GET /ws?room=<room>`: a WebSocket upgrade or a refusal. */
  handleUpgrade(req: Request, info?: Deno.ServeHandlerInfo): Response;
  /** Refuses new upgrades (503), closes every socket with 1001; resolves within 5 s. */
  shutdown(): Promise<void>;
  /** Counters for `/metrics`. */
  stats(): SignalingStats;
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
    const { logger: _l, clock: _c, bus: _b, ...rest } = settings;
    config = resolveConfig(rest);
  }
  const logger = options.logger ?? jsonLogger();
  const bus = options.bus ?? new MemoryBus();
  const relay = new Relay({ config, bus, clock: options.clock, logger });
  const transport = new Transport(config, relay, bus, logger);
  let stopping: Promise<void> | null = null;
  return {
    handleUpgrade: (req, info) => transport.handleUpgrade(req, info),
    shutdown() {
      stopping ??= transport.shutdown().finally(() => relay.dispose());
      return stopping;
    },
    stats: () => ({
      ...relay.stats(),
      refused: transport.refused(),
      accepting: stopping === null,
    }),
  };
}

/** Options hold numbers, lists, functions; an env record only strings. */
function isEnvRecord(
  settings: SignalingOptions | EnvRecord,
): settings is EnvRecord {
  return Object.values(settings).every((v) =>
    v === undefined || typeof v === "string"
  );
}
