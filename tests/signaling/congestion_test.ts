import assert from "node:assert/strict";
import { CongestionGate } from "../../signaling/congestion.ts";
import { parley } from "../../signaling/frames.ts";

/**
 * A socket as the gate sees it: what was written, a backlog that grows by
 * each frame's length and shrinks when the test lets the network send.
 */
class FakeSocket {
  written: string[] = [];
  backlog = 0;
  reads = 0;

  gate(
    soft: number,
    hard: number,
    extra: { chatFrames?: number } = {},
  ): CongestionGate {
    return new CongestionGate({
      softBytes: soft,
      hardBytes: hard,
      backlog: () => {
        this.reads++;
        return this.backlog;
      },
      write: (frame) => {
        this.written.push(frame);
        this.backlog += frame.length;
      },
      limits: { chatFrames: extra.chatFrames ?? 3 },
    });
  }

  /** The network sent everything. */
  flush(): void {
    this.backlog = 0;
  }

  /** Frames written since the last call. */
  take(): string[] {
    return this.written.splice(0);
  }
}

const chat = (text: string) =>
  parley.chat('"mallory"', JSON.stringify(text), 1);
const signal = (n: number) =>
  `{"type":"signal","callId":"c1","candidate":{"candidate":"c${n}"}}`;
const busy = (name: string) =>
  `{"type":"presence","changed":[{"name":"${name}","state":"busy"}]}`;
const free = (name: string) =>
  `{"type":"presence","changed":[{"name":"${name}"}]}`;

Deno.test("under the soft limit every frame is written at once and the backlog is rarely asked", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(64 * 1024, 1024 * 1024);
  for (let i = 0; i < 1000; i++) {
    assert.equal(gate.send(chat(`${i}`)), "sent");
    if (i % 100 === 99) socket.flush();
  }
  assert.equal(socket.take().length, 1000);
  assert.ok(socket.reads < 50, `asked ${socket.reads} times`);
});

Deno.test("a slow reader's room traffic waits while call frames go straight through, and all of it follows once the socket drains", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(200, 100_000);
  const table: Array<
    {
      step: string;
      send?: string;
      drain?: true;
      result?: string;
      written: string[];
    }
  > = [
    {
      step: "fills the socket",
      send: chat("big".repeat(70)),
      result: "sent",
      written: [chat("big".repeat(70))],
    },
    { step: "chat waits", send: chat("a"), result: "queued", written: [] },
    {
      step: "presence waits",
      send: busy("ann"),
      result: "queued",
      written: [],
    },
    {
      step: "a signal goes",
      send: signal(1),
      result: "sent",
      written: [signal(1)],
    },
    { step: "chat waits", send: chat("b"), result: "queued", written: [] },
    {
      step: "presence merges",
      send: free("ann"),
      result: "queued",
      written: [],
    },
    { step: "chat waits", send: chat("c"), result: "queued", written: [] },
    {
      step: "chat past the bound drops the oldest",
      send: chat("d"),
      result: "queued",
      written: [],
    },
    {
      step: "another signal goes, in order",
      send: signal(2),
      result: "sent",
      written: [signal(2)],
    },
    {
      step: "a drain without progress writes nothing",
      drain: true,
      written: [],
    },
  ];
  for (const { step, send, drain, result, written } of table) {
    if (send !== undefined) assert.equal(gate.send(send), result, step);
    if (drain) gate.drained();
    assert.deepEqual(socket.take(), written, step);
  }
  assert.equal(gate.waiting, true);
  socket.flush();
  gate.drained();
  assert.deepEqual(socket.take(), [
    '{"type":"presence","changed":[{"name":"ann"}]}',
    parley.chatDropped(1),
    chat("b"),
    chat("c"),
    chat("d"),
  ]);
  assert.equal(gate.waiting, false);
  assert.equal(gate.droppedChats, 1);
  socket.flush();
  assert.equal(
    gate.send(chat("e")),
    "sent",
    "back to writing straight through",
  );
});

Deno.test("a drain writes only until the backlog passes the soft limit again", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(150, 100_000, { chatFrames: 50 });
  gate.send(chat("x".repeat(150)));
  for (let i = 0; i < 10; i++) assert.equal(gate.send(chat(`${i}`)), "queued");
  socket.take();
  socket.flush();
  gate.drained();
  const first = socket.take();
  assert.ok(first.length > 0 && first.length < 10, `wrote ${first.length}`);
  const rest: string[] = [];
  for (let drains = 0; gate.waiting && drains < 10; drains++) {
    socket.flush();
    gate.drained();
    rest.push(...socket.take());
  }
  assert.deepEqual(
    [...first, ...rest],
    Array.from({ length: 10 }, (_, i) => chat(`${i}`)),
  );
});

Deno.test("room traffic never ends a session; a call frame meeting a backlog past the hard limit does, and then everything is refused", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(100, 1000);
  gate.send(chat("x".repeat(2000)));
  for (let i = 0; i < 500; i++) {
    assert.equal(gate.send(chat(`${i}`)), "queued");
    assert.equal(gate.send(busy(`u${i}`)), "queued");
  }
  assert.equal(gate.send(signal(1)), "overflow");
  assert.equal(gate.send(chat("late")), "overflow");
  socket.flush();
  gate.drained();
  socket.take();
  assert.equal(gate.send(signal(2)), "overflow", "no way back");
  assert.deepEqual(socket.take(), []);
});

Deno.test("a call frame under the hard limit is written even with the backlog past the soft one", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(100, 1000);
  gate.send(chat("x".repeat(900)));
  socket.take();
  assert.equal(gate.send(signal(1)), "sent");
  assert.equal(gate.send(signal(2)), "overflow", "now past 1000");
});

Deno.test("dispose forgets what waits", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(100, 10_000);
  gate.send(chat("x".repeat(200)));
  gate.send(chat("a"));
  socket.take();
  gate.dispose();
  assert.equal(gate.waiting, false);
  socket.flush();
  gate.drained();
  assert.deepEqual(socket.take(), []);
});

Deno.test("a soft limit above the hard one acts as the hard one", () => {
  const socket = new FakeSocket();
  const gate = socket.gate(10_000, 100);
  gate.send(chat("x".repeat(200)));
  assert.equal(gate.send(chat("a")), "queued");
});
