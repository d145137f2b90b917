/**
 * The calls benchmark's script against the real servers it measures: if
 * the protocol changes under it, these fail instead of the benchmark
 * quietly measuring errors.
 */
import assert from "node:assert/strict";
import {
  type CallsServer,
  type RedisTarget,
  redisTarget,
  withServers,
} from "../../bench/calls_bench.ts";
import { runStep } from "../../bench/calls_generator.ts";
import { needsRun } from "../helpers/permissions.ts";
import { startRedis } from "../helpers/redis.ts";

/** 20 calls at 40/s against `server`; every one must finish. */
async function twentyCalls(server: CallsServer, redis: RedisTarget | null) {
  const report = await withServers(server, redis, (setup) =>
    runStep({
      dialect: setup.dialect,
      callerUrl: setup.callerUrl,
      calleeUrl: setup.calleeUrl,
      rate: 40,
      offsetMs: 0,
      durationMs: 500,
      timeoutMs: 10_000,
      tag: `t${server}`,
    }));
  assert.deepEqual(report.errors, []);
  assert.equal(report.started, 20);
  assert.equal(report.completed, 20);
  assert.equal(report.latencies.length, 20);
  assert.ok(report.latencies.every((ms) => ms > 0 && ms < 10_000));
}

const options = {
  ignore: needsRun,
  sanitizeOps: false,
  sanitizeResources: false,
};

Deno.test(
  "every call of the script finishes on the minimal relay",
  options,
  () => twentyCalls("minimal", null),
);

Deno.test(
  "every call of the script finishes on one Parley instance",
  options,
  () => twentyCalls("single", null),
);

Deno.test(
  "every call of the script finishes across two Parley instances on Redis",
  options,
  async () => {
    const redis = await startRedis();
    try {
      await twentyCalls("cluster", await redisTarget(redis.url));
    } finally {
      await redis.stop();
    }
  },
);
