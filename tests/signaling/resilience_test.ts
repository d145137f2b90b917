/**
 * Resume and call restore over real WebSockets: connections cut from the
 * client side (a 4000 close, a dropped TCP connection), a socket replaced
 * while still open, and a server restarted on the same port.
 */
import assert from "node:assert/strict";
import { needsNet } from "../helpers/permissions.ts";
import {
  acceptedCall,
  type Frame,
  parleyUser,
  RawClient,
  startServer,
} from "./ws_helpers.ts";

const opts = { ignore: needsNet, sanitizeOps: true, sanitizeResources: true };

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Frames that would tell a user its peer went away. */
const goneFrames = (frames: Frame[]) =>
  frames.filter((f) => f.type === "ended" || f.left?.length);

Deno.test({
  ...opts,
  name:
    "a socket closed with 4000 resumes under the same name and the call peer never sees left or ended",
  async fn() {
    const server = await startServer({ presenceTickMs: 10 });
    try {
      const { client: ann } = await parleyUser(server.url, "ann");
      const bob = await parleyUser(server.url, "bob");
      const callId = await acceptedCall(ann, bob.client, "bob");

      await bob.client.close(4000);
      // While bob is away, ann's ICE restart offer waits for him.
      ann.send({
        type: "signal",
        callId,
        description: { type: "offer", sdp: "restart" },
      });
      const back = await parleyUser(server.url, "bob", {
        resume: bob.welcome.resume,
      });
      assert.equal(back.welcome.resumed, true);
      assert.equal(back.welcome.name, "bob");
      assert.deepEqual(back.welcome.call, {
        callId,
        peer: "ann",
        polite: true,
        state: "active",
      });
      assert.equal(
        (await back.client.next("signal")).description.sdp,
        "restart",
      );
      back.client.send({
        type: "signal",
        callId,
        description: { type: "answer", sdp: "restarted" },
      });
      assert.equal((await ann.next("signal")).callId, callId);
      await wait(50); // a few presence ticks
      assert.deepEqual(goneFrames(ann.frames), []);
      assert.equal(server.signaling.stats().resumed, 1);

      ann.send({ type: "hangup", callId });
      assert.equal((await back.client.next("ended")).reason, "hangup");
      await Promise.all([ann.close(), back.client.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a dropped TCP connection mid-call resumes with its token and the call goes on",
  async fn() {
    const server = await startServer({ presenceTickMs: 10 });
    try {
      const { client: ann } = await parleyUser(server.url, "ann");
      // bob on a bare TCP connection, so it can vanish without a Close frame.
      const raw = await RawClient.open(server.port);
      await raw.sendText(JSON.stringify({ type: "login", name: "bob" }));
      const frame = async (type: string) => {
        for (let i = 0; i < 300; i++) {
          const found = raw.texts.map((t) => JSON.parse(t)).find((f) =>
            f.type === type
          );
          if (found) return found;
          await wait(10);
        }
        throw new Error(`no ${type} on the raw socket`);
      };
      const { resume } = await frame("welcome");
      ann.send({ type: "call", to: "bob" });
      const { callId } = await ann.next("ringing");
      await frame("incoming");
      await raw.sendText(JSON.stringify({ type: "accept", callId }));
      await ann.next("accepted");

      await raw.close(); // no Close frame: the server sees an unclean close
      while (server.signaling.stats().detached === 0) await wait(5);
      const back = await parleyUser(server.url, "bob", { resume });
      assert.equal(back.welcome.resumed, true);
      assert.equal(back.welcome.call.callId, callId);
      back.client.send({ type: "signal", callId, candidate: null });
      assert.equal((await ann.next("signal")).callId, callId);
      await wait(50);
      assert.deepEqual(goneFrames(ann.frames), []);
      assert.equal(server.signaling.stats().users, 2);
      await Promise.all([ann.close(), back.client.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a resume while the old socket is still open closes the old one with 4001",
  async fn() {
    const server = await startServer();
    try {
      const old = await parleyUser(server.url, "ann");
      const fresh = await parleyUser(server.url, "ann", {
        resume: old.welcome.resume,
      });
      assert.equal(fresh.welcome.resumed, true);
      const closed = await old.client.closed;
      assert.equal(closed.code, 4001);
      assert.equal(closed.reason, "replaced");
      fresh.client.send({ type: "chat", text: "still me" });
      assert.equal((await fresh.client.next("chat")).from, "ann");
      assert.equal(server.signaling.stats().users, 1);
      await fresh.client.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "after a restart on the same port a call is restored by mutual claim, relays an ICE restart and hangs up",
  async fn() {
    const first = await startServer({ presenceTickMs: 10 });
    const port = first.port;
    const { client: ann, welcome: annWelcome } = await parleyUser(
      first.url,
      "ann",
    );
    const { client: bob, welcome: bobWelcome } = await parleyUser(
      first.url,
      "bob",
    );
    const callId = await acceptedCall(ann, bob, "bob");

    await first.close();
    assert.deepEqual(
      [(await ann.closed).code, (await bob.closed).code],
      [1001, 1001],
    );

    const second = await startServer({ presenceTickMs: 10 }, port);
    try {
      // Each client tries its old token (unknown here) and claims its call.
      const annBack = await parleyUser(second.url, "ann", {
        resume: annWelcome.resume,
        call: { callId, peer: "bob", polite: false },
      });
      assert.equal(annBack.welcome.resumed, false);
      assert.equal(annBack.welcome.name, "ann");
      const bobBack = await parleyUser(second.url, "bob", {
        resume: bobWelcome.resume,
        call: { callId, peer: "ann", polite: true },
      });
      assert.deepEqual(await annBack.client.next("call-restored"), {
        type: "call-restored",
        callId,
        peer: "bob",
      });
      assert.deepEqual(await bobBack.client.next("call-restored"), {
        type: "call-restored",
        callId,
        peer: "ann",
      });
      assert.equal(second.signaling.stats().restored, 1);

      annBack.client.send({
        type: "signal",
        callId,
        description: { type: "offer", sdp: "ice-restart" },
      });
      const offer = await bobBack.client.next("signal");
      assert.equal(offer.callId, callId);
      assert.equal(offer.description.sdp, "ice-restart");
      bobBack.client.send({ type: "signal", callId, candidate: null });
      assert.equal((await annBack.client.next("signal")).callId, callId);

      bobBack.client.send({ type: "hangup", callId });
      assert.deepEqual(await annBack.client.next("ended"), {
        type: "ended",
        callId,
        reason: "hangup",
        peer: "bob",
      });
      assert.equal(second.signaling.stats().calls, 0);
      await Promise.all([annBack.client.close(), bobBack.client.close()]);
    } finally {
      await second.close();
    }
  },
});
