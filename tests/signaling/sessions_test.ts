import assert from "node:assert/strict";
import { closeOutcome, ResumeTokens } from "../../signaling/sessions.ts";

/** Tokens t1, t2, … so tests can name them. */
function store(graceMs = 30_000): ResumeTokens<string> {
  let n = 0;
  return new ResumeTokens<string>(graceMs, () => `t${++n}`);
}

Deno.test("only a clean 1000 or 1001 ends a session; drops, missed pings and 4000 detach it", () => {
  assert.equal(closeOutcome(1000, true), "leave");
  assert.equal(
    closeOutcome(1001, true),
    "leave",
    "tab closed or server shutdown",
  );
  assert.equal(closeOutcome(1001, false), "detach", "Deno's missed ping");
  assert.equal(closeOutcome(1006, false), "detach");
  assert.equal(closeOutcome(0, false), "detach", "Deno's dropped TCP");
  assert.equal(closeOutcome(1005, true), "detach", "close() without a code");
  assert.equal(closeOutcome(4000, true), "detach", "client heartbeat gave up");
  assert.equal(closeOutcome(1008, true), "leave", "put out for abuse");
  assert.equal(closeOutcome(1009, false), "leave");
});

Deno.test("a token of an attached session works at any time, which is how a half-open socket is replaced", () => {
  const tokens = store();
  const token = tokens.issue("ann-session", "", "ann");
  assert.deepEqual(tokens.redeem(token, "", "ann", 1e12), {
    session: "ann-session",
  });
});

Deno.test("a token is single use, and a new one replaces the old", () => {
  const tokens = store();
  const first = tokens.issue("s", "room", "ann");
  assert.deepEqual(tokens.redeem(first, "room", "ann", 0), { session: "s" });
  assert.deepEqual(tokens.redeem(first, "room", "ann", 0), {
    refused: "unknown",
  });
  const second = tokens.issue("s", "room", "ann");
  const third = tokens.issue("s", "room", "ann");
  assert.deepEqual(tokens.redeem(second, "room", "ann", 0), {
    refused: "unknown",
  }, "replaced by the third");
  assert.deepEqual(tokens.redeem(third, "room", "ann", 0), { session: "s" });
  assert.equal(tokens.size, 0);
});

Deno.test("a detached session's token expires when the grace period ends", () => {
  const tokens = store(30_000);
  const token = tokens.issue("s", "", "ann");
  assert.equal(tokens.detach("s", 1000), 31_000);
  assert.deepEqual(tokens.redeem(token, "", "ann", 30_999), { session: "s" });

  const late = tokens.issue("s", "", "ann");
  tokens.detach("s", 1000);
  assert.deepEqual(tokens.redeem(late, "", "ann", 31_000), {
    refused: "expired",
  });
  assert.equal(tokens.size, 0, "an expired token is forgotten");
  assert.equal(tokens.detach("s", 0), undefined, "no token, nothing to expire");
});

Deno.test("a token from another room or under another name is refused and stays usable", () => {
  const tokens = store();
  const token = tokens.issue("s", "red", "ann");
  assert.deepEqual(tokens.redeem(token, "blue", "ann", 0), {
    refused: "wrong-room",
  });
  assert.deepEqual(tokens.redeem(token, "", "ann", 0), {
    refused: "wrong-room",
  }, "the lobby is a room too");
  assert.deepEqual(tokens.redeem(token, "red", "bob", 0), {
    refused: "wrong-name",
  });
  assert.deepEqual(tokens.redeem(token, "red", "ann", 0), { session: "s" });
});

Deno.test("revoking a session's token makes it unknown", () => {
  const tokens = store();
  const token = tokens.issue("s", "", "ann");
  tokens.issue("other", "", "bob");
  tokens.revoke("s");
  tokens.revoke("never-issued");
  assert.deepEqual(tokens.redeem(token, "", "ann", 0), { refused: "unknown" });
  assert.equal(tokens.size, 1);
});

Deno.test("real tokens are 22 characters of base64url and differ", () => {
  const tokens = new ResumeTokens<number>(1000);
  const a = tokens.issue(1, "", "a");
  const b = tokens.issue(2, "", "b");
  assert.match(a, /^[A-Za-z0-9_-]{22}$/);
  assert.notEqual(a, b);
});
