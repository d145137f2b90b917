/**
 * Two people calling each other at the same moment, made deterministic: two
 * real call controllers (fake media and peer connections) talk to the real
 * relay core, and the test decides which `call` reaches the server first and
 * which page handles its frames first. Whatever the order, exactly one call
 * connects and nobody is told about an error.
 */
import assert from "node:assert/strict";
import { CallController, type CallNotice } from "../../client/call.ts";
import {
  type ClientMessage,
  parseServerMessage,
} from "../../client/protocol.ts";
import type { GetUserMedia } from "../../client/peer.ts";
import { Harness, type TestClient } from "../signaling/harness.ts";
import {
  FakeClock,
  fakeGetUserMedia,
  FakePeerConnection,
  FakeStream,
  settle,
} from "./fakes.ts";

interface Side {
  name: string;
  ctl: CallController;
  /** Frames the page sent that have not reached the server yet. */
  outbox: ClientMessage[];
  /** Every frame the page sent. */
  sent: ClientMessage[];
  /** Codes of the `error` frames the page received. */
  errors: string[];
  notices: CallNotice[];
  pcs: FakePeerConnection[];
  wire: TestClient;
}

function side(
  wire: TestClient,
  name: string,
  getUserMedia: GetUserMedia = fakeGetUserMedia(),
): Side {
  const s: Side = {
    name,
    outbox: [],
    sent: [],
    errors: [],
    notices: [],
    pcs: [],
    wire,
    ctl: null as unknown as CallController,
  };
  s.ctl = new CallController({
    send: (msg) => {
      s.outbox.push(msg);
      s.sent.push(msg);
      return true;
    },
    createPeerConnection: (config) => {
      const pc = new FakePeerConnection(config);
      s.pcs.push(pc);
      return pc;
    },
    getUserMedia,
    createStream: () => new FakeStream(),
    timers: new FakeClock(),
    myName: () => name,
    onNotice: (n) => s.notices.push(n),
  });
  return s;
}

/** Delivers what each page sent to the server, in `order`. */
function toServer(order: Side[]): boolean {
  let moved = false;
  for (const s of order) {
    for (const msg of s.outbox.splice(0)) {
      s.wire.send(msg);
      moved = true;
    }
  }
  return moved;
}

/** Delivers what the server sent to each page, page by page in `order`. */
async function toPages(order: Side[]): Promise<boolean> {
  let moved = false;
  for (const s of order) {
    for (const raw of s.wire.rawFrames()) {
      const msg = parseServerMessage(raw);
      if (!msg) continue;
      if (msg.type === "error") s.errors.push(msg.code);
      s.ctl.handle(msg);
      moved = true;
    }
    // Media, offers and answers resolve on promises.
    await settle(40);
  }
  return moved;
}

/** Runs the exchange until nothing is left to deliver. */
async function pump(h: Harness, order: Side[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const sent = toServer(order);
    h.tick();
    const read = await toPages(order);
    if (!sent && !read) return;
  }
  assert.fail("the exchange did not settle");
}

for (const serverFirst of ["alice", "bob"] as const) {
  for (const pageFirst of ["alice", "bob"] as const) {
    Deno.test(`calls that cross (${serverFirst}'s call reaches the server first, ${pageFirst}'s page reads first): exactly one call connects`, async () => {
      const h = new Harness();
      const [aliceWire, bobWire] = h.users(["alice", "bob"]);
      const alice = side(aliceWire, "alice");
      const bob = side(bobWire, "bob");
      const byName = { alice, bob };
      const other = (n: "alice" | "bob") => n === "alice" ? bob : alice;

      // Both click at the same instant: each `call` leaves before either
      // page has heard of the other's.
      assert.ok(alice.ctl.call("bob"));
      assert.ok(bob.ctl.call("alice"));
      await settle(40);
      toServer([
        byName[serverFirst],
        other(serverFirst),
      ]);
      await pump(h, [byName[pageFirst], other(pageFirst)]);

      assert.equal(h.relay.stats().calls, 1, "one call on the server");
      const a = alice.ctl.snapshot, b = bob.ctl.snapshot;
      assert.equal(a.phase, "connecting");
      assert.equal(b.phase, "connecting");
      assert.ok(a.callId && a.callId === b.callId, "the same call on both");
      assert.equal(a.peer, "bob");
      assert.equal(b.peer, "alice");
      // The call whose `call` came first survives; the other side took it.
      const caller = byName[serverFirst];
      assert.equal(caller.ctl.snapshot.direction, "outgoing");
      assert.equal(other(serverFirst).ctl.snapshot.direction, "incoming");
      const accepts = [...alice.sent, ...bob.sent].filter((m) =>
        m.type === "accept"
      );
      assert.equal(accepts.length, 1, "accepted exactly once");
      // The refusal of the second call is the only error, and no page
      // shows a notice for it.
      assert.deepEqual(caller.errors, []);
      assert.deepEqual(other(serverFirst).errors, ["in-call"]);
      assert.deepEqual(alice.notices, []);
      assert.deepEqual(bob.notices, []);
      // One offer/answer round over one live connection per side.
      for (const s of [alice, bob]) {
        const live = s.pcs.filter((pc) => !pc.closed);
        assert.equal(live.length, 1, `${s.name}: one live connection`);
        assert.equal(live[0].signalingState, "stable", s.name);
        assert.ok(live[0].remoteDescription, `${s.name}: remote description`);
      }
      const offers = (s: Side) =>
        s.sent.filter((m) =>
          m.type === "signal" && m.description?.type === "offer"
        ).length;
      // Callers offer. The side that took the other's call made an offer
      // for its own while ringing, which never left.
      assert.equal(offers(caller), 1, "the caller sends the one offer");
      assert.equal(offers(other(serverFirst)), 0, "no offer crosses it");
    });
  }
}

Deno.test("calls that cross while one page's media is still opening: it takes the other's call at once, and exactly one call connects", async () => {
  const h = new Harness();
  const [aliceWire, bobWire] = h.users(["alice", "bob"]);
  // Bob's camera takes its time: alice's call rings him before it opens.
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const media = fakeGetUserMedia();
  const alice = side(aliceWire, "alice");
  const bob = side(bobWire, "bob", async (c) => {
    await opened;
    return media(c);
  });
  assert.ok(alice.ctl.call("bob"));
  assert.ok(bob.ctl.call("alice"));
  await settle(40);
  await pump(h, [alice, bob]);
  // Bob took alice's call without waiting for his camera; his answer waits.
  assert.equal(bob.ctl.snapshot.phase, "connecting");
  assert.ok(!bob.sent.some((m) => m.type === "signal"), "no answer yet");
  open();
  await settle(40);
  await pump(h, [bob, alice]);

  assert.equal(h.relay.stats().calls, 1, "one call on the server");
  const a = alice.ctl.snapshot, b = bob.ctl.snapshot;
  assert.equal(a.phase, "connecting");
  assert.equal(b.phase, "connecting");
  assert.ok(a.callId && a.callId === b.callId, "the same call on both");
  assert.equal(b.direction, "incoming");
  const placed = (s: Side) => s.sent.filter((m) => m.type === "call").length;
  assert.equal(placed(bob), 0, "bob took alice's call instead of placing his");
  assert.deepEqual([alice.errors, bob.errors], [[], []]);
  assert.deepEqual([alice.notices, bob.notices], [[], []]);
  for (const s of [alice, bob]) {
    const live = s.pcs.filter((pc) => !pc.closed);
    assert.equal(live.length, 1, `${s.name}: one live connection`);
    assert.equal(live[0].signalingState, "stable", s.name);
    assert.ok(live[0].remoteDescription, `${s.name}: remote description`);
  }
});
