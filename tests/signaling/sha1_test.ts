import assert from "node:assert/strict";
import { hmacSha1, sha1 } from "../../signaling/sha1.ts";

const text = (s: string) => new TextEncoder().encode(s);
const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const repeat = (byte: number, n: number) => new Uint8Array(n).fill(byte);

Deno.test("SHA-1 matches the FIPS 180 and RFC 3174 examples", () => {
  assert.equal(hex(sha1(text(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(
    hex(sha1(text("abc"))),
    "a9993e364706816aba3e25717850c26c9cd0d89d",
  );
  assert.equal(
    hex(sha1(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
  assert.equal(
    hex(sha1(repeat(0x61, 1_000_000))),
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
  );
});

Deno.test("HMAC-SHA1 matches the RFC 2202 test cases", () => {
  const cases: Array<[Uint8Array, Uint8Array, string]> = [
    [
      repeat(0x0b, 20),
      text("Hi There"),
      "b617318655057264e28bc0b6fb378c8ef146be00",
    ],
    [
      text("Jefe"),
      text("what do ya want for nothing?"),
      "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    ],
    [
      repeat(0xaa, 20),
      repeat(0xdd, 50),
      "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
    ],
    [
      Uint8Array.from({ length: 25 }, (_, i) => i + 1),
      repeat(0xcd, 50),
      "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
    ],
    [
      repeat(0x0c, 20),
      text("Test With Truncation"),
      "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
    ],
    [
      repeat(0xaa, 80),
      text("Test Using Larger Than Block-Size Key - Hash Key First"),
      "aa4ae5e15272d00e95705637ce8a3b55ed402112",
    ],
    [
      repeat(0xaa, 80),
      text(
        "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
      ),
      "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
    ],
  ];
  for (const [key, message, expected] of cases) {
    assert.equal(hex(hmacSha1(key, message)), expected);
  }
});

Deno.test("SHA-1 and HMAC-SHA1 agree with WebCrypto across block boundaries and key sizes", async () => {
  // Lengths around 55/56/64 bytes exercise the padding edge cases; keys run
  // past the 64-byte block, where HMAC hashes them first.
  for (let length = 0; length <= 200; length++) {
    const message = crypto.getRandomValues(new Uint8Array(length));
    const digest = await crypto.subtle.digest("SHA-1", message);
    assert.equal(hex(sha1(message)), hex(new Uint8Array(digest)));
    // WebCrypto refuses empty HMAC keys, so start at one byte.
    const key = crypto.getRandomValues(new Uint8Array(1 + (length * 7) % 130));
    const imported = await crypto.subtle.importKey(
      "raw",
      key,
      { name: "HMAC", hash: "SHA-1" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign("HMAC", imported, message);
    assert.equal(
      hex(hmacSha1(key, message)),
      hex(new Uint8Array(mac)),
      `message of ${length} bytes, key of ${key.length}`,
    );
  }
});
