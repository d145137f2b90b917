import assert from "node:assert/strict";
import {
  ConfigError,
  type ParleyConfig,
  readConfig,
  resolveConfig,
} from "../../signaling/config.ts";
import { DOCUMENTS, withCurrentTable } from "../../signaling/config_docs.ts";
import { SETTINGS } from "../../signaling/config_schema.ts";
import { granted } from "../helpers/permissions.ts";

/** The configuration `vars` give; fails the test on errors. */
function read(vars: Record<string, string>): ParleyConfig {
  const reading = readConfig(vars);
  assert.ok("config" in reading, JSON.stringify(reading));
  return reading.config;
}

/** What `readConfig` says is wrong with `vars`, one problem a line. */
function problem(vars: Record<string, string>): string {
  const reading = readConfig(vars);
  assert.ok("errors" in reading, "expected errors");
  return reading.errors.join("\n");
}

/** The ConfigError message `fn` throws. */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("TURN settings: URLs and secret together, a ten-minute lifetime by default", () => {
  const config = read({
    TURN_URLS: "turn:t.test:3478, turns:t.test:5349",
    TURN_SECRET: "s3cret\n",
  }).signaling;
  assert.deepEqual(config.turn, {
    urls: ["turn:t.test:3478", "turns:t.test:5349"],
    secret: "s3cret",
    ttlSeconds: 600,
  });
  assert.equal(read({}).signaling.turn, null);
  const short = read({
    TURN_URLS: "turn:t.test",
    TURN_SECRET: "s",
    TURN_TTL_SECONDS: "60",
  }).signaling;
  assert.equal(short.turn?.ttlSeconds, 60);
});

Deno.test("bad TURN settings name the variable and what to set, never the secret", () => {
  const secret = "do-not-print-me";
  assert.match(
    problem({ TURN_URLS: "turn:t.test" }),
    /TURN_SECRET is not.*static-auth-secret/,
  );
  assert.match(problem({ TURN_SECRET: secret }), /TURN_URLS is not/);
  for (const ttl of ["0", "3601", "1.5", "soon"]) {
    assert.match(
      problem({
        TURN_URLS: "turn:t.test",
        TURN_SECRET: secret,
        TURN_TTL_SECONDS: ttl,
      }),
      /TURN_TTL_SECONDS must be a whole number from 1 to 3600/,
    );
  }
  const message = problem({ TURN_URLS: "stun:t.test", TURN_SECRET: secret });
  assert.match(message, /turn: or turns:/);
  assert.ok(!message.includes(secret));
  assert.ok(!message.includes("TURN_URLS is not"), "one problem, not two");
  assert.match(
    thrown(() =>
      resolveConfig({ turn: { urls: ["turn:x"], secret: "", ttlSeconds: 9e9 } })
    ),
    /turn\.secret[\s\S]*turn\.ttlSeconds/,
  );
});

Deno.test("the resume grace period is configurable, 0 and up", () => {
  assert.equal(read({}).signaling.resumeGraceMs, 30_000);
  assert.equal(
    read({ SIGNALING_RESUME_GRACE_MS: "0" }).signaling.resumeGraceMs,
    0,
  );
  assert.match(
    problem({ SIGNALING_RESUME_GRACE_MS: "-1" }),
    /SIGNALING_RESUME_GRACE_MS must be a whole number ≥ 0/,
  );
});

Deno.test("PORT and HOSTNAME: defaults, and an error naming a bad one", () => {
  assert.deepEqual(read({}).listen, {
    port: 8000,
    hostname: "0.0.0.0",
    headersTimeoutMs: 10_000,
  });
  assert.deepEqual(
    read({ PORT: "0", HOSTNAME: "127.0.0.1", HTTP_HEADERS_TIMEOUT_MS: "500" })
      .listen,
    { port: 0, hostname: "127.0.0.1", headersTimeoutMs: 500 },
  );
  assert.match(
    problem({ HTTP_HEADERS_TIMEOUT_MS: "5" }),
    /HTTP_HEADERS_TIMEOUT_MS must be a whole number ≥ 100/,
  );
  assert.match(problem({ PORT: "80a" }), /PORT/);
  assert.match(
    problem({ PORT: "70000", HOSTNAME: " " }),
    /PORT[\s\S]*HOSTNAME/,
  );
});

Deno.test("METRICS_TOKEN: unset or blank keeps /metrics off; a weak one is refused unquoted", () => {
  assert.equal(read({}).metricsToken, null);
  assert.equal(read({ METRICS_TOKEN: "  " }).metricsToken, null);
  const strong = "Zm9vYmFyYmF6cXV4LXRva2Vu==";
  assert.equal(read({ METRICS_TOKEN: `${strong}\n` }).metricsToken, strong);
  for (
    const weak of [
      "short-token",
      "has spaces in it, sixteen+",
      "ünïcödé-tökën-sixteen",
    ]
  ) {
    const message = problem({ METRICS_TOKEN: weak });
    assert.match(message, /METRICS_TOKEN must be at least 16/);
    assert.ok(!message.includes(weak), "the secret is not quoted");
  }
});

Deno.test("an empty environment gives the defaults the Settings table of README.md lists", () => {
  assert.deepEqual(read({}), {
    listen: { port: 8000, hostname: "0.0.0.0", headersTimeoutMs: 10_000 },
    signaling: {
      allowedOrigins: null,
      iceServers: [],
      turn: null,
      maxFrameBytes: 65_536,
      ratePerSecond: 20,
      rateBurst: 60,
      abuseCloseMs: 3000,
      maxConnections: 10_000,
      ringTimeoutMs: 30_000,
      idleTimeoutSeconds: 30,
      maxChatChars: 2000,
      presenceTickMs: 50,
      maxBufferedBytes: 4_194_304,
      slowReaderBytes: 65_536,
      resumeGraceMs: 30_000,
      maxDetachedPerAddress: 8,
      maxRoomMembers: 1000,
      maxSocketsPerAddress: 64,
      loginTimeoutMs: 10_000,
      trustedProxies: [],
    },
    cluster: null,
    metricsToken: null,
  });
});

Deno.test("each variable of a full environment lands in its own field", () => {
  const env = {
    PORT: "8080",
    HOSTNAME: "127.0.0.1",
    ALLOWED_ORIGINS: "https://a.test",
    ICE_SERVERS: '[{"urls":"stun:s.test"}]',
    STUN_URLS: "stun:ignored.test",
    TURN_URLS: "turn:t.test",
    TURN_SECRET: "s",
    TURN_TTL_SECONDS: "61",
    METRICS_TOKEN: "0123456789abcdef",
    SIGNALING_MAX_FRAME_BYTES: "1025",
    SIGNALING_RATE_PER_SECOND: "2",
    SIGNALING_RATE_BURST: "3",
    SIGNALING_ABUSE_CLOSE_MS: "4",
    SIGNALING_MAX_CONNECTIONS: "5",
    SIGNALING_RING_TIMEOUT_MS: "6",
    SIGNALING_IDLE_TIMEOUT_S: "7",
    SIGNALING_MAX_CHAT_CHARS: "8",
    SIGNALING_PRESENCE_TICK_MS: "9",
    SIGNALING_MAX_BUFFERED_BYTES: "1026",
    SIGNALING_SLOW_READER_BYTES: "1027",
    SIGNALING_RESUME_GRACE_MS: "10",
    SIGNALING_MAX_DROPPED_PER_ADDRESS: "11",
    SIGNALING_MAX_ROOM_MEMBERS: "12",
    SIGNALING_MAX_SOCKETS_PER_ADDRESS: "13",
    SIGNALING_LOGIN_TIMEOUT_MS: "101",
    HTTP_HEADERS_TIMEOUT_MS: "102",
    TRUSTED_PROXIES: "10.0.0.1",
    CLUSTER: "kv",
    REDIS_URL: "redis://r.test:6379",
    KV_PATH: "/tmp/p.kv",
    CLUSTER_LEASE_MS: "501",
  };
  assert.deepEqual(
    Object.keys(env).sort(),
    SETTINGS.map((s) => s.name).sort(),
    "every variable of the schema is set here",
  );
  assert.deepEqual(read(env), {
    listen: { port: 8080, hostname: "127.0.0.1", headersTimeoutMs: 102 },
    signaling: {
      allowedOrigins: ["https://a.test"],
      iceServers: [{ urls: "stun:s.test" }],
      turn: { urls: ["turn:t.test"], secret: "s", ttlSeconds: 61 },
      maxFrameBytes: 1025,
      ratePerSecond: 2,
      rateBurst: 3,
      abuseCloseMs: 4,
      maxConnections: 5,
      ringTimeoutMs: 6,
      idleTimeoutSeconds: 7,
      maxChatChars: 8,
      presenceTickMs: 9,
      maxBufferedBytes: 1026,
      slowReaderBytes: 1027,
      resumeGraceMs: 10,
      maxDetachedPerAddress: 11,
      maxRoomMembers: 12,
      maxSocketsPerAddress: 13,
      loginTimeoutMs: 101,
      trustedProxies: ["10.0.0.1"],
    },
    cluster: { store: "kv", path: "/tmp/p.kv", leaseMs: 501 },
    metricsToken: "0123456789abcdef",
  });
});

Deno.test("each variable and each field appears once in the schema, and every default is in its own range", () => {
  const names = SETTINGS.map((s) => s.name);
  const fields = SETTINGS.map((s) => s.field);
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(fields).size, fields.length);
  for (const setting of SETTINGS) {
    if (setting.kind !== "int") continue;
    const value = String(setting.default);
    assert.ok("config" in readConfig({ [setting.name]: value }), setting.name);
  }
});

Deno.test("every whole-number setting takes its bounds and refuses one past them, by name", () => {
  for (const setting of SETTINGS) {
    if (setting.kind !== "int") continue;
    const { name, min, max } = setting;
    assert.ok("config" in readConfig({ [name]: String(min) }), name);
    assert.match(
      problem({ [name]: String(min - 1) }),
      new RegExp(`^${name} must be a whole number .*unset it for the default`),
    );
    if (max !== undefined) {
      assert.ok("config" in readConfig({ [name]: String(max) }), name);
      assert.match(problem({ [name]: String(max + 1) }), new RegExp(name));
    }
  }
});

Deno.test({
  name:
    "the Settings tables of README.md and PROTOCOL.md are the ones the schema generates",
  ignore: !granted("read"),
  async fn() {
    const root = new URL("../../", import.meta.url);
    for (const path of DOCUMENTS) {
      const text = await Deno.readTextFile(new URL(path, root));
      assert.equal(
        text,
        withCurrentTable(text),
        `${path} is out of date: run \`deno task settings-docs\``,
      );
    }
  },
});

Deno.test("the cluster store: none by default, Redis when REDIS_URL is set, KV on request", () => {
  assert.equal(read({}).cluster, null);
  assert.equal(read({ CLUSTER: "none" }).cluster, null);
  assert.deepEqual(
    read({ REDIS_URL: "redis://127.0.0.1:6379" }).cluster,
    { store: "redis", url: "redis://127.0.0.1:6379", leaseMs: 5000 },
  );
  assert.deepEqual(
    read({ CLUSTER: "kv", CLUSTER_LEASE_MS: "2000" }).cluster,
    { store: "kv", path: null, leaseMs: 2000 },
  );
  assert.deepEqual(
    read({ CLUSTER: "KV", KV_PATH: "/tmp/p.kv" }).cluster,
    { store: "kv", path: "/tmp/p.kv", leaseMs: 5000 },
  );
});

Deno.test("bad cluster settings name the variable and what to set", () => {
  assert.match(
    problem({ CLUSTER: "etcd" }),
    /CLUSTER must be none, redis or kv/,
  );
  assert.match(problem({ CLUSTER: "redis" }), /needs REDIS_URL/);
  assert.match(
    problem({ REDIS_URL: "localhost:6379" }),
    /REDIS_URL must be a redis:\/\//,
  );
  assert.match(
    problem({ CLUSTER: "kv", CLUSTER_LEASE_MS: "100" }),
    /CLUSTER_LEASE_MS must be a whole number ≥ 500/,
  );
});

Deno.test("every bad variable is named at once, each with what to set", () => {
  const errors = readConfig({
    PORT: "x",
    SIGNALING_RATE_BURST: "0",
    ICE_SERVERS: '[{"url":"x"}]',
    REDIS_URL: "localhost",
  });
  assert.ok("errors" in errors);
  assert.deepEqual(
    errors.errors.map((e) => e.split(" ")[0]),
    ["PORT", "SIGNALING_RATE_BURST", "REDIS_URL", "ICE_SERVERS"],
  );
  for (const error of errors.errors) assert.match(error, /fix it or unset it/);
});
