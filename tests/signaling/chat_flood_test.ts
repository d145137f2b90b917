/**
 * Issue 12, item 3, against the real server process at its default
 * settings: room chat, each sender within the rate limit, must not end a
 * call — neither while one party's socket is down (its frames wait for a
 * resume) nor while one party reads slower than the room talks.
 */

import { needsRun } from "../helpers/permissions.ts";
import assert from "node:assert/strict";
import { startAppProcess } from "../helpers/app_process.ts";
import { freePort } from "../helpers/ports.ts";
import { CutProxy } from "../e2e/resilience_proxy.ts";
import { acceptedCall, type Frame, WsClient } from "./ws_helpers.ts";

const ROOM = "flood";
const wsUrl = (port: number) => `ws://127.0.0.1:${port}/ws?room=${ROOM}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a `parley.v1` socket and logs in; resolves with the welcome. */
async function login(
  port: number,
  name: string,
  fields: Record<string, unknown> = {},
): Promise<{ client: WsClient; welcome: Frame }> {
  const client = await WsClient.open(wsUrl(port), "parley.v1");
  client.send({ type: "login", name, ...fields });
  return { client, welcome: await client.next("welcome", 5000) };
}

/**
 * A room member that only talks: it reads what the room sends (a browser
 * would) but keeps none of it, so forty of them cost the test little.
 */
class Chatter {
  received = 0;
  closedWith: number | null = null;
  readonly welcomed: Promise<void>;

  private constructor(readonly socket: WebSocket, name: string) {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.welcomed = promise;
    socket.onmessage = (e) => {
      this.received++;
      if ((e.data as string).startsWith('{"type":"welcome"')) resolve();
    };
    socket.onclose = (e) => this.closedWith = e.code;
    socket.send(JSON.stringify({ type: "login", name }));
  }

  static async open(port: number, name: string): Promise<Chatter> {
    const socket = new WebSocket(wsUrl(port), "parley.v1");
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const chatter = new Chatter(socket, name);
    await chatter.welcomed;
    return chatter;
  }

  say(text: string): void {
    this.socket.send(JSON.stringify({ type: "chat", text }));
  }

  close(): void {
    this.socket.onclose = null;
    this.socket.close(1000);
  }
}

/** Waits until `done()` holds, polling; fails with `what` after `ms`. */
async function until(done: () => boolean, ms: number, what: () => string) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await sleep(50);
  }
}

const countChats = (frames: Frame[]) =>
  frames.filter((f) => f.type === "chat").length;

Deno.test({
  ignore: needsRun,
  name:
    "300 room chats while Bob's socket is down leave Alice's call up, and Bob resumes into it told how much chat he missed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startAppProcess({ port: freePort() });
    const proxy = CutProxy.start(server.port);
    const extra: WsClient[] = [];
    try {
      const alice = (await login(server.port, "alice")).client;
      const bobSocket = await WsClient.open(wsUrl(proxy.port), "parley.v1");
      bobSocket.send({ type: "login", name: "bob" });
      const token = (await bobSocket.next("welcome")).resume as string;
      const callId = await acceptedCall(alice, bobSocket, "bob");

      // Bob's network goes: the server sees the TCP connection end without
      // a Close frame, as when a phone loses its signal.
      await proxy.cut(200);
      await bobSocket.closed;

      // Within the rate limit: each socket stays inside its burst.
      const senders = await Promise.all(
        ["mallory", "m1", "m2", "m3", "m4", "m5"].map(async (name) =>
          (await login(server.port, name)).client
        ),
      );
      extra.push(...senders);
      const perSender = 55;
      const sent = senders.length * perSender;
      for (let i = 0; i < perSender; i++) {
        for (const [s, sender] of senders.entries()) {
          sender.send({ type: "chat", text: `spam ${s}/${i}` });
        }
        if (i === 20) {
          alice.send({
            type: "signal",
            callId,
            candidate: { candidate: "while-away", sdpMid: "0" },
          });
        }
      }
      // Every chat went through the server once Alice has seen them all.
      await until(
        () => countChats(alice.frames) >= sent,
        10_000,
        () => `alice saw ${countChats(alice.frames)} of ${sent} chats`,
      );
      assert.equal(
        senders.flatMap((s) => s.frames).filter((f) => f.type === "error")
          .length,
        0,
        "no sender was rate-limited",
      );

      const back = await login(server.port, "bob", { resume: token });
      const bob = back.client;
      extra.push(bob);
      assert.equal(back.welcome.resumed, true, "the resume worked");
      assert.equal(back.welcome.name, "bob");
      assert.deepEqual(back.welcome.call, {
        callId,
        peer: "alice",
        polite: true,
        state: "active",
      });
      const signal = await bob.next("signal");
      assert.equal(signal.candidate.candidate, "while-away");
      const dropped = await bob.next("chat-dropped");
      await until(
        () => countChats(bob.frames) + dropped.count >= sent,
        5000,
        () => `bob has ${countChats(bob.frames)} chats + ${dropped.count}`,
      );
      assert.ok(dropped.count > 0, "some chat was dropped");
      assert.equal(countChats(bob.frames) + dropped.count, sent);
      assert.equal(
        bob.frames.findIndex((f) => f.type === "chat"),
        0,
        "the chat kept comes after the count",
      );

      // The call is still up both ways.
      bob.send({ type: "signal", callId, candidate: null });
      assert.equal((await alice.next("signal")).callId, callId);
      assert.equal(
        alice.frames.find((f) => f.type === "ended"),
        undefined,
        "Alice never got peer-left",
      );
      extra.push(alice);
    } finally {
      for (const c of extra) await c.close().catch(() => {});
      proxy.close();
      await server.kill();
    }
  },
});

Deno.test({
  ignore: needsRun,
  name:
    "forty sockets chatting 2 kB at 18/s do not close Bob's slow socket or his call, and when he reads again he is told how much chat he lost",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startAppProcess({ port: freePort() });
    const proxy = CutProxy.start(server.port, 64 * 1024);
    const chatters: Chatter[] = [];
    const clients: WsClient[] = [];
    try {
      const alice = (await login(server.port, "alice")).client;
      const bob = await WsClient.open(wsUrl(proxy.port), "parley.v1");
      clients.push(alice, bob);
      bob.send({ type: "login", name: "bob" });
      await bob.next("welcome");
      const callId = await acceptedCall(alice, bob, "bob");

      for (let i = 0; i < 40; i++) {
        chatters.push(await Chatter.open(server.port, `chatter ${i}`));
      }
      await alice.next("presence");
      alice.frames.length = 0;

      // 8 s of 40 × 18 chats/s of 2,000 characters, each socket under its
      // 20/s limit; Alice keeps signalling Bob all along.
      const text = (i: number, n: number) => `${i}/${n} `.padEnd(2000, "x");
      let sent = 0;
      let signals = 0;
      const started = Date.now();
      for (let n = 0; Date.now() - started < 8000; n++) {
        const due = started + n * (1000 / 18);
        await sleep(Math.max(0, due - Date.now()));
        for (const [i, chatter] of chatters.entries()) {
          if (chatter.closedWith === null) {
            chatter.say(text(i, n));
            sent++;
          }
        }
        if (n % 9 === 0) {
          alice.send({
            type: "signal",
            callId,
            candidate: { candidate: `c${signals++}`, sdpMid: "0" },
          });
        }
      }
      assert.equal(
        bob.socket.readyState,
        WebSocket.OPEN,
        "Bob's socket is still open after the flood",
      );

      // Bob's link comes back: everything still meant for him arrives.
      proxy.rate = Infinity;
      const droppedCount = () =>
        bob.frames.filter((f) => f.type === "chat-dropped")
          .reduce((sum, f) => sum + f.count, 0);
      await until(
        () =>
          countChats(bob.frames) + droppedCount() >= sent ||
          bob.socket.readyState === WebSocket.CLOSED,
        60_000,
        () =>
          `bob has ${
            countChats(bob.frames)
          } chats + ${droppedCount()} dropped of ${sent}`,
      );
      assert.equal(bob.socket.readyState, WebSocket.OPEN, "never closed");
      assert.ok(droppedCount() > 0, "chat was dropped, and he was told");
      assert.equal(
        countChats(bob.frames) + droppedCount(),
        sent,
        "every chat either reached Bob or was counted",
      );
      assert.deepEqual(
        bob.frames.filter((f) => f.type === "signal").map((f) =>
          f.candidate.candidate
        ),
        Array.from({ length: signals }, (_, i) => `c${i}`),
        "every signal from Alice, in order",
      );
      for (const [who, c] of [["alice", alice], ["bob", bob]] as const) {
        assert.equal(
          c.frames.find((f) => f.type === "ended"),
          undefined,
          `${who} got no ended`,
        );
      }
      bob.send({ type: "signal", callId, candidate: null });
      assert.equal((await alice.next("signal", 10_000)).callId, callId);
      assert.deepEqual(
        chatters.filter((c) => c.closedWith !== null).map((c) => c.closedWith),
        [],
        "no chatter was closed either",
      );
    } finally {
      for (const c of chatters) c.close();
      for (const c of clients) await c.close().catch(() => {});
      proxy.close();
      await server.kill();
    }
  },
});
