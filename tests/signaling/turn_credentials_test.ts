import assert from "node:assert/strict";
import {
  MAX_TURN_TTL_SECONDS,
  mintTurnCredential,
} from "../../signaling/turn_credentials.ts";

Deno.test("a TURN credential matches an HMAC-SHA1 computed by openssl", async () => {
  // echo -n "1700000000:alice" | openssl dgst -sha1 -hmac north-wind -binary | base64
  const minted = await mintTurnCredential(
    "north-wind",
    "alice",
    1_699_999_000,
    1000,
  );
  assert.equal(minted.username, "1700000000:alice");
  assert.equal(minted.credential, "Oko4dt8u/EbTRjRUJWQDFm/zTCc=");
  assert.equal(minted.expiresAt, 1_700_000_000);
});

Deno.test("a colon in the user label cannot move the expiry", async () => {
  const minted = await mintTurnCredential("s", "9999999999:eve", 100, 60);
  assert.equal(minted.username, "160:9999999999_eve");
});

Deno.test("a TURN credential lives at most an hour", async () => {
  await assert.rejects(
    () => mintTurnCredential("s", "a", 0, MAX_TURN_TTL_SECONDS + 1),
    /1 to 3600 seconds/,
  );
  await assert.rejects(() => mintTurnCredential("s", "a", 0, 0));
  await assert.rejects(() => mintTurnCredential("", "a", 0, 60), /secret/);
});
