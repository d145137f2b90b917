import assert from "node:assert/strict";
import {
  isValidRoomName,
  newRoomId,
  ROOM_ID_BYTES,
} from "../../signaling/rooms.ts";
import { base64url } from "../../signaling/tokens.ts";
import { base64urlBytes } from "../helpers/base64url.ts";

Deno.test("a new room id carries 128 random bits as 22 base64url characters", () => {
  assert.ok(ROOM_ID_BYTES * 8 >= 96);
  for (let i = 0; i < 200; i++) {
    const id = newRoomId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(base64urlBytes(id)?.length, ROOM_ID_BYTES);
  }
});

Deno.test("a new room id is a valid room name, never the lobby", () => {
  for (let i = 0; i < 200; i++) {
    const id = newRoomId();
    assert.ok(isValidRoomName(id), id);
    assert.notEqual(id, "");
  }
});

Deno.test("new room ids do not repeat and use the whole alphabet", () => {
  const ids = Array.from({ length: 2000 }, newRoomId);
  assert.equal(new Set(ids).size, ids.length);
  // 2000 × 21 full characters: every one of the 64 should have turned up
  // unless the source is far from uniform.
  const seen = new Set(ids.join(""));
  assert.equal(seen.size, 64);
});

Deno.test("a room id round-trips: its text is exactly its bytes' encoding", () => {
  const id = newRoomId();
  const bytes = base64urlBytes(id);
  assert.ok(bytes, id);
  assert.equal(base64url(bytes), id);
});
