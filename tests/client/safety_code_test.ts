import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  commitmentOf,
  fingerprintOfSdp,
  isDigestText,
  newNonce,
  normalizeFingerprint,
  safetyCode,
  type SafetySide,
} from "../../client/safety/code.ts";

const FP_A = "sha-256 " +
  "3C:4A:92:16:0B:7E:55:D1:09:AF:E3:21:6C:88:4B:F0:" +
  "12:9D:77:C5:3E:A0:B4:68:5F:01:DE:2B:9C:46:E7:83";
const FP_B = "sha-256 " +
  "A1:07:5E:C9:33:8D:F2:64:1B:90:4C:E8:77:2A:D5:06:" +
  "BE:49:13:F7:60:8A:2C:D3:95:1E:7B:C4:08:F6:3A:5D";
const ALICE: SafetySide = { fingerprint: FP_A, nonce: "a".repeat(43) };
const BOB: SafetySide = { fingerprint: FP_B, nonce: "b".repeat(43) };

/** The code computed a second way (Node's hash, plain string maths). */
function expectedCode(first: SafetySide, second: SafetySide): string {
  const digest = createHash("sha256").update(
    `parley safety number v1\n${first.fingerprint}\n${first.nonce}\n` +
      `${second.fingerprint}\n${second.nonce}`,
  ).digest();
  const digits = (digest.readBigUInt64BE(0) % 1_000_000_000_000n).toString()
    .padStart(12, "0");
  return `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8)}`;
}

/** `fp` with one bit of its last byte flipped. */
function flipBit(fp: string): string {
  const last = parseInt(fp.slice(-2), 16) ^ 1;
  return fp.slice(0, -2) + last.toString(16).toUpperCase().padStart(2, "0");
}

Deno.test("fixed fingerprints and values give a fixed code in three groups of four digits", async () => {
  const code = await safetyCode(ALICE, BOB);
  assert.match(code, /^\d{4} \d{4} \d{4}$/);
  // FP_A sorts first, so it is hashed first.
  assert.equal(code, expectedCode(ALICE, BOB));
  assert.equal(await safetyCode(ALICE, BOB), code);
});

Deno.test("both sides compute the same code whichever is first", async () => {
  assert.equal(await safetyCode(BOB, ALICE), await safetyCode(ALICE, BOB));
  const same = { ...BOB, fingerprint: FP_A };
  assert.equal(await safetyCode(same, ALICE), await safetyCode(ALICE, same));
});

Deno.test("one bit changed in either fingerprint or value gives another code", async () => {
  const code = await safetyCode(ALICE, BOB);
  const changed: [SafetySide, SafetySide][] = [
    [{ ...ALICE, fingerprint: flipBit(FP_A) }, BOB],
    [ALICE, { ...BOB, fingerprint: flipBit(FP_B) }],
    [{ ...ALICE, nonce: "a".repeat(42) + "b" }, BOB],
    [ALICE, { ...BOB, nonce: "c" + "b".repeat(42) }],
  ];
  for (const [a, b] of changed) {
    assert.notEqual(await safetyCode(a, b), code, a.fingerprint + b.nonce);
  }
});

Deno.test("a man in the middle's two connections give two different codes", async () => {
  // Each side sees its own certificate and the one in the middle.
  const mallory1 = { fingerprint: flipBit(FP_B), nonce: "m".repeat(43) };
  const mallory2 = { fingerprint: flipBit(FP_A), nonce: "n".repeat(43) };
  assert.notEqual(
    await safetyCode(ALICE, mallory1),
    await safetyCode(mallory2, BOB),
  );
});

Deno.test("fingerprints from stats and from SDP normalize to one form", () => {
  const lower = FP_A.slice(8).toLowerCase();
  assert.equal(normalizeFingerprint("SHA-256", lower), FP_A);
  assert.equal(normalizeFingerprint("sha-256", "not hex"), null);
  assert.equal(normalizeFingerprint("sha 256", FP_A.slice(8)), null);
  const sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" +
    `a=fingerprint:SHA-256 ${lower}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n`;
  assert.equal(fingerprintOfSdp(sdp), FP_A);
  assert.equal(fingerprintOfSdp("v=0\r\n"), null);
  assert.equal(fingerprintOfSdp(undefined), null);
});

Deno.test("a commitment is the value's SHA-256 and both have the same shape", async () => {
  const nonce = newNonce();
  assert.ok(isDigestText(nonce));
  assert.notEqual(newNonce(), nonce);
  const commit = await commitmentOf(nonce);
  assert.ok(isDigestText(commit));
  assert.equal(
    commit,
    createHash("sha256").update(nonce).digest("base64url"),
  );
  assert.ok(!isDigestText("short"));
  assert.ok(!isDigestText(nonce + "="));
});
