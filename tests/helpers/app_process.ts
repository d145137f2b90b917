/**
 * The real Parley server as a separate process (`deno run -A main.ts`), so a
 * test can kill it outright and start a new one on the same port, the way a
 * crash and a supervisor restart would. Needs `deno task build` to have run
 * (in `root`, when another checkout is served).
 */

import { freePort } from "./ports.ts";

const ROOT = new URL("../../", import.meta.url);

/** A running server process. */
export interface AppProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** ms from spawn until `/healthz` answered. */
  startupMs: number;
  /** Sends `signal` (SIGKILL by default: no goodbye to anyone) and waits for the exit. */
  kill(signal?: Deno.Signal): Promise<void>;
  /** The last lines the process printed (stdout and stderr), for failure messages. */
  output(): string;
}

/** Options of {@link startAppProcess}. */
export interface AppProcessOptions {
  port: number;
  /** Extra environment (settings from `signaling/config.ts`). */
  env?: Record<string, string>;
  /** Give up if `/healthz` does not answer within this long. */
  timeoutMs?: number;
  /** How often to ask `/healthz` (25 ms); small when timing start-up. */
  pollMs?: number;
  /**
   * Checkout whose `main.ts` to run (default: this one). The call-setup
   * bench serves an older revision from a git worktree next to this one.
   */
  root?: string | URL;
}

/** Keeps the tail of a byte stream as text; reading it also keeps the pipe from filling. */
function drain(stream: ReadableStream<Uint8Array>, lines: string[]) {
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for await (const chunk of stream) {
        lines.push(...decoder.decode(chunk, { stream: true }).split("\n"));
        if (lines.length > 200) lines.splice(0, lines.length - 200);
      }
    } catch {
      // The process went away; what was read is kept.
    }
  })();
}

/**
 * Spawns the server on `127.0.0.1:<port>` and resolves once `/healthz`
 * answers 200.
 */
export async function startAppProcess(
  options: AppProcessOptions,
): Promise<AppProcess> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: options.root ?? ROOT,
    env: {
      PORT: String(options.port),
      HOSTNAME: "127.0.0.1",
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  drain(child.stdout, lines);
  drain(child.stderr, lines);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const url = `http://127.0.0.1:${options.port}`;
  const process: AppProcess = {
    url,
    port: options.port,
    pid: child.pid,
    startupMs: 0,
    async kill(signal: Deno.Signal = "SIGKILL") {
      if (!exited) {
        try {
          child.kill(signal);
        } catch {
          // Exited between the check and the kill.
        }
      }
      await status;
    },
    output: () => lines.join("\n").trim(),
  };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${url}/healthz`);
      await res.body?.cancel();
      if (res.ok) {
        process.startupMs = Math.round(performance.now() - started);
        return process;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 25));
  }
  await process.kill();
  throw new Error(
    `Parley did not answer /healthz on port ${options.port}` +
      ` (${exited ? "it exited" : "timed out"}). Output:\n${process.output()}`,
  );
}

/**
 * Runs `fn` against a fresh server process on a free port with `env`, then
 * stops it; on failure the server's last output is printed with the error.
 * `ws` is the server's `/ws` URL.
 */
export async function withAppProcess(
  env: Record<string, string>,
  fn: (server: AppProcess, ws: string) => Promise<void>,
): Promise<void> {
  const server = await startAppProcess({ port: freePort(), env });
  try {
    await fn(server, `ws://127.0.0.1:${server.port}/ws`);
  } catch (error) {
    console.error(server.output());
    throw error;
  } finally {
    await server.kill("SIGTERM");
  }
}
