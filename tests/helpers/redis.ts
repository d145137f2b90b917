/**
 * A real `redis-server` on loopback for tests: no persistence, so a restart
 * comes back empty, as a crashed Redis without a disk would.
 */
import { freePort } from "./ports.ts";

/** A running redis-server and how to reach, stop and restart it. */
export interface Redis {
  url: string;
  port: number;
  /** Kills the server and waits until the process has exited. */
  stop(): Promise<void>;
  /**
   * Kills the server and starts it again, empty, on the same port, after
   * `downMs` (default 0) without a server.
   */
  restart(options?: { downMs?: number }): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** Starts `redis-server`; resolves once it answers `PING` over TCP. */
export async function startRedis(): Promise<Redis> {
  const dir = await Deno.makeTempDir({ prefix: "parley-redis-" });
  const port = freePort();
  let child = await spawn(port, dir);
  const kill = async () => {
    try {
      // SIGKILL: the test wants Redis gone at once, as after a crash.
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    async restart({ downMs = 0 } = {}) {
      await kill();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      child = await spawn(port, dir);
    },
  };
}

async function spawn(port: number, dir: string): Promise<Deno.ChildProcess> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        `${dir}/redis.log`,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        "redis-server is not installed: run `apt-get install -y redis-server`.",
      );
    }
    throw error;
  }
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answersPing(port)) return child;
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
  await child.status;
  throw new Error(
    `redis-server did not answer PING on port ${port} within ${
      START_TIMEOUT_MS / 1000
    } s; see ${dir}/redis.log.`,
  );
}

/** One inline RESP `PING`; true on `+PONG`. */
async function answersPing(port: number): Promise<boolean> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return false; // not listening yet
  }
  try {
    await conn.write(new TextEncoder().encode("PING\r\n"));
    const buffer = new Uint8Array(64);
    const n = await conn.read(buffer);
    return n !== null &&
      new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG");
  } catch {
    return false;
  } finally {
    conn.close();
  }
}
