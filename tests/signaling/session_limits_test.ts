/**
 * Bounds on sessions, against a real server process (`main.ts`): detached
 * sessions per address and against the connection cap, the room member
 * limit, and a claimed call's names held across a restart. Two client
 * addresses on loopback come from `X-Forwarded-For`, believed because
 * `TRUSTED_PROXIES` names 127.0.0.1.
 */
import assert from "node:assert/strict";
import {
  type AppProcess,
  startAppProcess,
  withAppProcess,
} from "../helpers/app_process.ts";
import { freePort } from "../helpers/ports.ts";
import { needsRun } from "../helpers/permissions.ts";
import { acceptedCall, type Frame, WsClient } from "./ws_helpers.ts";

const opts = { ignore: needsRun, sanitizeOps: false, sanitizeResources: false };

/** Logs `name` in from client address `ip`; resolves with its first answer. */
async function loginFrom(
  url: string,
  ip: string,
  name: string,
  fields: Record<string, unknown> = {},
): Promise<{ client: WsClient; answer: Frame }> {
  const client = await WsClient.open(url, "parley.v1", {
    "x-forwarded-for": ip,
  });
  client.send({ type: "login", name, ...fields });
  const answer = await client.next((f) =>
    f.type === "welcome" || f.type === "error"
  );
  return { client, answer };
}

/**
 * Follows `watcher`'s presence (starting from its welcome's users) until
 * `done` holds for the names in the room, or fails after `ms`.
 */
async function presenceUntil(
  watcher: WsClient,
  names: Set<string>,
  done: (names: Set<string>) => boolean,
  ms = 5000,
): Promise<Set<string>> {
  const deadline = Date.now() + ms;
  while (!done(names)) {
    const f = await watcher.next("presence", Math.max(1, deadline - Date.now()))
      .catch(() => {
        throw new Error(`presence never settled: ${[...names].join(", ")}`);
      });
    for (const n of f.left ?? []) names.delete(n);
    for (const u of f.joined ?? []) names.add(u.name);
  }
  return names;
}

const bots = (names: Set<string>) =>
  [...names].filter((n) => n.startsWith("bot")).sort();

Deno.test({
  ...opts,
  name:
    "an address that logs in and drops in a loop keeps at most the cap of detached sessions in presence, while another address logs in",
  async fn() {
    await withAppProcess({
      SIGNALING_MAX_DROPPED_PER_ADDRESS: "3",
      SIGNALING_MAX_CONNECTIONS: "50",
      TRUSTED_PROXIES: "127.0.0.1",
    }, async (_server, url) => {
      const watcher = await loginFrom(url, "198.51.100.2", "watcher");
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const bot = await loginFrom(url, "203.0.113.7", `bot${i}`);
        assert.equal(bot.answer.type, "welcome");
        // 4000: what a client's heartbeat sends when it gives up; the
        // session is kept for a resume.
        await bot.client.close(4000);
      }
      await presenceUntil(
        watcher.client,
        seen,
        (names) => bots(names).join() === "bot17,bot18,bot19",
      );
      const other = await loginFrom(url, "198.51.100.3", "neighbour");
      assert.equal(other.answer.type, "welcome");
      assert.deepEqual(
        other.answer.users.map((u: Frame) => u.name).sort(),
        ["bot17", "bot18", "bot19", "watcher"],
      );
      await other.client.close();
      await watcher.client.close();
    });
  },
});

Deno.test({
  ...opts,
  name:
    "detached sessions count against the connection cap: a full process ends the heaviest address's oldest one to let a user in",
  async fn() {
    await withAppProcess({
      SIGNALING_MAX_CONNECTIONS: "10",
      SIGNALING_MAX_DROPPED_PER_ADDRESS: "8",
      TRUSTED_PROXIES: "127.0.0.1",
    }, async (_server, url) => {
      const watcher = await loginFrom(url, "198.51.100.2", "watcher");
      for (let i = 0; i < 6; i++) {
        await (await loginFrom(url, "203.0.113.7", `bot${i}`)).client.close(
          4000,
        );
      }
      for (const name of ["ann", "bob"]) {
        await (await loginFrom(url, "192.0.2.1", name)).client.close(4000);
      }
      const seen = await presenceUntil(
        watcher.client,
        new Set(),
        (names) => names.size === 8,
      );
      // 1 socket + 8 detached: one more fits without ending anything.
      const cat = await loginFrom(url, "192.0.2.50", "cat");
      assert.equal(cat.answer.type, "welcome");
      // 2 sockets + 8 detached reach the cap of 10: the next user gets in
      // and bot0, the oldest of the address holding the most, ends.
      const dan = await loginFrom(url, "192.0.2.51", "dan");
      assert.equal(dan.answer.type, "welcome");
      await presenceUntil(watcher.client, seen, (names) => !names.has("bot0"));
      assert.ok(seen.has("ann") && seen.has("bob"), [...seen].join());
      assert.deepEqual(bots(seen), ["bot1", "bot2", "bot3", "bot4", "bot5"]);
      for (const c of [cat, dan, watcher]) await c.client.close();
    });
  },
});

Deno.test({
  ...opts,
  name:
    "a login past the room member limit gets room-full while other rooms still take users",
  async fn() {
    await withAppProcess(
      { SIGNALING_MAX_ROOM_MEMBERS: "3" },
      async (server) => {
        const room = `ws://127.0.0.1:${server.port}/ws?room=small`;
        const inside = [];
        for (const name of ["ann", "bob", "cat"]) {
          const user = await loginFrom(room, "127.0.0.1", name);
          assert.equal(user.answer.type, "welcome");
          inside.push(user.client);
        }
        const late = await loginFrom(room, "127.0.0.1", "dan");
        assert.equal(late.answer.type, "error");
        assert.equal(late.answer.code, "room-full");
        assert.match(late.answer.message, /try again later/);
        const elsewhere = await loginFrom(
          `ws://127.0.0.1:${server.port}/ws?room=big`,
          "127.0.0.1",
          "dan",
        );
        assert.equal(elsewhere.answer.type, "welcome");
        for (const c of [...inside, late.client, elsewhere.client]) {
          await c.close();
        }
      },
    );
  },
});

Deno.test({
  ...opts,
  name:
    "after a restart, a third party logging in as a call party's name is renamed and the call is restored for both",
  async fn() {
    const port = freePort();
    const first = await startAppProcess({ port });
    const url = `ws://127.0.0.1:${port}/ws`;
    let second: AppProcess | undefined;
    try {
      const ann = await loginFrom(url, "127.0.0.1", "ann");
      const bob = await loginFrom(url, "127.0.0.1", "bob");
      const callId = await acceptedCall(ann.client, bob.client, "bob");
      await first.kill();
      await Promise.all([ann.client.closed, bob.client.closed]);
      second = await startAppProcess({ port });

      const annBack = await loginFrom(url, "127.0.0.1", "ann", {
        call: { callId, peer: "bob", polite: false },
      });
      assert.equal(annBack.answer.name, "ann");
      const mallory = await loginFrom(url, "127.0.0.1", "bob");
      assert.equal(mallory.answer.name, "bob 2");
      assert.equal(mallory.answer.renamed, true);
      const bobBack = await loginFrom(url, "127.0.0.1", "bob", {
        call: { callId, peer: "ann", polite: true },
      });
      assert.equal(bobBack.answer.name, "bob");
      assert.equal(bobBack.answer.renamed, false);
      assert.deepEqual(await bobBack.client.next("call-restored"), {
        type: "call-restored",
        callId,
        peer: "ann",
      });
      assert.equal((await annBack.client.next("call-restored")).peer, "bob");
      for (const c of [annBack, mallory, bobBack]) await c.client.close();
    } catch (error) {
      console.error(second?.output() ?? first.output());
      throw error;
    } finally {
      await first.kill();
      await second?.kill("SIGTERM");
    }
  },
});
