import assert from "node:assert/strict";
import { newCallId } from "../../signaling/calls.ts";

Deno.test("call ids are 22 base64url characters carrying 128 random bits", () => {
  const ids = new Set<string>();
  const lastChars = new Set<string>();
  for (let i = 0; i < 2_000; i++) {
    const id = newCallId();
    // 128 bits = 21 full characters + one holding the last 2 bits.
    assert.match(id, /^[A-Za-z0-9_-]{21}[AQgw]$/);
    ids.add(id);
    lastChars.add(id[21]);
  }
  assert.equal(ids.size, 2_000, "no repeats");
  assert.deepEqual([...lastChars].sort(), ["A", "Q", "g", "w"]);
});

Deno.test("every character of a call id varies, so none of the 128 bits is lost", () => {
  const seen = Array.from({ length: 21 }, () => new Set<string>());
  for (let i = 0; i < 2_000; i++) {
    const id = newCallId();
    for (let k = 0; k < 21; k++) seen[k].add(id[k]);
  }
  for (const [k, chars] of seen.entries()) {
    assert.equal(chars.size, 64, `position ${k} used ${chars.size} of 64`);
  }
});
