import assert from "node:assert/strict";
import {
  clusterConfigFromEnv,
  ConfigError,
  configFromEnv,
  ENVIRONMENT,
  listenConfigFromEnv,
  metricsTokenFromEnv,
  resolveConfig,
} from "../../signaling/config.ts";
import { granted } from "../helpers/permissions.ts";

/** `get` over a record. */
const env = (vars: Record<string, string>) => (name: string) => vars[name];

/** The ConfigError message `fn` throws. */
function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  throw new Error("expected a ConfigError");
}

Deno.test("TURN settings: URLs and secret together, a ten-minute lifetime by default", () => {
  const config = configFromEnv(env({
    TURN_URLS: "turn:t.test:3478, turns:t.test:5349",
    TURN_SECRET: "s3cret\n",
  }));
  assert.deepEqual(config.turn, {
    urls: ["turn:t.test:3478", "turns:t.test:5349"],
    secret: "s3cret",
    ttlSeconds: 600,
  });
  assert.equal(configFromEnv(env({})).turn, null);
  const short = configFromEnv(env({
    TURN_URLS: "turn:t.test",
    TURN_SECRET: "s",
    TURN_TTL_SECONDS: "60",
  }));
  assert.equal(short.turn?.ttlSeconds, 60);
});

Deno.test("bad TURN settings name the variable and what to set, never the secret", () => {
  const secret = "do-not-print-me";
  assert.match(
    problem(() => configFromEnv(env({ TURN_URLS: "turn:t.test" }))),
    /TURN_SECRET is not.*static-auth-secret/,
  );
  assert.match(
    problem(() => configFromEnv(env({ TURN_SECRET: secret }))),
    /TURN_URLS is not/,
  );
  for (const ttl of ["0", "3601", "1.5", "soon"]) {
    assert.match(
      problem(() =>
        configFromEnv(env({
          TURN_URLS: "turn:t.test",
          TURN_SECRET: secret,
          TURN_TTL_SECONDS: ttl,
        }))
      ),
      /TURN_TTL_SECONDS must be a whole number from 1 to 3600/,
    );
  }
  const message = problem(() =>
    configFromEnv(env({ TURN_URLS: "stun:t.test", TURN_SECRET: secret }))
  );
  assert.match(message, /turn: or turns:/);
  assert.ok(!message.includes(secret));
  assert.match(
    problem(() =>
      resolveConfig({ turn: { urls: ["turn:x"], secret: "", ttlSeconds: 9e9 } })
    ),
    /turn\.secret[\s\S]*turn\.ttlSeconds/,
  );
});

Deno.test("the resume grace period is configurable, 0 and up", () => {
  assert.equal(configFromEnv(env({})).resumeGraceMs, 30_000);
  assert.equal(
    configFromEnv(env({ SIGNALING_RESUME_GRACE_MS: "0" })).resumeGraceMs,
    0,
  );
  assert.match(
    problem(() => configFromEnv(env({ SIGNALING_RESUME_GRACE_MS: "-1" }))),
    /SIGNALING_RESUME_GRACE_MS must be a whole number ≥ 0/,
  );
});

Deno.test("PORT and HOSTNAME: defaults, and a ConfigError naming a bad one", () => {
  assert.deepEqual(listenConfigFromEnv(env({})), {
    port: 8000,
    hostname: "0.0.0.0",
    headersTimeoutMs: 10_000,
  });
  assert.deepEqual(
    listenConfigFromEnv(
      env({ PORT: "0", HOSTNAME: "127.0.0.1", HTTP_HEADERS_TIMEOUT_MS: "500" }),
    ),
    { port: 0, hostname: "127.0.0.1", headersTimeoutMs: 500 },
  );
  assert.match(
    problem(() => listenConfigFromEnv(env({ HTTP_HEADERS_TIMEOUT_MS: "5" }))),
    /HTTP_HEADERS_TIMEOUT_MS must be a whole number ≥ 100/,
  );
  assert.match(
    problem(() => listenConfigFromEnv(env({ PORT: "80a" }))),
    /PORT/,
  );
  assert.match(
    problem(() => listenConfigFromEnv(env({ PORT: "70000", HOSTNAME: " " }))),
    /PORT[\s\S]*HOSTNAME/,
  );
});

Deno.test("METRICS_TOKEN: unset or blank keeps /metrics off; a weak one is refused unquoted", () => {
  assert.equal(metricsTokenFromEnv(env({})), null);
  assert.equal(metricsTokenFromEnv(env({ METRICS_TOKEN: "  " })), null);
  const strong = "Zm9vYmFyYmF6cXV4LXRva2Vu==";
  assert.equal(
    metricsTokenFromEnv(env({ METRICS_TOKEN: `${strong}\n` })),
    strong,
  );
  for (
    const weak of [
      "short-token",
      "has spaces in it, sixteen+",
      "ünïcödé-tökën-sixteen",
    ]
  ) {
    const message = problem(() =>
      metricsTokenFromEnv(env({ METRICS_TOKEN: weak }))
    );
    assert.match(message, /METRICS_TOKEN must be at least 16/);
    assert.ok(!message.includes(weak), "the secret is not quoted");
  }
});

Deno.test("ENVIRONMENT lists exactly the variables the config reads", () => {
  const read = new Set<string>();
  const spy = (name: string) => {
    read.add(name);
    return undefined;
  };
  configFromEnv(spy);
  listenConfigFromEnv(spy);
  metricsTokenFromEnv(spy);
  clusterConfigFromEnv(spy);
  assert.deepEqual(
    [...read].sort(),
    ENVIRONMENT.map((v) => v.name).sort(),
  );
});

Deno.test({
  name: "README.md and PROTOCOL.md document every environment variable",
  ignore: !granted("read"),
  async fn() {
    const root = new URL("../../", import.meta.url);
    const readme = await Deno.readTextFile(new URL("README.md", root));
    const protocol = await Deno.readTextFile(
      new URL("signaling/PROTOCOL.md", root),
    );
    for (const { name } of ENVIRONMENT) {
      assert.ok(readme.includes(`\`${name}\``), `README.md lacks ${name}`);
      if (name !== "PORT" && name !== "HOSTNAME") {
        assert.ok(
          protocol.includes(`\`${name}\``),
          `PROTOCOL.md lacks ${name}`,
        );
      }
    }
  },
});

Deno.test("the cluster store: none by default, Redis when REDIS_URL is set, KV on request", () => {
  assert.equal(clusterConfigFromEnv(env({})), null);
  assert.equal(clusterConfigFromEnv(env({ CLUSTER: "none" })), null);
  assert.deepEqual(
    clusterConfigFromEnv(env({ REDIS_URL: "redis://127.0.0.1:6379" })),
    { store: "redis", url: "redis://127.0.0.1:6379", leaseMs: 5000 },
  );
  assert.deepEqual(
    clusterConfigFromEnv(env({ CLUSTER: "kv", CLUSTER_LEASE_MS: "2000" })),
    { store: "kv", path: null, leaseMs: 2000 },
  );
  assert.deepEqual(
    clusterConfigFromEnv(env({ CLUSTER: "KV", KV_PATH: "/tmp/p.kv" })),
    { store: "kv", path: "/tmp/p.kv", leaseMs: 5000 },
  );
});

Deno.test("bad cluster settings name the variable and what to set", () => {
  assert.match(
    problem(() => clusterConfigFromEnv(env({ CLUSTER: "etcd" }))),
    /CLUSTER must be none, redis or kv/,
  );
  assert.match(
    problem(() => clusterConfigFromEnv(env({ CLUSTER: "redis" }))),
    /needs REDIS_URL/,
  );
  assert.match(
    problem(() => clusterConfigFromEnv(env({ REDIS_URL: "localhost:6379" }))),
    /REDIS_URL must be a redis:\/\//,
  );
  assert.match(
    problem(() =>
      clusterConfigFromEnv(
        env({ CLUSTER: "kv", CLUSTER_LEASE_MS: "100" }),
      )
    ),
    /CLUSTER_LEASE_MS must be a whole number ≥ 500/,
  );
});
