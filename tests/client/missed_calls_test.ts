/**
 * What a session leaves behind when a call ends (issue 15): the callee's
 * missed-call line in the chat log, one outcome notice at a time, and the
 * duration of a call that connected.
 */
import assert from "node:assert/strict";
import type { ServerMessage } from "../../client/protocol.ts";
import { connectCallToBob, FakePeerConnection, settle } from "./fakes.ts";
import { fakeSession } from "./fake_session.ts";

/** A session welcomed as `name` with ann and bob in the room. */
function joined(name = "cat") {
  const t = fakeSession();
  t.session.join(name);
  t.socket().open();
  t.socket().receive({
    type: "welcome",
    name,
    renamed: false,
    room: "r",
    users: [{ name: "ann", state: "available" }, {
      name: "bob",
      state: "available",
    }],
    iceServers: [],
    resume: "tok",
  });
  const receive = (msg: ServerMessage) => t.socket().receive(msg);
  return { ...t, receive };
}

/** ann rings us (`callId` c1). */
function annRings(t: ReturnType<typeof joined>, audioOnly = false) {
  t.receive({ type: "incoming", callId: "c1", from: "ann", audioOnly });
}

const missedLines = (t: ReturnType<typeof joined>) =>
  t.state.chat.value.filter((l) => l.missed).map((l) => [l.text, l.missed]);

Deno.test("a call that rang out or that the caller gave up leaves a missed-call line on the callee's side", async () => {
  const t = joined();
  annRings(t);
  await settle();
  t.receive({ type: "ended", callId: "c1", reason: "no-answer", peer: "ann" });
  annRings(t, true);
  await settle();
  t.receive({ type: "ended", callId: "c1", reason: "cancelled", peer: "ann" });
  assert.deepEqual(missedLines(t), [
    ["Missed video call from ann", { peer: "ann", audioOnly: false }],
    ["Missed audio call from ann", { peer: "ann", audioOnly: true }],
  ]);
  // The line outlives the notice and the end-of-call view.
  t.clock.tick(60_000);
  assert.equal(t.state.notices.value.length, 0);
  assert.equal(t.state.call.value.phase, "idle");
  assert.equal(missedLines(t).length, 2);
  t.session.close();
});

Deno.test("no missed-call line for a declined, busy, answered, or our own unanswered call", async () => {
  const t = joined();
  annRings(t);
  await settle();
  t.session.decline();
  t.receive({ type: "ended", callId: "c1", reason: "declined", peer: "ann" });
  annRings(t);
  await settle();
  t.session.accept();
  t.receive({ type: "ended", callId: "c1", reason: "hangup", peer: "ann" });
  // Our calls that were not answered: the caller is told, not handed a line.
  t.session.call("bob");
  await settle();
  t.receive({ type: "ended", callId: "x", reason: "busy", peer: "bob" });
  t.session.call("bob");
  await settle();
  t.receive({ type: "ringing", callId: "c2", to: "bob" });
  await settle();
  t.receive({ type: "ended", callId: "c2", reason: "no-answer", peer: "bob" });
  assert.equal(t.state.call.value.endReason, "no-answer");
  assert.equal(t.state.notices.value.at(-1)!.text, "bob didn't answer.");
  assert.deepEqual(missedLines(t), []);
  t.session.close();
});

Deno.test("outcome notices replace each other and are neutral; other notices stay", async () => {
  const t = joined();
  t.session.notify("error", "Something else broke.");
  annRings(t);
  await settle();
  t.session.decline();
  assert.deepEqual(
    t.state.notices.value.map((n) => [n.tone, n.text]),
    [["error", "Something else broke."], ["info", "You declined ann's call."]],
  );
  annRings(t);
  await settle();
  t.receive({ type: "ended", callId: "c1", reason: "cancelled", peer: "ann" });
  t.session.call("bob");
  await settle();
  t.receive({ type: "ended", callId: "x", reason: "busy", peer: "bob" });
  assert.deepEqual(
    t.state.notices.value.map((n) => [n.tone, n.text]),
    [["error", "Something else broke."], [
      "info",
      "bob is busy in another call.",
    ]],
  );
  t.session.close();
});

Deno.test("a call that connected ends with its duration; one that did not, without", async () => {
  const t = joined();
  t.session.call("bob");
  await settle();
  await connectCallToBob(t.receive, () => FakePeerConnection.instances.at(-1)!);
  assert.equal(t.state.call.value.phase, "connected");
  // Under the relay's 10 s of silence, so the socket stays up for the next call.
  t.clock.tick(9_000);
  t.session.hangUp();
  assert.equal(t.state.call.value.phase, "ended");
  assert.equal(t.state.endedCallMs.value, 9_000);
  // The next call never connects: no duration is left over from this one.
  t.session.call("bob");
  await settle();
  t.receive({ type: "ended", callId: "x", reason: "busy", peer: "bob" });
  assert.equal(t.state.endedCallMs.value, null);
  t.session.close();
});
