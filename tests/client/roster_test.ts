import assert from "node:assert/strict";
import {
  applyPresence,
  fromWire,
  type PresenceChanges,
  sortedUsers,
} from "../../client/roster.ts";
import type { UserInfo } from "../../client/protocol.ts";

const names = (list: readonly UserInfo[]) => list.map((u) => u.name);

/**
 * What the session did before `roster.ts`: a map of everyone, re-sorted
 * with `localeCompare` on every delta.
 */
function resortEverything(
  list: readonly UserInfo[],
  delta: PresenceChanges,
  me: string,
): UserInfo[] {
  const map = new Map(list.map((u) => [u.name, u]));
  for (const name of delta.left ?? []) map.delete(name);
  for (const u of [...delta.joined ?? [], ...delta.changed ?? []]) {
    if (u.name !== me) map.set(u.name, fromWire(u));
  }
  return [...map.values()].sort((a, b) => a.name.localeCompare(b.name));
}

Deno.test("a delta is applied in the protocol's order: left, joined, changed", () => {
  const list = sortedUsers([{ name: "zed" }, { name: "bob", state: "busy" }]);
  const next = applyPresence(list, {
    joined: [{ name: "cat" }, { name: "zed", state: "busy" }],
    left: ["zed"],
    changed: [{ name: "bob" }],
  }, "ann");
  assert.deepEqual(next, [
    { name: "bob", state: "available" },
    { name: "cat", state: "available" },
    { name: "zed", state: "busy" },
  ]);
  assert.deepEqual(names(list), ["bob", "zed"], "the old list is untouched");
});

Deno.test("my own name is never listed, and leaving an unknown name is harmless", () => {
  const next = applyPresence(sortedUsers([{ name: "bob" }]), {
    joined: [{ name: "ann" }],
    left: ["nobody"],
  }, "ann");
  assert.deepEqual(names(next), ["bob"]);
});

Deno.test("names the locale sorts alike still get a place each, in a total order", () => {
  const list = applyPresence([], {
    joined: [{ name: "Émile" }, { name: "emile" }, { name: "Emile" }],
  }, null);
  assert.equal(list.length, 3);
  const again = applyPresence(list, { left: ["emile"] }, null);
  assert.deepEqual(names(again).sort(), ["Emile", "Émile"]);
});

Deno.test("random deltas, small and large, give the same list as re-sorting everything", () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = () => `user ${Math.floor(random() * 400)}`;
  let fast: UserInfo[] = [];
  let slow: UserInfo[] = [];
  for (let round = 0; round < 300; round++) {
    // Mostly small deltas, now and then a storm-sized one.
    const size = random() < 0.1 ? 60 : 3;
    const left = Array.from({ length: size }, pick);
    const joined = Array.from({ length: size }, () => ({
      name: pick(),
      state: random() < 0.5 ? "busy" as const : "available" as const,
    }));
    const changed = fast.length
      ? [{
        ...fast[Math.floor(random() * fast.length)],
        state: "busy" as const,
      }]
      : [];
    const delta = { joined, left: [...new Set(left)], changed };
    fast = applyPresence(fast, delta, "user 1");
    slow = resortEverything(slow, delta, "user 1");
    assert.deepEqual(fast, slow, `round ${round}`);
  }
});

Deno.test("reconnecting is kept, and a state this client does not know reads as busy", () => {
  assert.deepEqual(fromWire({ name: "ana", state: "reconnecting" }), {
    name: "ana",
    state: "reconnecting",
  });
  assert.deepEqual(fromWire({ name: "bo", state: "on-the-moon" }), {
    name: "bo",
    state: "busy",
  });
  assert.deepEqual(fromWire({ name: "cy" }), {
    name: "cy",
    state: "available",
  });
  const list = applyPresence(sortedUsers([{ name: "ana" }]), {
    changed: [{ name: "ana", state: "reconnecting" }],
  }, null);
  assert.deepEqual(list, [{ name: "ana", state: "reconnecting" }]);
});
