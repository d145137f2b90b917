import assert from "node:assert/strict";
import {
  droppedChatText,
  endReasonText,
  formatDuration,
  initial,
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
  assert.equal(endReasonText("no-answer", "bob", false), "bob did not answer.");
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
