/**
 * `deno task start`: reads the settings from the environment (every
 * variable: `signaling/config_schema.ts`, or README's Settings), starts
 * Parley (`server.ts`) and drains it on SIGINT/SIGTERM. A bad setting stops
 * the start with a message saying what to set.
 */
import { type RunningServer, startServer } from "./server.ts";
import { ConfigError, processEnv, readConfig } from "./signaling/mod.ts";

/** Says what to fix, without a stack trace, and exits. */
function refuse(problems: string[]): never {
  console.error(`Parley cannot start:\n${problems.join("\n")}`);
  Deno.exit(1);
}

if (import.meta.main) {
  const reading = readConfig(processEnv);
  if ("errors" in reading) refuse(reading.errors);
  let running: RunningServer;
  try {
    running = await startServer(reading.config);
  } catch (error) {
    // An unreachable store is the operator's to fix, like a bad setting.
    if (!(error instanceof ConfigError)) throw error;
    refuse([error.message]);
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
