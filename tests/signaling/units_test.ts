import assert from "node:assert/strict";
import {
  ConfigError,
  readConfig,
  resolveConfig,
} from "../../signaling/config.ts";
import { escapeHtml, stampFrame, stampSuffix } from "../../signaling/frames.ts";
import { RateLimiter, TokenBucket } from "../../signaling/limits.ts";
import { nameKey, normalizeName, uniqueName } from "../../signaling/names.ts";
import { originAllowed } from "../../signaling/origin.ts";
import {
  frameTooBig,
  negotiateDialect,
  utf8Length,
} from "../../signaling/protocol.ts";
import { isValidRoomName } from "../../signaling/rooms.ts";

Deno.test("the token bucket allows a burst, then refills at its rate", () => {
  const bucket = new TokenBucket(10, 3, 0);
  assert.deepEqual([1, 2, 3, 4].map(() => bucket.take(0)), [
    true,
    true,
    true,
    false,
  ]);
  assert.equal(bucket.take(99), false);
  assert.equal(bucket.take(100), true);
  assert.equal(bucket.take(100), false);
  assert.deepEqual([0, 0, 0, 0].map(() => bucket.take(10_000)), [
    true,
    true,
    true,
    false,
  ], "never above burst");
});

Deno.test("the rate limiter warns at most once a second and closes after sustained abuse", () => {
  const limiter = new RateLimiter(1, 1, 3000, 0);
  assert.equal(limiter.check(0), "ok");
  assert.equal(limiter.check(1), "warn");
  assert.equal(limiter.check(2), "drop");
  const verdicts: string[] = [];
  for (let t = 10; t <= 3100; t += 10) verdicts.push(limiter.check(t));
  assert.equal(verdicts.at(-1), "close");
  assert.equal(
    verdicts.filter((v) => v === "warn").length,
    2,
    "at 1 s and 2 s",
  );
  assert.ok(verdicts.includes("ok"), "refilled tokens still pass during abuse");
});

Deno.test("names: NFC, trim, 1–32 code points, no invisible or control characters", () => {
  assert.equal(normalizeName(" e\u0301 "), "\u00e9");
  assert.equal(normalizeName("😀".repeat(32)), "😀".repeat(32));
  assert.equal(normalizeName("😀".repeat(33)), null);
  assert.equal(normalizeName("a\u200Db"), null);
  assert.equal(normalizeName("a\u202Eb"), null);
  assert.equal(normalizeName("a\nb"), null);
  assert.equal(normalizeName("x".repeat(10_000)), null);
  assert.equal(normalizeName(["ann"]), null);
});

Deno.test("name keys fold case, including ß and SS", () => {
  assert.equal(nameKey("Straße"), nameKey("STRASSE"));
  assert.equal(nameKey("ANN"), nameKey("ann"));
});

Deno.test("unique variants stay within 32 characters", () => {
  const taken = new Set([
    nameKey("x".repeat(32)),
    nameKey("x".repeat(30) + " 2"),
  ]);
  const picked = uniqueName("x".repeat(32), (k) => taken.has(k));
  assert.equal(picked.name, "x".repeat(30) + " 3");
  assert.equal(picked.suffix, 3);
});

Deno.test("room names are 1–64 of A-Z a-z 0-9 _ -, or empty for the lobby", () => {
  assert.ok(isValidRoomName(""));
  assert.ok(isValidRoomName("team-A_1"));
  assert.ok(!isValidRoomName("a".repeat(65)));
  assert.ok(!isValidRoomName("a b"));
  assert.ok(!isValidRoomName("ü"));
});

Deno.test("the subprotocol picks the dialect: parley.v1, then json, else tutorial", () => {
  assert.deepEqual(negotiateDialect("json, parley.v1"), {
    dialect: "parley",
    protocol: "parley.v1",
  });
  assert.deepEqual(negotiateDialect("json"), {
    dialect: "tutorial",
    protocol: "json",
  });
  assert.deepEqual(negotiateDialect(null), { dialect: "tutorial" });
});

Deno.test("frame size is measured in UTF-8 bytes", () => {
  assert.equal(utf8Length("aé€😀"), 1 + 2 + 3 + 4);
  assert.equal(utf8Length("\uD800"), 3);
  assert.equal(frameTooBig("a".repeat(100), 100), false);
  assert.equal(frameTooBig("a".repeat(101), 100), true);
  assert.equal(frameTooBig("é".repeat(50), 100), false);
  assert.equal(frameTooBig("é".repeat(51), 100), true);
  assert.equal(frameTooBig(new Uint8Array(101), 100), true);
});

Deno.test("stamping appends the field last so it overrides a spoofed one", () => {
  const suffix = stampSuffix("from", 'a"b');
  const out = stampFrame('{"from":"mallory","x":1} \n', suffix);
  assert.equal(out, '{"from":"mallory","x":1,"from":"a\\"b"}');
  assert.equal(JSON.parse(out).from, 'a"b');
  assert.deepEqual(JSON.parse(stampFrame("{ }", suffix)), { from: 'a"b' });
});

Deno.test("HTML escaping covers the characters that start markup or attributes", () => {
  assert.equal(
    escapeHtml(`<a href="x" onclick='y'>&</a>`),
    "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
});

Deno.test("origins: same-origin by default, a list when configured, none means non-browser", () => {
  assert.ok(originAllowed(null, "a.test", null));
  assert.ok(originAllowed("https://a.test", "a.test", null));
  assert.ok(originAllowed("http://a.test:8000", "a.test:8000", null));
  assert.ok(!originAllowed("https://evil.test", "a.test", null));
  assert.ok(!originAllowed("null", "a.test", null));
  assert.ok(originAllowed("https://b.test", "a.test", ["https://b.test/"]));
  assert.ok(!originAllowed("https://c.test", "a.test", ["https://b.test"]));
  assert.ok(originAllowed("https://c.test", "a.test", ["*"]));
});

Deno.test("config from env: defaults, overrides and errors that say what to set", () => {
  const defaults = readConfig(() => undefined);
  assert.ok("config" in defaults, JSON.stringify(defaults));
  assert.equal(defaults.config.signaling.maxFrameBytes, 65536);
  assert.deepEqual(defaults.config.signaling.iceServers, []);
  assert.equal(defaults.config.signaling.allowedOrigins, null);
  const env: Record<string, string> = {
    ALLOWED_ORIGINS: "https://a.test, https://b.test",
    STUN_URLS: "stun:s1.test:3478,stun:s2.test:3478",
    SIGNALING_RING_TIMEOUT_MS: "5000",
  };
  const c = readConfig((n) => env[n]);
  assert.ok("config" in c, JSON.stringify(c));
  assert.deepEqual(c.config.signaling.allowedOrigins, [
    "https://a.test",
    "https://b.test",
  ]);
  assert.deepEqual(c.config.signaling.iceServers, [{
    urls: ["stun:s1.test:3478", "stun:s2.test:3478"],
  }]);
  assert.equal(c.config.signaling.ringTimeoutMs, 5000);
  const ice = readConfig((n) =>
    n === "ICE_SERVERS"
      ? '[{"urls":"turn:t.test","username":"u","credential":"p"}]'
      : undefined
  );
  assert.ok("config" in ice, JSON.stringify(ice));
  assert.equal(ice.config.signaling.iceServers[0].username, "u");
  const bad = readConfig({
    SIGNALING_MAX_CONNECTIONS: "lots",
    ICE_SERVERS: "{",
  });
  assert.ok("errors" in bad);
  assert.match(bad.errors.join("\n"), /SIGNALING_MAX_CONNECTIONS/);
  assert.match(bad.errors.join("\n"), /ICE_SERVERS/);
  assert.ok("errors" in readConfig({ ICE_SERVERS: '[{"url":"x"}]' }));
  assert.throws(
    () => resolveConfig({ rateBurst: 0 }),
    (e: Error) => e instanceof ConfigError && /rateBurst/.test(e.message),
  );
});
