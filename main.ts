/**
 * Parley's server: pages, static files and the `/ws` signaling relay in one
 * Deno process.
 *
 * `deno task start` runs it; `PORT` and `HOSTNAME` choose where it listens.
 * Every setting, these included, is listed in `signaling/config.ts`
 * (`ENVIRONMENT`); a bad value stops the start with a message saying what to
 * set.
 */
import { App, staticFiles } from "fresh";
import { serveNode } from "./framework/node_serve.ts";
import type { State } from "./define.ts";
import { securityHeaders } from "./framework/security_headers.ts";
import { metricsTokenFromEnv } from "./signaling/config.ts";
import {
  ConfigError,
  createSignaling,
  type EnvRecord,
  isEnvRecord,
  type ListenConfig,
  listenConfigFromEnv,
  openSignaling,
  type Signaling,
  type SignalingOptions,
} from "./signaling/mod.ts";

/** Where the server listens, read from the environment. */
export type ServerConfig = ListenConfig;

/**
 * Reads `PORT` (default 8000), `HOSTNAME` (default 0.0.0.0) and
 * `HTTP_HEADERS_TIMEOUT_MS`.
 * @throws {ConfigError} naming the variable when a value is unusable.
 */
export function loadServerConfig(
  env: Record<string, string | undefined>,
): ServerConfig {
  return listenConfigFromEnv((name) => env[name]);
}

/** The app and the relay it serves on `/ws`. */
export interface Parley {
  app: App<State>;
  signaling: Signaling;
}

/** Settings of the web app itself (the relay's are `SignalingOptions`). */
export interface WebOptions {
  /**
   * The bearer token `/metrics` requires; `null` turns `/metrics` off.
   * Default: `METRICS_TOKEN` when `settings` is an environment record, else
   * `null`.
   */
  metricsToken?: string | null;
}

/**
 * Builds the app without listening, so tests can serve it on port 0.
 * `settings` go to {@linkcode createSignaling}: the environment by default,
 * which may also name a cluster store to join ({@linkcode openSignaling}).
 * @throws {ConfigError} naming the variable when a value is unusable.
 */
export async function createParley(
  settings: SignalingOptions | EnvRecord = Deno.env.toObject(),
  web: WebOptions = {},
): Promise<Parley> {
  // Checked before anything opens, so a bad token leaves nothing running.
  const metricsToken = web.metricsToken !== undefined
    ? web.metricsToken
    : isEnvRecord(settings)
    ? metricsTokenFromEnv((name) => settings[name])
    : null;
  const signaling = isEnvRecord(settings)
    ? await openSignaling(settings)
    : createSignaling(settings);
  const app = new App<State>({ root: import.meta.url })
    // First, so static files and error pages get the headers too.
    .use(securityHeaders())
    .use(staticFiles())
    .use((ctx) => {
      ctx.state.signaling = signaling;
      ctx.state.metricsToken = metricsToken;
      return ctx.next();
    })
    // Upgrades never reach the app (see startServer); a plain GET gets 426.
    .get("/ws", () => signaling.notWebSocket())
    .fsRoutes();
  await app.ready();
  return { app, signaling };
}

/** A running server: its URL and a way to drain and stop it. */
export interface RunningServer {
  url: string;
  parley: Parley;
  shutdown(): Promise<void>;
}

/** Starts Parley on `config.port` (0 picks a free port). */
export async function startServer(
  config: ServerConfig,
  settings: SignalingOptions | EnvRecord = Deno.env.toObject(),
): Promise<RunningServer> {
  const parley = await createParley(settings);
  const { signaling } = parley;
  const server = await serveNode(parley.app.handler(), {
    port: config.port,
    hostname: config.hostname,
    headersTimeoutMs: config.headersTimeoutMs,
    // Deno Deploy's edge reads request heads itself.
    behindEdge: Deno.env.get("DENO_DEPLOYMENT_ID") !== undefined,
    onUpgrade(req, socket, head) {
      if (new URL(req.url ?? "/", "http://host").pathname === "/ws") {
        signaling.upgrade(req, socket, head);
      } else socket.destroy();
    },
  });
  const { hostname, port } = server.addr;
  const host = hostname === "0.0.0.0" || hostname === "::"
    ? "localhost"
    : hostname;
  return {
    url: `http://${host}:${port}`,
    parley,
    async shutdown() {
      // Sockets first, with 1001, so clients reconnect elsewhere; then the listener.
      await signaling.shutdown();
      await server.shutdown();
    },
  };
}

if (import.meta.main) {
  let running: RunningServer;
  try {
    running = await startServer(loadServerConfig(Deno.env.toObject()));
  } catch (error) {
    // A bad setting is the operator's to fix: say which, without a stack.
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Parley cannot start:\n${error.message}`);
    Deno.exit(1);
  }
  console.log(`Parley is running: open ${running.url} in two browser tabs.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Deploy kills an instance 5 s after SIGINT: never outlive that.
    setTimeout(() => Deno.exit(0), 4_500);
    await running.shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
}
