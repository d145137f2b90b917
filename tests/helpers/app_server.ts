/**
 * The real Parley app, served in-process on a free loopback port, for
 * end-to-end tests. Needs `deno task build` to have run (the one test
 * command does it first).
 */
import { type RunningServer, startServer } from "../../main.ts";
import { quietLogger, type SignalingOptions } from "../../signaling/mod.ts";

/** Starts Parley on 127.0.0.1 with silent logs; `options` override relay settings. */
export function startApp(
  options: SignalingOptions = {},
): Promise<RunningServer> {
  return startServer(
    { port: 0, hostname: "127.0.0.1", headersTimeoutMs: 10_000 },
    { logger: quietLogger, ...options },
  );
}
