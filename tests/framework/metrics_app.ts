/**
 * The real app's request handler, without a listener, for tests of what it
 * answers over HTTP. Needs `deno task build` to have run.
 */
import { createParley, type Parley, type WebOptions } from "../../main.ts";
import type { EnvRecord, SignalingOptions } from "../../signaling/mod.ts";
import { quietLogger } from "../../signaling/mod.ts";
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
 * Builds the app from `settings` (an environment record, or relay options
 * with silent logs) and `web` options.
 */
export async function openApp(
  settings: EnvRecord | SignalingOptions = { logger: quietLogger },
  web: WebOptions = {},
): Promise<TestApp> {
  const parley = await createParley(settings, web);
  const handler = parley.app.handler();
  return {
    parley,
    get: (path, headers) =>
      handler(new Request(`http://localhost${path}`, { headers }), INFO),
    close: () => parley.signaling.shutdown(),
  };
}
