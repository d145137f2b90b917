import assert from "node:assert/strict";
import { HeldRooms } from "../../../signaling/cluster/held_rooms.ts";

Deno.test("a room is held after a claim this instance won and not after one it lost", () => {
  const held = new HeldRooms("me");
  held.claimed("won", "me");
  held.claimed("lost", "other");
  assert.deepEqual(held.list(), ["won"]);
  held.claimed("won", "other");
  assert.deepEqual(held.list(), []);
});

Deno.test("renewing holds the renewed rooms except those lost", () => {
  const held = new HeldRooms("me");
  held.claimed("a", "me");
  held.renewed(["a", "b", "c"], ["c"]);
  assert.deepEqual(held.list().sort(), ["a", "b"]);
  held.renewed(["a"], ["a"]);
  assert.deepEqual(held.list(), ["b"]);
  assert.equal(held.size, 1);
});

Deno.test("a released room, or every room after clear, is no longer held", () => {
  const held = new HeldRooms("me");
  held.renewed(["a", "b", "c"], []);
  held.released("b");
  assert.deepEqual(held.list().sort(), ["a", "c"]);
  held.clear();
  assert.equal(held.size, 0);
});
