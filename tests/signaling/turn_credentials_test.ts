import assert from "node:assert/strict";
import {
  MAX_TURN_TTL_SECONDS,
  mintTurnCredential,
  mintTurnCredentialSync,
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

Deno.test("the synchronous minter gives the same credential as the openssl check", () => {
  const minted = mintTurnCredentialSync(
    "north-wind",
    "alice",
    1_699_999_000.9,
    1000,
  );
  assert.deepEqual(minted, {
    username: "1700000000:alice",
    credential: "Oko4dt8u/EbTRjRUJWQDFm/zTCc=",
    expiresAt: 1_700_000_000,
  });
  assert.throws(
    () => mintTurnCredentialSync("", "a", 0, 60),
    /secret must not be empty/,
  );
  assert.throws(() => mintTurnCredentialSync("s", "a", 0, 3601), /1 to 3600/);
});

Deno.test("names outside ASCII are labelled as UTF-8, as coturn reads them", async () => {
  const minted = mintTurnCredentialSync("s3cret", "Zoë 😀", 0, 60);
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode("s3cret"),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode("60:Zoë 😀"),
    ),
  );
  assert.equal(minted.credential, btoa(String.fromCharCode(...mac)));
});
