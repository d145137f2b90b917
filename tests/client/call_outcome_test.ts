import assert from "node:assert/strict";
import type { CallEndReason, CallSnapshot } from "../../client/call.ts";
import { canCallBack, isMissed, outcomeOf } from "../../client/call_outcome.ts";
import { IDLE_CALL } from "../../client/state.ts";

/** An ended call's snapshot. */
function ended(
  reason: CallEndReason,
  direction: "incoming" | "outgoing",
  byMe = false,
  audioOnly = false,
): CallSnapshot {
  return {
    ...IDLE_CALL,
    phase: "ended",
    peer: "Ana",
    direction,
    audioOnly,
    endReason: reason,
    endedByMe: byMe,
  };
}

Deno.test("a missed call is one that rang us and stopped: no answer, or the caller gave up", () => {
  assert.equal(isMissed(ended("no-answer", "incoming", true)), true);
  assert.equal(isMissed(ended("cancelled", "incoming")), true);
  // The caller's side of the same calls.
  assert.equal(isMissed(ended("no-answer", "outgoing")), false);
  assert.equal(isMissed(ended("cancelled", "outgoing", true)), false);
  // Calls that were answered, refused or never rang here.
  for (
    const reason of [
      "declined",
      "busy",
      "hangup",
      "peer-left",
      "interrupted",
    ] as const
  ) {
    assert.equal(isMissed(ended(reason, "incoming")), false, reason);
  }
  assert.equal(isMissed(IDLE_CALL), false);
});

Deno.test("an outcome keeps the call's kind for calling back, and its duration when it connected", () => {
  const missed = outcomeOf(
    ended("cancelled", "incoming", false, true),
    null,
    5,
  );
  assert.deepEqual(missed.missed, { peer: "Ana", audioOnly: true });
  assert.equal(missed.durationMs, null);
  const talked = outcomeOf(ended("hangup", "outgoing", true), 1_000, 193_000);
  assert.equal(talked.missed, null);
  assert.equal(talked.durationMs, 192_000);
});

Deno.test("what people do is told as news; what goes wrong, as an error", () => {
  const tone = (reason: CallEndReason, byMe = false) =>
    outcomeOf(ended(reason, "outgoing", byMe), null, 0).notice.tone;
  for (
    const r of ["declined", "cancelled", "busy", "no-answer", "hangup"] as const
  ) {
    assert.equal(tone(r), "info", r);
  }
  for (
    const r of [
      "media-error",
      "failed",
      "unavailable",
      "interrupted",
      "not-restored",
    ] as const
  ) {
    assert.equal(tone(r), "error", r);
  }
  assert.equal(
    outcomeOf(ended("no-answer", "outgoing"), null, 0).notice.text,
    "Ana didn't answer.",
  );
});

Deno.test("calling back waits for the person to be here and for our call to be over", () => {
  assert.equal(canCallBack(IDLE_CALL, "Ana", true), true);
  assert.equal(canCallBack(IDLE_CALL, "Ana", false), false);
  assert.equal(canCallBack(ended("hangup", "outgoing"), "Ana", true), true);
  const busy = { ...IDLE_CALL, phase: "connected" as const, peer: "Bob" };
  assert.equal(canCallBack(busy, "Ana", true), false);
  // Ana ringing us again: calling her answers.
  const ringing = { ...IDLE_CALL, phase: "incoming" as const, peer: "Ana" };
  assert.equal(canCallBack(ringing, "Ana", true), true);
  assert.equal(canCallBack({ ...ringing, peer: "Bob" }, "Ana", true), false);
});
