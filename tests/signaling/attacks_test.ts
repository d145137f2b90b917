/**
 * Hostile clients against a real server process (`main.ts`), each attack as
 * an attacker would run it, black-box: what they cost the server and whether
 * a real user still gets in.
 */
import assert from "node:assert/strict";
import { withAppProcess } from "../helpers/app_process.ts";
import { needsRun } from "../helpers/permissions.ts";
import { maskFrame, parleyUser, RawClient, WsClient } from "./ws_helpers.ts";

const opts = { ignore: needsRun, sanitizeOps: false, sanitizeResources: false };

/** The server's resident memory in bytes, from /proc. */
async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** A bare client, handshake done, that reports the server's close code. */
function rawClient(port: number): Promise<RawClient> {
  return RawClient.open(port, "/ws?room=lobby");
}

/** The close code the server sent, once it has cut the connection (5 s at most). */
function closeCodeOf(raw: RawClient): Promise<number | null | "timeout"> {
  return Promise.race([
    raw.done.then(() => raw.closeCode),
    new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5000)),
  ]);
}

/** A frame header (masked, no payload) announcing `length` bytes. */
function frameHead(opcode: number, fin: boolean, length: number): Uint8Array {
  const head = new Uint8Array(14);
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = 0x80 | 127;
  new DataView(head.buffer).setBigUint64(2, BigInt(length));
  head.set([1, 2, 3, 4], 10);
  return head;
}

/** Writes `chunk` repeatedly until `bytes` are out, the server cuts us off, or time's up. */
async function stream(
  conn: Deno.TcpConn,
  chunk: Uint8Array,
  bytes: number,
  until: number,
): Promise<number> {
  let sent = 0;
  try {
    while (sent < bytes && Date.now() < until) {
      sent += await conn.write(chunk);
    }
  } catch {
    // Cut off: what we wanted.
  }
  return sent;
}

Deno.test({
  ...opts,
  name:
    "64 sockets streaming 48 MB frames and unfinished fragments cost the server under 32 MB and get 1009",
  async fn() {
    await withAppProcess({}, async (server, url) => {
      // Warm up the paths a normal user takes, so they are not counted.
      const warm = await parleyUser(url, "warm");
      await warm.client.close();
      await new Promise((r) => setTimeout(r, 300));
      const before = await rssOf(server.pid);
      let peak = before;
      const sampler = setInterval(async () => {
        peak = Math.max(peak, await rssOf(server.pid).catch(() => 0));
      }, 50);
      const MiB = 1024 * 1024;
      const chunk = new Uint8Array(MiB);
      const until = Date.now() + 8000;
      const clients = await Promise.all(
        Array.from({ length: 64 }, () => rawClient(server.port)),
      );
      const results = await Promise.all(clients.map(async (raw, i) => {
        const { conn } = raw;
        let sent: number;
        if (i % 2 === 0) {
          // One text frame announcing 48 MB, then its payload.
          await conn.write(frameHead(0x1, true, 48 * MiB)).catch(() => 0);
          sent = await stream(conn, chunk, 48 * MiB, until);
        } else {
          // A message of 1 MiB fragments that never ends (no FIN).
          const fragment = new Uint8Array(14 + MiB);
          fragment.set(frameHead(0x1, false, MiB));
          const next = new Uint8Array(14 + MiB);
          next.set(frameHead(0x0, false, MiB));
          await conn.write(fragment).catch(() => 0);
          sent = MiB + await stream(conn, next, 47 * MiB, until);
        }
        const code = await closeCodeOf(raw);
        await raw.close();
        return { sent, code };
      }));
      clearInterval(sampler);
      const growth = peak - before;
      console.log(
        `oversize-frame attack: RSS ${(before / MiB).toFixed(1)} → peak ${
          (peak / MiB).toFixed(1)
        } MB, ${
          (results.reduce((n, r) => n + r.sent, 0) / MiB).toFixed(0)
        } MB written by the attackers`,
      );
      for (const { code } of results) assert.equal(code, 1009);
      assert.ok(
        growth < 32 * MiB,
        `RSS grew by ${(growth / MiB).toFixed(1)} MB under the attack`,
      );
      // The server is still there for a real user.
      const after = await parleyUser(url, "after");
      assert.equal(after.welcome.name, "after");
      await after.client.close();
    });
  },
});

Deno.test({
  ...opts,
  name: "a socket that never logs in is closed with 1008 after the deadline",
  async fn() {
    await withAppProcess(
      { SIGNALING_LOGIN_TIMEOUT_MS: "500" },
      async (_server, url) => {
        const idle = await WsClient.open(url, "parley.v1");
        const started = Date.now();
        const closed = await idle.closed;
        assert.equal(closed.code, 1008);
        assert.match(closed.reason, /log in within 500 ms/);
        assert.ok(Date.now() - started < 3000);
        // One that logs in in time stays.
        const user = await parleyUser(url, "stays");
        await new Promise((r) => setTimeout(r, 800));
        assert.equal(user.client.socket.readyState, WebSocket.OPEN);
        await user.client.close();
      },
    );
  },
});

Deno.test({
  ...opts,
  name: "a ping flood is closed with 1008 while a user logs in",
  async fn() {
    await withAppProcess({}, async (server, url) => {
      const raw = await rawClient(server.port);
      const ping = maskFrame(0x9, new Uint8Array(4));
      const burst = new Uint8Array(ping.length * 1000);
      for (let i = 0; i < 1000; i++) burst.set(ping, i * ping.length);
      await stream(raw.conn, burst, burst.length * 200, Date.now() + 5000);
      assert.equal(await closeCodeOf(raw), 1008);
      await raw.close();
      const user = await parleyUser(url, "calm");
      assert.equal(user.welcome.name, "calm");
      await user.client.close();
    });
  },
});

Deno.test({
  ...opts,
  name:
    "slow-header connections are closed after the header timeout while pages still load",
  async fn() {
    await withAppProcess(
      { HTTP_HEADERS_TIMEOUT_MS: "1000" },
      async (server) => {
        const conns = await Promise.all(
          Array.from(
            { length: 200 },
            () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
          ),
        );
        const encoder = new TextEncoder();
        const ended = conns.map(async (conn) => {
          try {
            await conn.write(
              encoder.encode("GET / HTTP/1.1\r\nHost: x\r\nX-a: "),
            );
            for (let i = 0; i < 40; i++) {
              await new Promise((r) => setTimeout(r, 100));
              await conn.write(encoder.encode("a"));
            }
            return false; // still open after 4 s
          } catch {
            return true;
          } finally {
            try {
              conn.close();
            } catch {
              // Closed already.
            }
          }
        });
        const page = await fetch(`${server.url}/`);
        assert.equal(page.status, 200);
        await page.body?.cancel();
        const closed = await Promise.all(ended);
        assert.equal(closed.filter(Boolean).length, 200);
      },
    );
  },
});

Deno.test({
  ...opts,
  name:
    "one address can't take every connection slot: past its cap it gets 429 and another address logs in",
  async fn() {
    await withAppProcess(
      {
        SIGNALING_MAX_CONNECTIONS: "200",
        SIGNALING_MAX_SOCKETS_PER_ADDRESS: "20",
        TRUSTED_PROXIES: "127.0.0.1",
      },
      async (_server, url) => {
        const attempts = await Promise.allSettled(
          Array.from(
            { length: 200 },
            () =>
              WsClient.open(url, "parley.v1", {
                "x-forwarded-for": "203.0.113.7",
              }),
          ),
        );
        const held = attempts.filter((a) => a.status === "fulfilled");
        assert.equal(held.length, 20);
        assert.ok(
          attempts.some((a) =>
            a.status === "rejected" && /429/.test(String(a.reason))
          ),
        );
        const other = await WsClient.open(url, "parley.v1", {
          "x-forwarded-for": "198.51.100.2",
        });
        other.send({ type: "login", name: "neighbour" });
        assert.equal((await other.next("welcome")).name, "neighbour");
        await other.close();
        for (const a of held) {
          await (a as PromiseFulfilledResult<WsClient>).value.close();
        }
      },
    );
  },
});
