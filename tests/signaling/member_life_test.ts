import assert from "node:assert/strict";
import {
  type LifeEvent,
  liveOn,
  type MemberLife,
  stepLife,
} from "../../signaling/member_life.ts";

type Life = MemberLife<string>;
type Event = LifeEvent<string>;

const live: Life = liveOn("socket-1");
const detached: Life = { state: "detached", address: "a", outbox: null };
const ending: Life = { state: "ending" };
const gone: Life = { state: "gone" };

const resume: Event = { type: "resume", conn: "socket-2" };
const detach: Event = { type: "detach", address: "b" };
const overflow: Event = { type: "overflow" };
const end: Event = { type: "end" };

/** [from, event, the state after it, or null when the event does not apply] */
const TABLE: Array<[Life, Event, Life | null]> = [
  [live, resume, liveOn("socket-2")],
  [live, detach, { state: "detached", address: "b", outbox: null }],
  [live, overflow, null],
  [live, end, gone],
  [detached, resume, liveOn("socket-2")],
  [detached, detach, null],
  [detached, overflow, ending],
  [detached, end, gone],
  [ending, resume, null],
  [ending, detach, null],
  [ending, overflow, null],
  [ending, end, gone],
  [gone, resume, null],
  [gone, detach, null],
  [gone, overflow, null],
  [gone, end, null],
];

for (const [from, event, to] of TABLE) {
  Deno.test(`a ${from.state} session given ${event.type} becomes ${to?.state ?? "nothing new (ignored)"}`, () => {
    assert.deepEqual(stepLife(from, event), to);
  });
}

Deno.test("every state meets every event in the table", () => {
  const states = new Set(TABLE.map(([from, e]) => `${from.state}/${e.type}`));
  assert.equal(states.size, 4 * 4);
});

Deno.test("a detached session's outbox is its own: a resume from it starts live with none", () => {
  const held: Life = { state: "detached", address: "a", outbox: null };
  const next = stepLife(held, resume);
  assert.deepEqual(next, { state: "live", conn: "socket-2" });
  assert.equal(held.state, "detached", "the step does not change its input");
});
