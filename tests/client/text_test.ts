import assert from "node:assert/strict";
import {
  callSummaryTemplate,
  droppedChatText,
  endReasonTemplate,
  endReasonText,
  fillTemplate,
  formatDuration,
  initial,
  missedCallTemplate,
  splitTemplate,
} from "../../client/text.ts";

Deno.test("durations read like a call timer", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(7_900), "0:07");
  assert.equal(formatDuration(754_000), "12:34");
  assert.equal(formatDuration(3_723_000), "1:02:03");
  assert.equal(formatDuration(-5), "0:00");
});

Deno.test("every way a call ends has a sentence naming the other person", () => {
  assert.equal(
    endReasonText("declined", "bob", false),
    "bob declined the call.",
  );
  assert.equal(
    endReasonText("busy", "bob", false),
    "bob is busy in another call.",
  );
  assert.equal(endReasonText("no-answer", "bob", false), "bob didn't answer.");
  assert.equal(
    endReasonText("peer-left", "bob", false),
    "bob left, so the call ended.",
  );
  assert.equal(endReasonText("hangup", "bob", true), "You ended the call.");
  assert.equal(endReasonText(null, null, false), "Call ended.");
});

Deno.test("avatar initials take the first character, emoji included", () => {
  assert.equal(initial("ann"), "A");
  assert.equal(initial("😀x"), "😀");
  assert.equal(initial(""), "?");
});

Deno.test("lost chat is counted in words, one or many", () => {
  assert.match(droppedChatText(1), /^1 message could not be delivered/);
  assert.match(droppedChatText(12), /^12 messages could not be delivered/);
});

Deno.test("templates leave a slot for the name, filled exactly once", () => {
  assert.equal(
    fillTemplate(missedCallTemplate(false), "Ana"),
    "Missed video call from Ana",
  );
  assert.equal(
    fillTemplate(missedCallTemplate(true), "Ana"),
    "Missed audio call from Ana",
  );
  assert.equal(
    fillTemplate(callSummaryTemplate(192_000), "Ana"),
    "Call with Ana · 3:12",
  );
  assert.equal(
    fillTemplate(callSummaryTemplate(3_723_000), "Ana"),
    "Call with Ana · 1:02:03",
  );
  // A name that looks like a slot is a name, not a slot.
  assert.equal(
    fillTemplate(endReasonTemplate("declined", false), "{peer}"),
    "{peer} declined the call.",
  );
  assert.deepEqual(splitTemplate("Call ended."), null);
  assert.deepEqual(splitTemplate(endReasonTemplate("hangup", false)), [
    "",
    " ended the call.",
  ]);
  assert.equal(
    fillTemplate(endReasonTemplate("busy", false), null),
    "The other person is busy in another call.",
  );
});
