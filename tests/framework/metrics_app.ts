/**
 * The real app's request handler, without a listener, for tests of what it
 * answers over HTTP. Needs `deno task build` to have run.
 */
import { type AppConfig, createParley, type Parley } from "../../server.ts";
import {
  ConfigError,
  type EnvRecord,
  quietLogger,
  readConfig,
} from "../../signaling/mod.ts";
import { INFO } from "./helpers.ts";
import { granted } from "../helpers/permissions.ts";

/** `ignore` value: the app reads its routes, islands and build from disk. */
export const needsApp = !granted("read", "env");

/** The app, and a way to send it a request and to stop it. */
export interface TestApp {
  parley: Parley;
  get(path: string, headers?: HeadersInit): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Builds the app from an environment record, the way `main.ts` does, with
 * silent logs.
 * @throws {ConfigError} when a setting is unusable.
 */
export function openApp(env: EnvRecord = {}): Promise<TestApp> {
  const reading = readConfig(env);
  if ("errors" in reading) {
    return Promise.reject(new ConfigError(reading.errors.join("\n")));
  }
  return openConfiguredApp(reading.config);
}

/** Builds the app from a configuration, with silent logs. */
export async function openConfiguredApp(config: AppConfig): Promise<TestApp> {
  const parley = await createParley(config, { logger: quietLogger });
  const handler = parley.app.handler();
  return {
    parley,
    get: (path, headers) =>
      handler(new Request(`http://localhost${path}`, { headers }), INFO),
    close: () => parley.signaling.shutdown(),
  };
}
