/**
 * The child processes of the benchmarks, handled one way: spawning a
 * benchmark server (`parley_server.ts` or `minimal_relay.ts`) and reading
 * where it listens, reading a child's stdout line by line, stopping a
 * child, and reading a process's CPU time; with the two timing helpers
 * all of that needs.
 */
import { serverFlags, type ServerGrants } from "./server_flags.ts";

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`'s value, or `fallback` after `ms`; no timer is left behind. */
export async function within<T, F>(
  promise: Promise<T>,
  ms: number,
  fallback: F,
): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** utime + stime of a process (`"self"`: this one), in seconds (Linux /proc). */
export function cpuSeconds(pid: number | "self"): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name, which may contain spaces, closed by ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** How long a child has after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 5000;

/** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it exited. */
export async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already gone */ }
  const exited = await within(
    child.status.then(() => true),
    STOP_GRACE_MS,
    false,
  );
  if (!exited) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone meanwhile */ }
    await child.status;
  }
}

/** Lines of a child's stdout, one at a time, bounded in time. */
export class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffered = "";

  constructor(stdout: Deno.ChildProcess["stdout"]) {
    this.#reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  /**
   * The next line, without its `\n`; throws `<what>: timed out` after
   * `timeoutMs`, or `<what>: the process exited` if stdout ends first.
   */
  async next(timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffered.indexOf("\n");
      if (end >= 0) {
        const line = this.#buffered.slice(0, end);
        this.#buffered = this.#buffered.slice(end + 1);
        return line;
      }
      const chunk = await within(
        this.#reader.read(),
        deadline - Date.now(),
        null,
      );
      if (chunk === null) throw new Error(`${what}: timed out`);
      if (chunk.done) throw new Error(`${what}: the process exited`);
      this.#buffered += chunk.value;
    }
  }

  /** Keeps reading and dropping, so a full pipe never blocks the child. */
  drain(): void {
    void (async () => {
      while (!(await this.#reader.read().catch(() => ({ done: true }))).done) {
        // discard
      }
    })();
  }
}

/** A benchmark server that has said where it listens. */
export interface ServerProcess {
  port: number;
  pid: number;
  /** Stops it ({@linkcode stopChild}); SIGTERM lets a server write its CPU profile. */
  stop(): Promise<void>;
}

/** What {@linkcode startServer} starts, and how. */
export interface ServerSpawn {
  script: "parley_server.ts" | "minimal_relay.ts";
  /** Names the server in errors (`<label> start: timed out`). */
  label: string;
  /**
   * Redis to join as one more cluster instance; without it the server is
   * a single process, which is not even allowed to read `REDIS_URL`.
   */
  redisUrl?: string | null;
  /** Permissions beyond those of every server (`server_flags.ts`). */
  grants?: ServerGrants;
  /** Writes a V8 CPU profile `<dir>/<name>.cpuprofile` when stopped. */
  profile?: { dir: string; name: string } | null;
}

/** A server has this long to print `listening <port>`. */
const SERVER_START_TIMEOUT_MS = 20_000;

/**
 * Spawns a benchmark server on a free port of 127.0.0.1 and resolves once
 * it printed `listening <port>`; stdout is drained from then on. A server
 * that fails to start is stopped before the error is thrown.
 */
export async function startServer(spawn: ServerSpawn): Promise<ServerProcess> {
  const { redisUrl, profile } = spawn;
  const flags = serverFlags({
    ...spawn.grants,
    env: [...spawn.grants?.env ?? [], ...redisUrl ? ["REDIS_URL"] : []],
  });
  if (profile) {
    flags.push(
      "--cpu-prof",
      `--cpu-prof-dir=${profile.dir}`,
      `--cpu-prof-name=${profile.name}.cpuprofile`,
    );
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...flags,
      new URL(`./${spawn.script}`, import.meta.url).pathname,
      "0",
    ],
    env: redisUrl ? { REDIS_URL: redisUrl } : {},
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stop = () => stopChild(child);
  try {
    const lines = new LineReader(child.stdout);
    const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
    for (;;) {
      const line = await lines.next(
        deadline - Date.now(),
        `${spawn.label} start`,
      );
      const match = /listening (\d+)/.exec(line);
      if (!match) continue;
      // Nothing more is expected, but a full pipe would block the server.
      lines.drain();
      return { port: Number(match[1]), pid: child.pid, stop };
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts every server of `spawns` at once, runs `fn` with them in that
 * order, and always stops those that started; if any failed to start, `fn`
 * does not run and the first failure is thrown.
 */
export async function withServerProcesses<T>(
  spawns: ServerSpawn[],
  fn: (servers: ServerProcess[]) => Promise<T>,
): Promise<T> {
  const started = await Promise.allSettled(spawns.map(startServer));
  const list = started.flatMap((s) =>
    s.status === "fulfilled" ? [s.value] : []
  );
  try {
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return await fn(list);
  } finally {
    await Promise.all(list.map((server) => server.stop()));
  }
}
