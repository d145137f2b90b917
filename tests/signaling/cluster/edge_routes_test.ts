import assert from "node:assert/strict";
import { MemoryBus } from "../../../signaling/bus.ts";
import { EdgeRoutes } from "../../../signaling/cluster/edge_routes.ts";
import { RoomLeases } from "../../../signaling/cluster/room_leases.ts";
import { decodeWire } from "../../../signaling/cluster/wire.ts";
import { RecordingRelay, ScriptedStore, settle } from "./router_parts.ts";

/** A local socket on the bus that records what reaches it. */
function socket(bus: MemoryBus, id: number) {
  const got: { frames: string[]; closed: [number, string] | null } = {
    frames: [],
    closed: null,
  };
  bus.attach(id, {
    send: (frame) => got.frames.push(frame),
    close: (code, reason) => got.closed = [code, reason],
  });
  return got;
}

function setup() {
  const relay = new RecordingRelay();
  const bus = new MemoryBus();
  const store = new ScriptedStore();
  const logs: Record<string, unknown>[] = [];
  const leases = new RoomLeases({
    broker: store,
    relay,
    logger: () => {},
    ready: Promise.resolve(),
  });
  const edge = new EdgeRoutes({
    relay,
    bus,
    broker: store,
    leases,
    logger: (record) => logs.push(record),
    maxFrameBytes: 100,
    closing: () => false,
  });
  const sent = () => store.sent.map(([to, m]) => [to, decodeWire(m)]);
  return { relay, bus, store, edge, logs, sent };
}

Deno.test("a socket whose room runs here goes to the local relay, frames sent before the claim included", async () => {
  const { relay, edge, sent } = setup();
  edge.open(1, "parley", "r", { ip: "10.0.0.1" });
  edge.receive(1, "early");
  await settle();
  edge.receive(1, "later");
  edge.disconnect(1, 1000, true);
  assert.deepEqual(relay.calls, [
    ["open", 1, "parley", "r", { ip: "10.0.0.1", hasOrigin: undefined }],
    ["receive", 1, "early"],
    ["receive", 1, "later"],
    ["disconnect", 1, 1000, true],
  ]);
  assert.deepEqual(sent(), []);
});

Deno.test("a socket whose room runs elsewhere is forwarded to the owner: open, frames in order, close", async () => {
  const { relay, store, edge, sent } = setup();
  store.owners.set("r", "owner");
  edge.open(1, "tutorial", "r", { hasOrigin: true });
  edge.receive(1, "early");
  await settle();
  edge.receive(1, "later");
  edge.disconnect(1, 1001, true);
  assert.deepEqual(relay.calls, []);
  assert.deepEqual(sent(), [
    ["owner", {
      kind: "open",
      conn: 1,
      dialect: "tutorial",
      room: "r",
      hasOrigin: true,
    }],
    ["owner", { kind: "frame", conn: 1, data: "early" }],
    ["owner", { kind: "frame", conn: 1, data: "later" }],
    ["owner", { kind: "closed", conn: 1, code: 1001, wasClean: true }],
  ]);
  assert.equal(edge.forwarded, 0);
});

Deno.test("only the room's owner may write to or close a forwarded socket", async () => {
  const { bus, store, edge } = setup();
  store.owners.set("r", "owner");
  const got = socket(bus, 1);
  edge.open(1, "parley", "r", {});
  await settle();
  edge.send("intruder", 1, "forged");
  edge.close("intruder", 1, 4000, "forged");
  edge.send("owner", 1, "real");
  assert.deepEqual(got, { frames: ["real"], closed: null });
  edge.close("owner", 1, 1012, "room moved; reconnect");
  assert.deepEqual(got.closed, [1012, "room moved; reconnect"]);
});

Deno.test("a room that moved is looked up again by the next socket", async () => {
  const { store, edge } = setup();
  store.owners.set("r", "owner");
  edge.open(1, "parley", "r", {});
  await settle();
  edge.open(2, "parley", "r", {});
  assert.equal(store.claims, 1, "the owner was cached");
  edge.close("owner", 1, 1012, "room moved; reconnect");
  edge.close("owner", 2, 1012, "room moved; reconnect");
  edge.open(3, "parley", "r", {});
  await settle();
  assert.equal(store.claims, 2);
});

Deno.test("an oversize frame closes the socket with 1009 before it reaches the store", async () => {
  const { bus, store, edge, sent } = setup();
  store.owners.set("r", "owner");
  const got = socket(bus, 1);
  edge.open(1, "parley", "r", {});
  await settle();
  edge.receive(1, "x".repeat(101));
  assert.equal(got.closed?.[0], 1009);
  assert.deepEqual(sent().map(([, m]) => (m as { kind: string }).kind), [
    "open",
    "closed",
  ]);
});

Deno.test("when the store cannot be reached the socket is closed with 1013", async () => {
  const { bus, store, edge, logs } = setup();
  store.down = true;
  const got = socket(bus, 1);
  edge.open(1, "parley", "r", {});
  await settle();
  assert.equal(got.closed?.[0], 1013);
  assert.equal(logs[0].event, "cluster-lookup-failed");
});

Deno.test("a lost peer's forwarded sockets are closed with 1012 and its rooms forgotten", async () => {
  const { bus, store, edge } = setup();
  store.owners.set("r", "owner");
  const got = socket(bus, 1);
  edge.open(1, "parley", "r", {});
  await settle();
  assert.deepEqual(edge.peers(), new Set(["owner"]));
  assert.deepEqual(edge.closeForwarded("owner", "server restart; reconnect"), [
    1,
  ]);
  edge.forgetOwner("owner");
  assert.equal(got.closed?.[0], 1012);
  assert.deepEqual(edge.peers(), new Set());
  edge.open(2, "parley", "r", {});
  await settle();
  assert.equal(store.claims, 2);
});
