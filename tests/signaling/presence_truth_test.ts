/**
 * Presence that tells the truth, over real sockets: a user whose connection
 * dropped shows as `reconnecting` until it resumes (back to `available`) or
 * its grace period ends (it leaves); a call to it fails at once with
 * `reconnecting`; someone being rung shows as `busy`, naming nobody.
 */
import assert from "node:assert/strict";
import { needsNet } from "../helpers/permissions.ts";
import {
  type Frame,
  parleyUser,
  RawClient,
  startServer,
} from "./ws_helpers.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opts = { ignore: needsNet, sanitizeOps: true, sanitizeResources: true };

/** The next `presence` delta that says something about `name`. */
function aboutName(name: string): (f: Frame) => boolean {
  return (f) =>
    f.type === "presence" &&
      [...(f.joined ?? []), ...(f.changed ?? [])].some((u: Frame) =>
        u.name === name
      ) || (f.type === "presence" && (f.left ?? []).includes(name));
}

Deno.test({
  ...opts,
  name:
    "a dropped socket shows as reconnecting, a resume brings back available, and the grace end removes the user",
  async fn() {
    const server = await startServer({
      presenceTickMs: 10,
      resumeGraceMs: 400,
    });
    try {
      const { client: ann } = await parleyUser(server.url, "ann");
      const bob = await parleyUser(server.url, "bob");
      await ann.next(aboutName("bob"));

      await bob.client.close(4000); // the heartbeat's close: resumable
      assert.deepEqual(await ann.next(aboutName("bob")), {
        type: "presence",
        changed: [{ name: "bob", state: "reconnecting" }],
      });
      // A newcomer's snapshot says so too.
      const cat = await parleyUser(server.url, "cat");
      assert.deepEqual(cat.welcome.users, [
        { name: "ann" },
        { name: "bob", state: "reconnecting" },
      ]);

      const { client: back, welcome } = await parleyUser(server.url, "bob", {
        resume: bob.welcome.resume,
      });
      assert.equal(welcome.resumed, true);
      assert.deepEqual(
        (await ann.next(aboutName("bob"))).changed,
        [{ name: "bob" }],
        "available again (the default state is left out)",
      );

      // Dropped without a Close frame this time, and never back.
      const raw = await RawClient.open(server.port);
      await raw.sendText(JSON.stringify({ type: "login", name: "dan" }));
      await ann.next(aboutName("dan"));
      await raw.close();
      assert.deepEqual(await ann.next(aboutName("dan")), {
        type: "presence",
        changed: [{ name: "dan", state: "reconnecting" }],
      });
      assert.deepEqual(await ann.next(aboutName("dan"), 2000), {
        type: "presence",
        left: ["dan"],
      }, "gone once the grace period is over");
      await Promise.all([ann.close(), back.close(), cat.client.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "a call to a reconnecting user ends at once with reconnecting, and nothing rings when it resumes",
  async fn() {
    const server = await startServer({ presenceTickMs: 10 });
    try {
      const { client: ann } = await parleyUser(server.url, "ann");
      const bob = await parleyUser(server.url, "bob");
      await ann.next(aboutName("bob"));
      await bob.client.close(4000);
      await ann.next(aboutName("bob"));

      ann.send({ type: "call", to: "bob" });
      const ended = await ann.next("ended");
      assert.equal(ended.reason, "reconnecting");
      assert.equal(ended.peer, "bob");
      assert.equal(typeof ended.callId, "string");
      assert.equal(ann.frames.some((f) => f.type === "ringing"), false);
      assert.equal(server.signaling.stats().calls, 0);

      const { client: back, welcome } = await parleyUser(server.url, "bob", {
        resume: bob.welcome.resume,
      });
      assert.equal(welcome.resumed, true);
      assert.equal(welcome.call, undefined);
      await ann.next(aboutName("bob"));
      // Once back, bob can be called as usual.
      ann.send({ type: "call", to: "bob" });
      const { callId } = await ann.next("ringing");
      assert.equal((await back.next("incoming")).callId, callId);
      assert.equal(
        back.frames.filter((f) => f.type === "incoming").length,
        0,
        "no stale ring from the refused call",
      );
      await Promise.all([ann.close(), back.close()]);
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "someone being rung shows as busy to a third party, without saying by whom",
  async fn() {
    const server = await startServer({ presenceTickMs: 10 });
    try {
      const { client: ann } = await parleyUser(server.url, "ann");
      const { client: bob } = await parleyUser(server.url, "bob");
      const { client: cat } = await parleyUser(server.url, "cat");
      await ann.next(aboutName("cat"));
      await bob.next(aboutName("cat"));
      await wait(50); // cat's own view of the room settles
      cat.frames.length = 0;
      ann.send({ type: "call", to: "bob" });
      const { callId } = await ann.next("ringing");
      await bob.next("incoming");
      // Exactly these fields: a state, no peer, no call id.
      assert.deepEqual(await cat.next("presence"), {
        type: "presence",
        changed: [{ name: "ann", state: "busy" }, {
          name: "bob",
          state: "busy",
        }],
      });
      // Ringing, both are busy to a caller too.
      cat.send({ type: "call", to: "bob" });
      assert.equal((await cat.next("ended")).reason, "busy");
      ann.send({ type: "cancel", callId });
      assert.deepEqual(await cat.next("presence"), {
        type: "presence",
        changed: [{ name: "ann" }, { name: "bob" }],
      });
      await Promise.all([ann.close(), bob.close(), cat.close()]);
    } finally {
      await server.close();
    }
  },
});
