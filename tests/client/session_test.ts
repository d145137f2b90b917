import assert from "node:assert/strict";
import { socketUrl } from "../../client/session.ts";
import {
  call,
  chat,
  connection,
  me,
  nameError,
  notices,
  users,
} from "../../client/state.ts";
import { FakeSocket } from "./fakes.ts";
import { fakeSession } from "./fake_session.ts";

const setup = () => fakeSession();

const welcome = {
  type: "welcome",
  name: "ann",
  renamed: false,
  room: "r",
  users: [{ name: "zed", state: "available" }, {
    name: "bob",
    state: "busy",
  }],
  iceServers: [],
  resume: "tok-1",
};

Deno.test("logging in connects, sends login, and the welcome fills the state", () => {
  const { session, socket } = setup();
  session.login("  ann ");
  socket().open();
  assert.deepEqual(socket().sent, [{ type: "login", name: "ann" }]);
  socket().receive(welcome);
  assert.equal(me.value, "ann");
  assert.equal(connection.value, "connected");
  assert.deepEqual(users.value.map((u) => u.name), ["bob", "zed"]);
  session.close();
});

Deno.test("an empty or overlong name is refused before anything is sent", () => {
  const { session } = setup();
  assert.equal(session.login("   "), false);
  assert.match(nameError.value!, /enter a name/);
  assert.equal(session.login("x".repeat(33)), false);
  assert.equal(FakeSocket.instances.length, 0);
});

Deno.test("presence deltas add, update and remove users", () => {
  const { session, socket } = setup();
  session.login("ann");
  socket().open();
  socket().receive(welcome);
  socket().receive({
    type: "presence",
    joined: [{ name: "cat" }], // no state on the wire: available
    left: ["zed"],
    changed: [{ name: "bob", state: "available" }],
  });
  assert.deepEqual(users.value, [
    { name: "bob", state: "available" },
    { name: "cat", state: "available" },
  ]);
  session.close();
});

Deno.test("chat lines keep the raw text and mark our own", () => {
  const { session, socket } = setup();
  session.login("ann");
  socket().open();
  socket().receive(welcome);
  assert.equal(session.sendChat("  <b>hi</b> "), true);
  assert.deepEqual(socket().sent.at(-1), { type: "chat", text: "<b>hi</b>" });
  socket().receive({ type: "chat", from: "ann", text: "<b>hi</b>", at: 5 });
  socket().receive({ type: "chat", from: "bob", text: "yo", at: 6 });
  assert.deepEqual(
    chat.value.map((l) => [l.from, l.text, l.mine]),
    [["ann", "<b>hi</b>", true], ["bob", "yo", false]],
  );
  session.close();
});

Deno.test("a chat-dropped frame becomes one notice line in the chat saying how many messages were lost", () => {
  const { session, socket } = setup();
  session.login("ann");
  socket().open();
  socket().receive(welcome);
  socket().receive({ type: "chat-dropped", count: 3 });
  socket().receive({ type: "chat", from: "bob", text: "still there?", at: 6 });
  socket().receive({ type: "chat-dropped", count: 0 });
  assert.deepEqual(
    chat.value.map((l) => [l.notice ?? false, l.from, l.text]),
    [
      [
        true,
        "",
        "3 messages could not be delivered while your connection was slow or interrupted.",
      ],
      [false, "bob", "still there?"],
    ],
  );
  session.close();
});

Deno.test("after a dropped socket the session logs in again with the resume token", () => {
  const { session, socket, clock } = setup();
  session.login("ann");
  socket().open();
  socket().receive(welcome);
  socket().drop();
  assert.equal(connection.value, "reconnecting");
  clock.tick(1000);
  socket().open();
  assert.deepEqual(socket().sent, [
    { type: "login", name: "ann", resume: "tok-1" },
  ]);
  socket().receive({ ...welcome, resume: "tok-2" });
  assert.equal(connection.value, "connected");
  session.close();
});

Deno.test("a refused name is shown next to the form", () => {
  const { session, socket } = setup();
  session.login("ann");
  socket().open();
  socket().receive({ type: "error", code: "bad-name", message: "Bad name" });
  assert.equal(nameError.value, "Bad name");
  assert.equal(me.value, null);
  session.close();
});

Deno.test("a call ending is announced and the view returns to idle after a moment", () => {
  const { session, socket, clock } = setup();
  session.login("ann");
  socket().open();
  socket().receive(welcome);
  session.calls.call("bob");
  socket().receive({ type: "ended", callId: "x", reason: "busy", peer: "bob" });
  assert.equal(call.value.phase, "ended");
  assert.match(notices.value.at(-1)!.text, /bob is busy/);
  clock.tick(4000);
  assert.equal(call.value.phase, "idle");
  session.close();
});

Deno.test("socket URLs follow the page's scheme and carry the room", () => {
  const loc = (protocol: string) =>
    ({ protocol, host: "example.com:8000" }) as Location;
  assert.equal(
    socketUrl(loc("http:"), "a b"),
    "ws://example.com:8000/ws?room=a%20b",
  );
  assert.equal(socketUrl(loc("https:"), ""), "wss://example.com:8000/ws");
});
