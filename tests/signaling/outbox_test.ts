import assert from "node:assert/strict";
import { errorFrame, parley, tutorial } from "../../signaling/frames.ts";
import {
  classifyFrame,
  DEFAULT_OUTBOX_LIMITS,
  type FrameKind,
  type OutboxLimits,
  PriorityOutbox,
} from "../../signaling/outbox.ts";
import { RoomPresence } from "../../signaling/presence.ts";

/** A presence delta in the relay's format (presence.ts): left, joined, changed. */
function presence(
  changes: Array<["join" | "leave" | "busy" | "free", string]>,
): string {
  const entry = (name: string, busy: boolean) =>
    busy ? { name, state: "busy" } : { name };
  const left = changes.filter(([op]) => op === "leave").map(([, n]) => n);
  const joined = changes.filter(([op]) => op === "join").map(([, n]) =>
    entry(n, false)
  );
  const changed = changes.filter(([op]) => op === "busy" || op === "free")
    .map(([op, n]) => entry(n, op === "busy"));
  let frame = '{"type":"presence"';
  if (left.length) frame += ',"left":' + JSON.stringify(left);
  if (joined.length) frame += ',"joined":' + JSON.stringify(joined);
  if (changed.length) frame += ',"changed":' + JSON.stringify(changed);
  return frame + "}";
}

/** A delta built by presence.ts itself: one user joining a room. */
function realPresence(): string {
  const room = new RoomPresence();
  room.touch("ann");
  const delta = room.flush(() => ({ id: 1, name: "ann", state: "available" }));
  return delta!.frameFor(0)!;
}

const chat = (text: string) =>
  parley.chat('"mallory"', JSON.stringify(text), 1);
const signal = (n: number) =>
  `{"type":"signal","callId":"c1","candidate":{"candidate":"c${n}"}}`;

Deno.test("frames are classified by the relay's prefixes, in both dialects, and anything else belongs to the call", () => {
  const table: Array<[string, string, FrameKind]> = [
    ["parley chat", chat("hi"), "chat"],
    ["tutorial message", tutorial.message("tom", "hi", 1), "message"],
    ["parley presence", realPresence(), "presence"],
    ["tutorial userlist", tutorial.userlist('["tom","tim"]'), "userlist"],
    [
      "welcome",
      parley.welcome("bob", false, "", "[]", "[]", "t", true, null),
      "call",
    ],
    ["ringing", parley.ringing("c1", "bob"), "call"],
    ["incoming", parley.incoming("c1", "ann", false), "call"],
    ["accepted", parley.accepted("c1", "ann", true), "call"],
    ["ended", parley.ended("c1", "hangup", "ann"), "call"],
    ["call-restored", parley.callRestored("c1", "ann"), "call"],
    ["error", errorFrame("rate-limited"), "call"],
    ["pong", parley.pong, "call"],
    ["ice-servers", parley.iceServers("[]"), "call"],
    ["tutorial id", tutorial.id(3), "call"],
    ["tutorial rejectusername", tutorial.rejectUsername(3, "tom 2"), "call"],
    ["tutorial hang-up", tutorial.hangUp("tom"), "call"],
    ["relayed signal", signal(1), "call"],
    [
      "relayed signal with its own key order",
      '{"callId":"c1","type":"signal","candidate":null}',
      "call",
    ],
    [
      "relayed tutorial offer with the name stamped",
      '{"type":"video-offer","target":"tim","sdp":{},"name":"tom"}',
      "call",
    ],
    ["spaced JSON", '{ "type": "chat", "text": "x" }', "call"],
  ];
  for (const [what, frame, kind] of table) {
    assert.equal(classifyFrame(frame), kind, what);
  }
});

/** A small outbox so the bounds are reached in a few frames. */
const SMALL: Partial<OutboxLimits> = { chatFrames: 3, callFrames: 4 };

Deno.test("draining gives call frames in order, then presence, then the count of dropped chat, then the chat kept", () => {
  const table: Array<{
    what: string;
    push: string[];
    drain: string[];
  }> = [
    {
      what: "call frames keep their order and go before chat",
      push: [chat("a"), signal(1), chat("b"), signal(2)],
      drain: [signal(1), signal(2), chat("a"), chat("b")],
    },
    {
      what: "chat past the bound loses its oldest and is counted once",
      push: [chat("1"), chat("2"), signal(1), chat("3"), chat("4"), chat("5")],
      drain: [
        signal(1),
        parley.chatDropped(2),
        chat("3"),
        chat("4"),
        chat(
          "5",
        ),
      ],
    },
    {
      what: "the tutorial's chat is dropped without a notice",
      push: ["1", "2", "3", "4"].map((t) => tutorial.message("tom", t, 1)),
      drain: ["2", "3", "4"].map((t) => tutorial.message("tom", t, 1)),
    },
    {
      what: "only the latest tutorial userlist is kept",
      push: [
        tutorial.userlist('["tom"]'),
        tutorial.id(1),
        tutorial.userlist('["tom","tim"]'),
      ],
      drain: [tutorial.id(1), tutorial.userlist('["tom","tim"]')],
    },
    {
      what: "a join then a change is one join in the latest state",
      push: [presence([["join", "ann"]]), presence([["busy", "ann"]])],
      drain: ['{"type":"presence","joined":[{"name":"ann","state":"busy"}]}'],
    },
    {
      what: "a leave then a join of the same name is both",
      push: [presence([["leave", "ann"]]), presence([["join", "ann"]])],
      drain: ['{"type":"presence","left":["ann"],"joined":[{"name":"ann"}]}'],
    },
    {
      what: "a join then a leave is a leave",
      push: [presence([["join", "ann"]]), presence([["leave", "ann"]])],
      drain: ['{"type":"presence","left":["ann"]}'],
    },
    {
      what: "changes keep the latest state; other names are untouched",
      push: [
        presence([["busy", "ann"], ["join", "cat"]]),
        presence([["free", "ann"], ["busy", "dan"]]),
      ],
      drain: [
        '{"type":"presence","joined":[{"name":"cat"}],"changed":[{"name":"ann"},{"name":"dan","state":"busy"}]}',
      ],
    },
    {
      what: "a forged presence prefix on a signal stays a call frame",
      push: [
        presence([["join", "ann"]]),
        '{"type":"presence","type":"signal","callId":"c1","candidate":null}',
      ],
      drain: [
        '{"type":"presence","type":"signal","callId":"c1","candidate":null}',
        '{"type":"presence","joined":[{"name":"ann"}]}',
      ],
    },
    {
      what: "a forged userlist prefix stays a call frame",
      push: [
        '{"type":"userlist","type":"video-offer","sdp":{},"name":"tom"}',
        tutorial.userlist('["tom"]'),
      ],
      drain: [
        '{"type":"userlist","type":"video-offer","sdp":{},"name":"tom"}',
        tutorial.userlist('["tom"]'),
      ],
    },
  ];
  for (const { what, push, drain } of table) {
    const box = new PriorityOutbox(SMALL);
    for (const frame of push) assert.equal(box.push(frame), true, what);
    assert.deepEqual(box.drain(), drain, what);
    assert.equal(box.empty, true, what);
    assert.equal(box.shift(), undefined, what);
  }
});

Deno.test("merged presence applied in the reader's order gives the same room as every delta applied one by one", () => {
  const deltas = [
    presence([["join", "ann"], ["join", "bob"]]),
    presence([["busy", "ann"], ["leave", "bob"]]),
    presence([["join", "bob"], ["free", "ann"], ["join", "cat"]]),
    presence([["leave", "cat"], ["busy", "bob"]]),
    presence([["leave", "zed"], ["join", "zed"], ["busy", "zed"]]),
    presence([["free", "zed"], ["leave", "ann"]]),
  ];
  const base = () =>
    new Map([["zed", { name: "zed" }], ["cat", { name: "cat" }]]);
  // The client's rule (client/session.ts): left, then joined and changed.
  const apply = (
    room: Map<string, { name: string; state?: string }>,
    frame: string,
  ) => {
    const d = JSON.parse(frame);
    for (const name of d.left ?? []) room.delete(name);
    for (const u of [...(d.joined ?? []), ...(d.changed ?? [])]) {
      room.set(u.name, u);
    }
  };
  const oneByOne = base();
  for (const d of deltas) apply(oneByOne, d);
  const box = new PriorityOutbox();
  for (const d of deltas) box.push(d);
  const merged = base();
  const frames = box.drain();
  assert.equal(frames.length, 1);
  apply(merged, frames[0]);
  assert.deepEqual(
    [...merged.values()].sort((a, b) => a.name.localeCompare(b.name)),
    [...oneByOne.values()].sort((a, b) => a.name.localeCompare(b.name)),
  );
});

Deno.test("the dropped count is told once per drain and starts again afterwards", () => {
  const box = new PriorityOutbox(SMALL);
  for (let i = 0; i < 5; i++) box.push(chat(`x${i}`));
  assert.equal(box.shift(), parley.chatDropped(2));
  assert.equal(box.shift(), chat("x2"));
  for (let i = 0; i < 4; i++) box.push(chat(`y${i}`));
  assert.deepEqual(box.drain(), [
    parley.chatDropped(3),
    chat("y1"),
    chat("y2"),
    chat("y3"),
  ]);
  assert.equal(box.droppedChats, 5);
});

Deno.test("chat is also bounded by size, keeping at least the newest message", () => {
  const box = new PriorityOutbox({ chatChars: 100 });
  const long = (c: string) => chat(c.repeat(60));
  box.push(long("a"));
  box.push(long("b"));
  assert.deepEqual(box.drain(), [parley.chatDropped(1), long("b")]);
});

Deno.test("call frames past their bound are refused, by count or by size, and nothing is dropped from the call", () => {
  const byCount = new PriorityOutbox(SMALL);
  for (let i = 0; i < 4; i++) assert.equal(byCount.push(signal(i)), true);
  for (let i = 0; i < 10; i++) byCount.push(chat(`${i}`));
  assert.equal(byCount.push(signal(4)), false, "the fifth call frame");
  assert.equal(byCount.calls, 4);
  assert.deepEqual(byCount.drain().slice(0, 4), [0, 1, 2, 3].map(signal));

  const bySize = new PriorityOutbox({ callChars: signal(1).length * 2 + 1 });
  assert.equal(bySize.push(signal(1)), true);
  assert.equal(bySize.push(signal(2)), true);
  assert.equal(bySize.push(signal(3)), false);
});

Deno.test("the default bounds keep thousands of call frames and a screenful of chat", () => {
  assert.ok(DEFAULT_OUTBOX_LIMITS.callFrames >= 1000);
  assert.ok(DEFAULT_OUTBOX_LIMITS.chatFrames < 256);
  const box = new PriorityOutbox();
  for (let i = 0; i < 300; i++) box.push(chat(`${i}`));
  for (let i = 0; i < 1000; i++) assert.equal(box.push(signal(i)), true);
  const frames = box.drain();
  assert.equal(frames.length, 1000 + 1 + DEFAULT_OUTBOX_LIMITS.chatFrames);
  assert.equal(
    frames[1000],
    parley.chatDropped(300 - DEFAULT_OUTBOX_LIMITS.chatFrames),
  );
});
