import assert from "node:assert/strict";
import { ROOM_FULL_TEXT } from "../../client/session.ts";
import { fakeSession } from "./fake_session.ts";

Deno.test("room-full brings the name form back with the reason, on an open connection", () => {
  const { session, socket, state } = fakeSession();
  const { relayStatus, me, nameError, users } = state;
  session.join("ann");
  socket().open();
  socket().receive({
    type: "error",
    code: "room-full",
    message: "This room has as many users as it can take.",
  });
  assert.equal(me.value, null);
  assert.equal(nameError.value, ROOM_FULL_TEXT);
  assert.match(ROOM_FULL_TEXT, /This room is full/);
  assert.equal(relayStatus.value, "connected");
  assert.deepEqual(users.value, []);
  // Joining again goes out on the same socket.
  session.join("ann");
  assert.deepEqual(socket().sent.at(-1), { type: "login", name: "ann" });
  session.close();
});
