/**
 * The real Parley app, served in-process on a free loopback port, for
 * end-to-end tests. Needs `deno task build` to have run (the one test
 * command does it first).
 */
import { type RunningServer, startServer } from "../../server.ts";
import {
  quietLogger,
  type SignalingConfig,
  type SignalingDeps,
} from "../../signaling/mod.ts";

/** Relay settings to override, and parts to run on (silent logs by default). */
export type AppOptions = Partial<SignalingConfig> & SignalingDeps;

/** Starts Parley on 127.0.0.1 with silent logs; `options` override relay settings. */
export function startApp(options: AppOptions = {}): Promise<RunningServer> {
  const { logger = quietLogger, clock, broker, ...signaling } = options;
  return startServer({
    listen: { port: 0, hostname: "127.0.0.1", headersTimeoutMs: 10_000 },
    signaling,
    cluster: null,
    metricsToken: null,
  }, { logger, clock, broker });
}
