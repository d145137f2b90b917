import assert from "node:assert/strict";
import { socketUrl } from "../../client/browser_session.ts";
import { FakeSocket, settle } from "./fakes.ts";
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

/** A session that joined as `name` and was welcomed. */
function joined(name = "ann") {
  const t = setup();
  t.session.join(name);
  t.socket().open();
  t.socket().receive({ ...welcome, name });
  return t;
}

Deno.test("logging in connects, sends the name as typed, and the welcome fills the state", () => {
  const { session, socket, state } = setup();
  session.join("  ann ");
  socket().open();
  // The server trims and normalises; its welcome names the result.
  assert.deepEqual(socket().sent, [{ type: "login", name: "  ann " }]);
  socket().receive({ ...welcome, renamed: true });
  assert.equal(state.me.value, "ann");
  assert.equal(state.relayStatus.value, "connected");
  assert.deepEqual(state.users.value.map((u) => u.name), ["bob", "zed"]);
  // Trimmed is not renamed: nothing to tell.
  assert.deepEqual(state.notices.value, []);
  session.close();
});

Deno.test("a blank name is refused before anything is sent; the server judges the rest", () => {
  const { session, socket, state } = setup();
  assert.equal(session.join("   "), false);
  assert.match(state.nameError.value!, /enter a name/);
  assert.equal(FakeSocket.instances.length, 0);
  assert.equal(session.join("x".repeat(33)), true);
  socket().open();
  assert.deepEqual(socket().sent, [{ type: "login", name: "x".repeat(33) }]);
  socket().receive({
    type: "error",
    code: "bad-name",
    message: "Names can be at most 32 characters (an emoji counts as one).",
  });
  assert.match(state.nameError.value!, /at most 32 characters/);
  assert.equal(state.pendingName.value, null);
  session.close();
});

Deno.test("presence deltas add, update and remove users", () => {
  const { session, socket, state } = joined();
  socket().receive({
    type: "presence",
    joined: [{ name: "cat" }], // no state on the wire: available
    left: ["zed"],
    changed: [{ name: "bob", state: "available" }],
  });
  assert.deepEqual(state.users.value, [
    { name: "bob", state: "available" },
    { name: "cat", state: "available" },
  ]);
  session.close();
});

Deno.test("chat lines keep the raw text and mark our own", () => {
  const { session, socket, state } = joined();
  assert.equal(session.sendChat("  <b>hi</b> "), true);
  assert.deepEqual(socket().sent.at(-1), { type: "chat", text: "<b>hi</b>" });
  socket().receive({ type: "chat", from: "ann", text: "<b>hi</b>", at: 5 });
  socket().receive({ type: "chat", from: "bob", text: "yo", at: 6 });
  assert.deepEqual(
    state.chat.value.map((l) => [l.from, l.text, l.mine]),
    [["ann", "<b>hi</b>", true], ["bob", "yo", false]],
  );
  session.close();
});

Deno.test("a chat-dropped frame becomes one notice line in the chat saying how many messages were lost", () => {
  const { session, socket, state } = joined();
  socket().receive({ type: "chat-dropped", count: 3 });
  socket().receive({ type: "chat", from: "bob", text: "still there?", at: 6 });
  socket().receive({ type: "chat-dropped", count: 0 });
  assert.deepEqual(
    state.chat.value.map((l) => [l.notice ?? false, l.from, l.text]),
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
  const { session, socket, clock, state } = joined();
  socket().drop();
  assert.equal(state.relayStatus.value, "reconnecting");
  clock.tick(1000);
  socket().open();
  assert.deepEqual(socket().sent, [
    { type: "login", name: "ann", resume: "tok-1" },
  ]);
  socket().receive({ ...welcome, resume: "tok-2" });
  assert.equal(state.relayStatus.value, "connected");
  session.close();
});

Deno.test("a refused name is shown next to the form", () => {
  const { session, socket, state } = setup();
  session.join("ann");
  socket().open();
  socket().receive({ type: "error", code: "bad-name", message: "Bad name" });
  assert.equal(state.nameError.value, "Bad name");
  assert.equal(state.me.value, null);
  session.close();
});

Deno.test("a call ending is announced and the view returns to idle after a moment", async () => {
  const { session, socket, clock, state } = joined();
  session.call("bob");
  await settle();
  socket().receive({ type: "ended", callId: "x", reason: "busy", peer: "bob" });
  assert.equal(state.call.value.phase, "ended");
  assert.match(state.notices.value.at(-1)!.text, /bob is busy/);
  clock.tick(4000);
  assert.equal(state.call.value.phase, "idle");
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

Deno.test("two sessions on one page keep their own state", () => {
  const a = joined();
  const b = fakeSession();
  assert.equal(a.state.me.value, "ann");
  assert.equal(b.state.me.value, null);
  assert.equal(b.state.users.value.length, 0);
  a.session.close();
  b.session.close();
});

Deno.test("calls that cross: the server's refusal of ours is no error when we take theirs", async () => {
  const { session, socket, state } = joined("bob");
  session.call("ann");
  await settle();
  socket().receive({
    type: "incoming",
    callId: "a->b",
    from: "ann",
    audioOnly: false,
  });
  socket().receive({ type: "error", code: "in-call", message: "ringing" });
  assert.equal(state.call.value.phase, "connecting");
  assert.deepEqual(state.notices.value, []);
  session.close();
});

Deno.test("a call refused for being busy elsewhere is shown", async () => {
  const { session, socket, state } = joined();
  session.call("bob");
  await settle();
  socket().receive({ type: "error", code: "in-call", message: "bob is busy" });
  assert.ok(state.notices.value.some((n) => n.text === "bob is busy"));
  session.close();
});
