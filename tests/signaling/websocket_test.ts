import assert from "node:assert/strict";
import { needsNet } from "../helpers/permissions.ts";
import {
  parleyPair,
  parleyUser,
  RawClient,
  rawHandshake,
  startServer,
  WsClient,
} from "./ws_helpers.ts";

const opts = { ignore: needsNet, sanitizeOps: true, sanitizeResources: true };

Deno.test({
  ...opts,
  name:
    "the tutorial client logs in, chats, calls and hangs up while a parley.v1 client watches",
  async fn() {
    const server = await startServer({ presenceTickMs: 10 });
    try {
      const { client: watcher, welcome } = await parleyUser(
        server.url,
        "Watcher",
      );
      assert.deepEqual(welcome.users, []);

      // Exactly what the MDN sample client does.
      const tutorial = async (name: string) => {
        const ws = await WsClient.open(server.url, "json");
        assert.equal(
          ws.socket.protocol,
          "json",
          "the sample client aborts without json",
        );
        const { id } = await ws.next("id");
        ws.send({ name, date: Date.now(), id, type: "username" });
        return ws;
      };
      const ann = await tutorial("Ann");
      assert.deepEqual((await ann.next("userlist")).users, ["Watcher", "Ann"]);
      const bob = await tutorial("Ann");
      assert.equal((await bob.next("rejectusername")).name, "Ann 2");
      assert.deepEqual((await bob.next("userlist")).users, [
        "Watcher",
        "Ann",
        "Ann 2",
      ]);

      const joined = [];
      while (joined.length < 2) {
        joined.push(...(await watcher.next("presence")).joined);
      }
      assert.deepEqual(joined.map((u) => u.name), ["Ann", "Ann 2"]);

      ann.send({
        text: "hello <b>all</b>",
        type: "message",
        id: 1,
        date: Date.now(),
      });
      assert.equal(
        (await bob.next("message")).text,
        "hello &lt;b&gt;all&lt;/b&gt;",
      );
      const chat = await watcher.next("chat");
      assert.equal(chat.from, "Ann");
      assert.equal(chat.text, "hello <b>all</b>");

      ann.send({
        name: "Ann",
        target: "Ann 2",
        type: "video-offer",
        sdp: { type: "offer", sdp: "o" },
      });
      const offer = await bob.next("video-offer");
      assert.equal(offer.name, "Ann");
      ann.send({
        type: "new-ice-candidate",
        target: "Ann 2",
        candidate: {
          candidate: "c1",
          sdpMid: "0",
          sdpMLineIndex: 0,
          usernameFragment: "u",
        },
      });
      assert.equal(
        (await bob.next("new-ice-candidate")).candidate.candidate,
        "c1",
      );
      bob.send({
        name: "Ann 2",
        target: "Ann",
        type: "video-answer",
        sdp: { type: "answer", sdp: "a" },
      });
      assert.equal((await ann.next("video-answer")).sdp.sdp, "a");
      bob.send({
        type: "new-ice-candidate",
        target: "Ann",
        candidate: { candidate: "c2", sdpMid: "0", sdpMLineIndex: 0 },
      });
      assert.equal((await ann.next("new-ice-candidate")).name, "Ann 2");

      const busy = await watcher.next("presence");
      assert.deepEqual(busy.changed.map((u: { state: string }) => u.state), [
        "busy",
        "busy",
      ]);

      // The sample sends hang-up with target null (it clears the target first).
      ann.send({ name: "Ann", target: null, type: "hang-up" });
      assert.deepEqual(await bob.next("hang-up"), {
        type: "hang-up",
        name: "Ann",
      });
      const free = await watcher.next("presence");
      // Available again: the entries carry no state (the default).
      assert.deepEqual(free.changed, [{ name: "Ann" }, { name: "Ann 2" }]);
      assert.equal(
        watcher.frames.filter((f) => f.type === "hang-up").length,
        0,
      );

      await Promise.all([ann.close(), bob.close(), watcher.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "the server answers the subprotocol each dialect offers",
  async fn() {
    const server = await startServer();
    try {
      const p = await WsClient.open(server.url, ["json", "parley.v1"]);
      assert.equal(p.socket.protocol, "parley.v1");
      const none = await WsClient.open(server.url);
      assert.equal(none.socket.protocol, "");
      assert.equal((await none.next("id")).type, "id");
      await Promise.all([p.close(), none.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a signal with a spoofed from is refused, other fields pass as sent, and chat names the sender",
  async fn() {
    const server = await startServer();
    try {
      const { caller, callee, callId } = await parleyPair(
        server.url,
        "ann",
        "bob",
      );
      const offer = {
        type: "signal",
        callId,
        name: "bob",
        id: 2,
        description: { type: "offer", sdp: "x" },
      };
      caller.send({ ...offer, from: "bob" });
      const refused = await caller.next("error");
      assert.equal(refused.code, "bad-message");
      assert.match(refused.message, /leave from out/);
      caller.send(offer);
      // Only the call peer gets signals for the call; the rest is opaque.
      assert.deepEqual(await callee.next("signal"), offer);
      assert.equal(
        callee.frames.filter((f) => f.type === "signal").length,
        0,
        "and the spoofed one never arrived",
      );
      caller.send({ type: "chat", text: "hi", from: "bob" });
      assert.equal((await callee.next("chat")).from, "ann");
      await Promise.all([caller.close(), callee.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a frame of 64 KiB + 1 closes the socket with 1009 and the peer gets peer-left",
  async fn() {
    const server = await startServer();
    try {
      const { caller, callee, callId } = await parleyPair(
        server.url,
        "ann",
        "bob",
      );
      const base = JSON.stringify({
        type: "signal",
        callId,
        description: { type: "offer", sdp: "" },
      });
      /** A signal frame of exactly `bytes` UTF-8 bytes, mostly 2-byte "é". */
      const sized = (bytes: number) => {
        const fill = bytes - base.length;
        return base.slice(0, -3) + "é".repeat(Math.floor(fill / 2)) +
          "x".repeat(fill % 2) + '"}}';
      };
      assert.equal(new TextEncoder().encode(sized(65536)).length, 65536);
      caller.send(sized(65536));
      assert.equal(
        (await callee.next("signal")).callId,
        callId,
        "exactly 64 KiB is relayed",
      );
      caller.send(sized(65537));
      const closed = await caller.closed;
      assert.equal(closed.code, 1009);
      assert.equal((await callee.next("ended")).reason, "peer-left");
      await callee.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a client sending at 4x its rate past the abuse limit is closed with 1008",
  async fn() {
    const server = await startServer({
      ratePerSecond: 10,
      rateBurst: 10,
      abuseCloseMs: 400,
    });
    try {
      const abuser = await RawClient.open(server.port);
      const started = Date.now();
      while (abuser.closeCode === null && Date.now() - started < 3000) {
        if (!await abuser.sendText('{"type":"ping"}')) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await abuser.done;
      assert.equal(abuser.closeCode, 1008);
      assert.ok(abuser.texts.some((t) => t.includes('"rate-limited"')));
      await abuser.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "a flood is cut off while another pair keeps calling",
  async fn() {
    const server = await startServer({
      ratePerSecond: 50,
      rateBurst: 50,
      abuseCloseMs: 400,
    });
    try {
      // The flooder ignores everything the server says and writes flat out.
      const flooder = await RawClient.open(server.port);
      await flooder.sendText(JSON.stringify({ type: "login", name: "flood" }));
      const calm = await parleyPair(server.url, "ann", "bob");
      const started = Date.now();
      let calmRoundTrips = 0;
      let writing = true;
      while (writing && Date.now() - started < 5000) {
        for (let i = 0; i < 100 && writing; i++) {
          writing = await flooder.sendText(
            JSON.stringify({ type: "chat", text: `spam ${i}` }),
          );
        }
        calm.caller.send({
          type: "signal",
          callId: calm.callId,
          candidate: { candidate: "c" },
        });
        await calm.callee.next("signal");
        calm.callee.send({
          type: "signal",
          callId: calm.callId,
          candidate: { candidate: "d" },
        });
        await calm.caller.next("signal");
        calmRoundTrips++;
        // The calm pair stays within its own rate (2 messages per 25 ms).
        await new Promise((r) => setTimeout(r, 25));
      }
      await flooder.done;
      assert.ok(
        Date.now() - started < 2000,
        "cut off soon after the abuse limit",
      );
      // A client still writing after the server's Close frame may not see it:
      // Deno drops the TCP connection when data follows its Close frame.
      assert.equal(server.signaling.stats().kicked["1008"], 1);
      assert.ok(flooder.texts.some((t) => t.includes('"rate-limited"')));
      const spam = calm.caller.frames.filter((f) => f.type === "chat").length;
      assert.ok(spam <= 50 + 50 * 2, `${spam} flood chats got through`);
      assert.ok(calmRoundTrips >= 3, `${calmRoundTrips} calm round trips`);
      calm.caller.send({ type: "hangup", callId: calm.callId });
      assert.equal((await calm.callee.next("ended")).reason, "hangup");
      await flooder.close();
      await Promise.all([calm.caller.close(), calm.callee.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "a cross-origin upgrade gets 403 and a same-origin one is accepted",
  async fn() {
    const server = await startServer();
    try {
      await assert.rejects(
        WsClient.open(server.url, "parley.v1", { origin: "https://evil.test" }),
        /403/,
      );
      const ok = await WsClient.open(server.url, "parley.v1", {
        origin: `http://127.0.0.1:${server.port}`,
      });
      await ok.close();
      const listed = await startServer({
        allowedOrigins: ["https://app.test"],
      });
      try {
        const fine = await WsClient.open(listed.url, "parley.v1", {
          origin: "https://app.test",
        });
        await fine.close();
        await assert.rejects(
          WsClient.open(listed.url, "parley.v1", {
            origin: `http://127.0.0.1:${listed.port}`,
          }),
          /403/,
        );
      } finally {
        await listed.close();
      }
      assert.equal(server.signaling.stats().refused.origin, 1);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "over the connection cap an upgrade is refused with 503 and a text body",
  async fn() {
    const server = await startServer({ maxConnections: 2 });
    try {
      const a = await WsClient.open(server.url, "parley.v1");
      const b = await WsClient.open(server.url, "parley.v1");
      await assert.rejects(WsClient.open(server.url, "parley.v1"), /503/);
      const direct = await rawHandshake(server.port);
      assert.equal(direct.status, 503);
      assert.match(direct.body, /connection limit/);
      await a.close();
      await new Promise((r) => setTimeout(r, 50));
      const c = await WsClient.open(server.url, "parley.v1");
      await Promise.all([b.close(), c.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "bad room names get 400 and plain requests 426",
  async fn() {
    const server = await startServer();
    try {
      await assert.rejects(
        WsClient.open(server.url + "?room=no%20spaces", "parley.v1"),
        /400/,
      );
      const plain = await fetch(`http://127.0.0.1:${server.port}/ws`);
      assert.equal(plain.status, 426);
      await plain.body?.cancel();
      const room = await WsClient.open(
        server.url + "?room=team-1",
        "parley.v1",
      );
      room.send({ type: "login", name: "ann" });
      assert.equal((await room.next("welcome")).room, "team-1");
      await room.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "shutdown closes every socket with 1001, refuses new upgrades and resolves quickly",
  async fn() {
    const server = await startServer();
    const { caller, callee } = await parleyPair(server.url, "ann", "bob");
    const tutorial = await WsClient.open(server.url, "json");
    const started = Date.now();
    const down = server.signaling.shutdown();
    const closes = await Promise.all([
      caller.closed,
      callee.closed,
      tutorial.closed,
    ]);
    assert.deepEqual(closes.map((c) => c.code), [1001, 1001, 1001]);
    await down;
    assert.ok(Date.now() - started < 5000);
    const late = await rawHandshake(server.port);
    assert.equal(late.status, 503);
    assert.equal(server.signaling.stats().connections, 0);
    await server.close();
  },
});

Deno.test({
  ...opts,
  name:
    "a client that stops reading keeps its session and call through a chat flood, and is dropped once its call's frames pass the limit",
  async fn() {
    const server = await startServer({
      maxBufferedBytes: 1024 * 1024,
      ratePerSecond: 1e6,
      rateBurst: 1e6,
      presenceTickMs: 10,
    });
    try {
      const stuck = await RawClient.open(server.port, "/ws", "parley.v1", {
        read: false,
      });
      await stuck.sendText(JSON.stringify({ type: "login", name: "stuck" }));
      const { client: talker } = await parleyUser(server.url, "talker");
      talker.send({ type: "call", to: "stuck" });
      const { callId } = await talker.next("ringing");
      await stuck.sendText(JSON.stringify({ type: "accept", callId }));
      await talker.next("accepted");
      const text = "x".repeat(2000);
      /** Sends `make(i)` up to `n` times, yielding so the talker reads its echoes. */
      const flood = async (n: number, make: () => unknown) => {
        for (let i = 0; i < n; i++) {
          talker.send(make());
          if (i % 20 === 0) {
            const rest = talker.frames.filter((f) => f.type !== "chat");
            talker.frames.splice(0, Infinity, ...rest);
            await new Promise((r) => setTimeout(r, 0));
            if (server.signaling.stats().users === 1) return;
          }
        }
      };
      // 20 MB of chat: far more than the kernel's buffers and the limit.
      await flood(10_000, () => ({ type: "chat", text }));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(server.signaling.stats().users, 2, "still in the room");
      assert.equal(server.signaling.stats().kicked["1008"], undefined);
      // Its own call's frames are another matter: they are never dropped, so
      // a reader that leaves them unread is put out.
      await flood(10_000, () => ({
        type: "signal",
        callId,
        description: { type: "offer", sdp: text },
      }));
      const left = await talker.next(
        (f) => f.type === "presence" && f.left?.includes("stuck"),
        5000,
      );
      assert.deepEqual(left.left, ["stuck"]);
      assert.equal((await talker.next("ended")).reason, "peer-left");
      assert.equal(server.signaling.stats().kicked["1008"], 1);
      await stuck.close();
      await talker.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a peer that stops answering pings is detached, and its call peer told peer-left when the grace period ends",
  async fn() {
    const server = await startServer({
      idleTimeoutSeconds: 1,
      resumeGraceMs: 300,
    });
    try {
      const { client: ann } = await parleyUser(server.url, "ann");
      // A raw client that logs in, then never reads or answers pings.
      const ghost = await RawClient.open(server.port);
      await ghost.sendText(JSON.stringify({ type: "login", name: "ghost" }));
      while (!ghost.texts.length) await new Promise((r) => setTimeout(r, 10));
      ann.send({ type: "call", to: "ghost" });
      await ann.next("ringing");
      // The last moment the ghost was seen attached: it detached after it,
      // however late this loop notices.
      let attachedAt = Date.now();
      for (;;) {
        const now = Date.now();
        if (server.signaling.stats().detached > 0) break;
        attachedAt = now;
        await new Promise((r) => setTimeout(r, 20));
      }
      const ended = await ann.next("ended", 5000);
      assert.equal(ended.reason, "peer-left");
      assert.ok(Date.now() - attachedAt >= 250, "not before the grace period");
      assert.equal(server.signaling.stats().detached, 0);
      await ghost.close();
      await ann.close();
    } finally {
      await server.close();
    }
  },
});
