import assert from "node:assert/strict";
import { PeerWatch } from "../../../signaling/cluster/peer_watch.ts";
import { ManualClock } from "../harness.ts";
import { ScriptedStore, settle } from "./router_parts.ts";

const HEARTBEAT_MS = 100;
const GRACE_MS = 300;

function setup(peers: string[]) {
  const clock = new ManualClock();
  const store = new ScriptedStore();
  const died: string[] = [];
  const logs: Record<string, unknown>[] = [];
  let renewals = 0;
  const watch = new PeerWatch({
    broker: {
      send: (to, message) => store.send(to, message),
      alive: (ids) => store.aliveOf(ids),
    },
    leases: {
      renew: () => {
        renewals++;
        return store.renew([]).then(() => {});
      },
    },
    clock,
    logger: (record) => logs.push(record),
    ready: Promise.resolve(),
    heartbeatMs: HEARTBEAT_MS,
    deathGraceMs: GRACE_MS,
    peers: () => new Set(peers),
    died: (peer) => died.push(peer),
    beat: () => {},
  });
  const beat = async () => {
    clock.advance(HEARTBEAT_MS);
    await settle();
  };
  return { clock, store, died, logs, watch, beat, renewals: () => renewals };
}

Deno.test("each heartbeat renews the leases and sends every peer a tick", async () => {
  const { store, beat, renewals, watch } = setup(["b", "c"]);
  store.alive = new Set(["b", "c"]);
  await beat();
  await beat();
  assert.equal(renewals(), 2);
  assert.deepEqual(store.sent, [
    ["b", "t|0|"],
    ["c", "t|0|"],
    ["b", "t|0|"],
    ["c", "t|0|"],
  ]);
  watch.stop();
});

Deno.test("a peer unmarked for the grace period while the store is healthy is dead", async () => {
  const { store, died, beat, watch } = setup(["b", "c"]);
  store.alive = new Set(["c"]);
  await beat(); // first seen missing
  await beat();
  await beat();
  assert.deepEqual(died, []);
  await beat(); // GRACE_MS after first seen missing
  assert.deepEqual(died, ["b"]);
  watch.stop();
});

Deno.test("a peer that comes back within the grace period is not dead", async () => {
  const { store, died, beat, watch } = setup(["b"]);
  await beat();
  await beat();
  store.alive = new Set(["b"]);
  await beat();
  store.alive = new Set();
  await beat();
  await beat();
  await beat();
  assert.deepEqual(died, []);
  watch.stop();
});

Deno.test("right after the store was unreachable no peer is found dead until a grace period has passed", async () => {
  const { store, died, logs, beat, watch } = setup(["b"]);
  await beat();
  store.down = true;
  await beat();
  await beat();
  store.down = false;
  await beat();
  await beat();
  assert.deepEqual(
    died,
    [],
    "b was missing long enough, but the store was not",
  );
  await beat();
  assert.deepEqual(died, ["b"]);
  assert.deepEqual(logs.map((r) => r.event), [
    "cluster-heartbeat-failed",
    "cluster-heartbeat-failed",
    "cluster-recovered",
  ]);
  watch.stop();
});

Deno.test("once stopped, no heartbeat runs and no timer is left", async () => {
  const { clock, beat, renewals, watch } = setup([]);
  await beat();
  watch.stop();
  assert.equal(clock.pending, 0);
  await beat();
  assert.equal(renewals(), 1);
});
