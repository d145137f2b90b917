/**
 * Parley's server, assembled from a configuration: pages, static files and
 * the `/ws` signaling relay in one process. `main.ts` reads the environment
 * and starts it; tests start it on port 0 with settings of their own.
 */
import { App, staticFiles } from "fresh";
import { serveNode } from "./framework/node_serve.ts";
import type { State } from "./define.ts";
import { securityHeaders } from "./framework/security_headers.ts";
import {
  createSignaling,
  joinCluster,
  jsonLogger,
  type ParleyConfig,
  type Signaling,
  type SignalingConfig,
  type SignalingDeps,
} from "./signaling/mod.ts";

/** The app and the relay it serves on `/ws`. */
export interface Parley {
  app: App<State>;
  signaling: Signaling;
}

/** What the app is built from; the relay's omitted settings take their defaults. */
export interface AppConfig {
  signaling: Partial<SignalingConfig>;
  /** The bearer token `/metrics` requires; `null`: `/metrics` is off. */
  metricsToken: string | null;
}

/** What a server is started with; `readConfig` gives one from the environment. */
export interface ServerConfig extends AppConfig {
  listen: ParleyConfig["listen"];
  /** The shared store to join, unless `deps.broker` is given; `null`: one process. */
  cluster: ParleyConfig["cluster"];
}

/**
 * Builds the app without listening, so tests can serve it on port 0.
 * @throws {ConfigError} naming the setting when a value is unusable.
 */
export async function createParley(
  config: AppConfig,
  deps: SignalingDeps = {},
): Promise<Parley> {
  const signaling = createSignaling(config.signaling, deps);
  const { metricsToken } = config;
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

/**
 * Starts Parley on `config.listen` (port 0 picks a free port), joining
 * `config.cluster` first when it names one.
 * @throws {ConfigError} when a setting is unusable or the store unreachable.
 */
export async function startServer(
  config: ServerConfig,
  deps: SignalingDeps = {},
): Promise<RunningServer> {
  const logger = deps.logger ?? jsonLogger();
  const broker = deps.broker ??
    (config.cluster ? await joinCluster(config.cluster, logger) : undefined);
  const parley = await createParley(config, { ...deps, logger, broker });
  const { signaling } = parley;
  const { listen } = config;
  const server = await serveNode(parley.app.handler(), {
    port: listen.port,
    hostname: listen.hostname,
    headersTimeoutMs: listen.headersTimeoutMs,
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
