import assert from "node:assert/strict";
import { MemoryBus } from "../../../signaling/bus.ts";
import { FanOut } from "../../../signaling/cluster/fan_out.ts";
import {
  FIRST_REMOTE_ID,
  RemoteSockets,
} from "../../../signaling/cluster/remote_sockets.ts";
import { decodeWire } from "../../../signaling/cluster/wire.ts";
import { RecordingRelay, settle } from "./router_parts.ts";

function setup(owned: string[]) {
  const relay = new RecordingRelay();
  const bus = new MemoryBus();
  const sent: [string, unknown][] = [];
  const fanOut = new FanOut((to, m) => sent.push([to, decodeWire(m)]));
  const claims = new Map<string, Promise<string>>();
  const rooms = new Set(owned);
  let closing = false;
  const remote = new RemoteSockets({
    relay,
    bus,
    fanOut,
    leases: {
      owns: (room) => rooms.has(room),
      claiming: (room) => claims.get(room),
    },
    closing: () => closing,
  });
  return {
    relay,
    bus,
    sent,
    remote,
    rooms,
    claims,
    close: () => closing = true,
  };
}

const ID = FIRST_REMOTE_ID;

Deno.test("a socket forwarded for a room that runs here joins the relay under an id of its own", () => {
  const { relay, remote } = setup(["r"]);
  remote.open("b", 7, "parley", "r", { ip: "10.0.0.1" });
  remote.frame("b", 7, "hello");
  remote.frame("b", 7, null);
  assert.deepEqual(relay.calls, [
    ["open", ID, "parley", "r", { ip: "10.0.0.1" }],
    ["receive", ID, "hello"],
    ["receive", ID, "<binary>"],
  ]);
  assert.equal(remote.size, 1);
  assert.deepEqual(remote.peers(), new Set(["b"]));
});

Deno.test("what the relay sends such a socket goes back to its edge, and a close forgets it", async () => {
  const { bus, sent, remote } = setup(["r"]);
  remote.open("b", 7, "parley", "r", {});
  bus.send(ID, "frame");
  bus.close(ID, 4000, "bye");
  await settle();
  assert.deepEqual(sent, [
    ["b", { kind: "send", conn: 7, frame: "frame" }],
    ["b", { kind: "close", conn: 7, code: 4000, reason: "bye" }],
  ]);
  assert.equal(remote.size, 0);
  assert.equal(bus.size, 0);
});

Deno.test("a socket for a room that does not run here, or arriving while draining, is refused", () => {
  const { relay, sent, remote, close } = setup(["r"]);
  remote.open("b", 1, "parley", "elsewhere", {});
  remote.frame("b", 2, "from a socket never opened here");
  close();
  remote.open("b", 3, "parley", "r", {});
  assert.deepEqual(relay.calls, []);
  assert.deepEqual(sent.map(([to, m]) => [to, (m as { conn: number }).conn]), [
    ["b", 1],
    ["b", 2],
    ["b", 3],
  ]);
  for (const [, m] of sent) {
    assert.equal((m as { code: number }).code, 1012);
  }
});

Deno.test("a socket arriving while this instance's claim of its room is under way waits for it, frames held", async () => {
  const { relay, remote, rooms, claims } = setup([]);
  const claim = Promise.withResolvers<string>();
  claims.set("new", claim.promise);
  remote.open("b", 7, "parley", "new", {});
  remote.frame("b", 7, "early");
  assert.deepEqual(relay.calls, []);
  rooms.add("new");
  claims.delete("new");
  claim.resolve("me");
  await settle();
  assert.deepEqual(relay.calls, [
    ["open", ID, "parley", "new", {}],
    ["receive", ID, "early"],
  ]);
});

Deno.test("a resync puts out the peer's sockets with 1012; a dead peer's sockets are lost, not gone", () => {
  const { relay, remote } = setup(["r"]);
  remote.open("b", 1, "parley", "r", {});
  remote.open("c", 1, "parley", "r", {});
  assert.equal(remote.resync("b", "signaling resync; reconnect"), 1);
  assert.equal(remote.lost("c"), 1);
  assert.deepEqual(relay.calls.slice(2), [
    ["kick", ID, 1012, "signaling resync; reconnect"],
    ["disconnect", ID - 1, 1006, false],
  ]);
});

Deno.test("an edge's close of its socket disconnects it from the relay with the edge's code", () => {
  const { relay, remote } = setup(["r"]);
  remote.open("b", 1, "parley", "r", {});
  remote.closed("b", 1, 1001, true);
  remote.closed("b", 1, 1001, true);
  assert.deepEqual(relay.calls.slice(1), [["disconnect", ID, 1001, true]]);
  assert.equal(remote.size, 0);
});
