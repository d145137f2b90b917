import assert from "node:assert/strict";
import { RoomLeases } from "../../../signaling/cluster/room_leases.ts";
import { RecordingRelay, ScriptedStore, settle } from "./router_parts.ts";

function setup() {
  const store = new ScriptedStore();
  const relay = new RecordingRelay();
  const logs: unknown[] = [];
  const leases = new RoomLeases({
    broker: {
      self: store.self,
      claim: (room) => store.claim(room),
      renew: (rooms) => store.renew(rooms),
      release: (room) => store.release(room),
    },
    relay,
    logger: (record) => logs.push(record),
    ready: Promise.resolve(),
  });
  return { store, relay, leases, logs };
}

Deno.test("a room whose lease this instance wins runs here; one held elsewhere does not", async () => {
  const { store, leases } = setup();
  store.owners.set("theirs", "other");
  assert.equal(await leases.claim("mine"), "me");
  assert.equal(await leases.claim("theirs"), "other");
  assert.equal(leases.owns("mine"), true);
  assert.equal(leases.owns("theirs"), false);
  assert.equal(leases.size, 1);
});

Deno.test("sockets arriving together for one room make one claim, visible while under way", async () => {
  const { store, leases } = setup();
  const first = leases.claim("r");
  assert.equal(leases.claim("r"), first);
  assert.equal(leases.claiming("r"), first);
  await first;
  assert.equal(store.claims, 1);
  assert.equal(leases.claiming("r"), undefined);
});

Deno.test("a heartbeat gives back emptied rooms and stops running rooms whose lease went elsewhere", async () => {
  const { store, relay, leases, logs } = setup();
  for (const room of ["empty", "busy", "taken"]) await leases.claim(room);
  relay.rooms.add("busy").add("taken");
  store.lost = ["taken"];
  await leases.renew();
  assert.deepEqual(store.released, ["empty"]);
  assert.equal(leases.owns("busy"), true);
  assert.equal(leases.owns("taken"), false);
  assert.deepEqual(relay.calls, [[
    "evictRoom",
    "taken",
    1012,
    "room moved; reconnect",
  ]]);
  assert.equal(leases.lost, 1);
  assert.deepEqual(logs, [{ event: "cluster-room-lost", room: "taken" }]);
});

Deno.test("draining hands every room back at once and tells its sockets to reconnect", async () => {
  const { store, relay, leases } = setup();
  await leases.claim("a");
  await leases.claim("b");
  leases.drain();
  await settle();
  assert.equal(leases.size, 0);
  assert.deepEqual(store.released, ["a", "b"]);
  assert.deepEqual(relay.calls.map((c) => c.slice(0, 3)), [
    ["evictRoom", "a", 1012],
    ["evictRoom", "b", 1012],
  ]);
});
