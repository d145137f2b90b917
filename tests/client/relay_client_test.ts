import assert from "node:assert/strict";
import {
  HEARTBEAT_CLOSE_CODE,
  RelayClient,
  type SocketStatus,
  type StatusDetail,
} from "../../client/relay_client.ts";
import type { ServerMessage } from "../../client/protocol.ts";
import { FakeClock, FakeSocket } from "./fakes.ts";

function setup(random = () => 0.999999) {
  FakeSocket.instances = [];
  const clock = new FakeClock();
  const client = new RelayClient({
    url: "ws://parley.test/ws?room=r",
    createSocket: (url, protocols) => new FakeSocket(url, protocols),
    timers: clock,
    random,
  });
  const statuses: [SocketStatus, StatusDetail][] = [];
  const messages: ServerMessage[] = [];
  client.onStatus((s, d) => statuses.push([s, d]));
  client.onMessage((m) => messages.push(m));
  const socket = (i = -1) => FakeSocket.instances.at(i)!;
  return { clock, client, statuses, messages, socket };
}

Deno.test("the client offers the parley.v1 subprotocol and reports open", () => {
  const { client, socket, statuses } = setup();
  client.start();
  assert.deepEqual(socket().protocols, ["parley.v1"]);
  assert.equal(client.status, "connecting");
  socket().open();
  assert.equal(client.status, "open");
  assert.deepEqual(statuses.map(([s]) => s), ["connecting", "open"]);
  client.stop();
});

Deno.test("messages are sent as JSON only while open", () => {
  const { client, socket } = setup();
  client.start();
  assert.equal(client.send({ type: "chat", text: "early" }), false);
  socket().open();
  assert.equal(client.send({ type: "chat", text: "hi" }), true);
  assert.deepEqual(socket().sent, [{ type: "chat", text: "hi" }]);
  client.stop();
});

Deno.test("malformed frames are dropped and valid ones delivered", () => {
  const { client, socket, messages } = setup();
  client.start();
  socket().open();
  socket().onmessage?.({ data: "not json" } as MessageEvent);
  socket().onmessage?.({ data: "[1,2]" } as MessageEvent);
  socket().receive({ type: "mystery" });
  socket().receive({ type: "chat", from: "a", text: "x", at: 1 });
  assert.deepEqual(messages, [{ type: "chat", from: "a", text: "x", at: 1 }]);
  client.stop();
});

Deno.test("a dropped socket is reopened after a growing, capped backoff", () => {
  const { client, socket, clock, statuses } = setup();
  client.start();
  socket().open();
  socket().receive({ type: "pong" });
  const expected = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000];
  for (const delay of expected) {
    const before = FakeSocket.instances.length;
    socket().drop();
    assert.equal(client.status, "reconnecting");
    assert.equal(statuses.at(-1)![1].delayMs, delay);
    clock.tick(delay - 1);
    assert.equal(FakeSocket.instances.length, before, "not before the delay");
    clock.tick(1);
    assert.equal(FakeSocket.instances.length, before + 1, "right at the delay");
  }
  client.stop();
});

Deno.test("the backoff starts over once a reopened socket hears from the server", () => {
  const { client, socket, clock, statuses } = setup();
  client.start();
  socket().open();
  socket().drop();
  clock.tick(500);
  socket().drop();
  assert.equal(statuses.at(-1)![1].delayMs, 1000);
  clock.tick(1000);
  socket().open();
  socket().receive({ type: "pong" });
  socket().drop();
  assert.equal(statuses.at(-1)![1].delayMs, 500);
  client.stop();
});

Deno.test("a server that accepts and closes at once does not cause a tight loop", () => {
  const { client, socket, clock, statuses } = setup();
  client.start();
  for (let i = 0; i < 4; i++) {
    socket().open();
    socket().drop(1008);
    clock.tick(statuses.at(-1)![1].delayMs!);
  }
  const delays = statuses.filter(([s]) => s === "reconnecting").map(([, d]) =>
    d.delayMs
  );
  assert.deepEqual(delays, [500, 1000, 2000, 4000]);
  client.stop();
});

Deno.test("a ping goes out every 15 s and a missing answer within 10 s drops the socket", () => {
  const { client, socket, clock } = setup();
  client.start();
  const first = socket();
  first.open();
  clock.tick(15_000);
  assert.deepEqual(first.sent, [{ type: "ping" }]);
  first.receive({ type: "pong" });
  clock.tick(15_000);
  assert.equal(first.sent.length, 2);
  clock.tick(9_999);
  assert.equal(client.status, "open", "still within the pong deadline");
  clock.tick(1);
  assert.equal(first.closedWith, HEARTBEAT_CLOSE_CODE);
  assert.equal(client.status, "reconnecting");
  clock.tick(30_000);
  assert.notEqual(socket(), first, "a new socket was opened");
  client.stop();
});

Deno.test("a socket that never opens is given up on and retried", () => {
  const { client, socket, clock } = setup();
  client.start();
  const stuck = socket();
  clock.tick(10_000);
  assert.equal(stuck.closedWith, HEARTBEAT_CLOSE_CODE);
  assert.equal(client.status, "reconnecting");
  client.stop();
});

Deno.test("late events from a replaced socket are ignored", () => {
  const { client, socket, clock, messages } = setup();
  client.start();
  const old = socket();
  old.open();
  old.drop();
  clock.tick(500);
  socket().open();
  old.receive({ type: "chat", from: "ghost", text: "boo", at: 0 });
  old.drop();
  assert.equal(messages.length, 0);
  assert.equal(client.status, "open");
  client.stop();
});

Deno.test("stop closes the socket and cancels every timer", () => {
  const { client, socket, clock } = setup();
  client.start();
  socket().open();
  client.stop();
  assert.equal(socket().closedWith, 1000);
  assert.equal(client.status, "closed");
  assert.equal(clock.pending, 0);
  const count = FakeSocket.instances.length;
  clock.tick(120_000);
  assert.equal(FakeSocket.instances.length, count);
});

Deno.test("reconnectNow skips the remaining wait", () => {
  const { client, socket, clock } = setup();
  client.start();
  socket().open();
  socket().drop();
  clock.tick(10);
  const count = FakeSocket.instances.length;
  client.reconnectNow();
  assert.equal(FakeSocket.instances.length, count + 1);
  assert.equal(clock.pendingDelays().length, 1, "only the connect deadline");
  client.stop();
});
