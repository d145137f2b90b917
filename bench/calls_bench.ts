/**
 * Calls per second (issue 19): an open-loop benchmark of what a signaling
 * server is for. Calls are started at a fixed rate, each a fresh pair that
 * logs in, rings, accepts, exchanges an offer, an answer and ten candidates
 * each way, chats once and hangs up (the script is in `calls_generator.ts`).
 * The rate rises step by step (×`factor` every `stepMs`) until the p99 from
 * sending `call` to the last candidate delivered passes `limitMs` (100 ms),
 * or a call fails to finish, twice in a row at the same rate (a step that
 * misses is run once more: one stall of a shared machine is not the
 * server's limit; nor is a step whose generators fell behind their
 * schedule, which is run again without counting, a bounded number of
 * times); the figure is the highest rate that held.
 *
 * Three servers, in one run: the minimal relay (`minimal_relay.ts`, the
 * same script with a `target` on each frame), one Parley instance, and two
 * Parley instances on one Redis (caller on A, callee on B, a room per call;
 * the first to join alternates, so rooms land on both). The load comes from
 * `generators` separate processes (2), each starting its share of the calls
 * interleaved with the others', none sharing an event loop with a server.
 *
 * Run alone: deno run -A bench/calls_bench.ts [--rounds=2] [--start=40]
 *   [--factor=1.25] [--step-ms=2000] [--min-calls=200] [--generators=2]
 *   [--servers=minimal,single,cluster] [--quick]
 * Or import {@linkcode runCallsBench} and {@linkcode callsFigures}.
 */
import { createClient } from "@redis/client";
import { startRedis } from "../tests/helpers/redis.ts";
import type { Dialect, StepOrder } from "./calls_generator.ts";
import {
  afterStep,
  type GeneratorReport,
  highestHeld,
  judgeStep,
  rampRates,
  type RampState,
  shareOfRate,
  spread,
  type StepResult,
  topHeldStep,
} from "./calls_steps.ts";
import {
  type Figure,
  figure,
  formatTable,
  loadAverage,
  withDefaults,
} from "./figures.ts";
import {
  cpuSeconds,
  LineReader,
  type ServerSpawn,
  sleep,
  stopChild,
  withServerProcesses,
} from "./processes.ts";

/** The servers a ramp runs against. */
export type CallsServer = "minimal" | "single" | "cluster";

/** Knobs; every default is what `deno task bench` uses. */
export interface CallsBenchOptions {
  /** Ramps per server, alternating the order of the servers. */
  rounds?: number;
  /** First rate, calls per second. */
  startRate?: number;
  /** Each step's rate is this times the last one's. */
  factor?: number;
  /** No step goes above this rate. */
  maxRate?: number;
  /** How long each step keeps starting calls, at least. */
  stepMs?: number;
  /**
   * Calls each step starts, at least (a low rate's step lasts longer): the
   * p99 of fewer calls is little more than their slowest.
   */
  minCallsPerStep?: number;
  /** The p99 a step may reach and still hold. */
  limitMs?: number;
  /** Load generator processes. */
  generators?: number;
  /** A call not finished this long after its scheduled start failed. */
  callTimeoutMs?: number;
  /**
   * A missed step whose generators started calls later than this (p99) is
   * run again without counting as a miss (the load asked for was not
   * offered), at most `maxVoids` times a ramp (`RampRules` in calls_steps.ts).
   */
  maxStartLagMs?: number;
  maxVoids?: number;
  servers?: CallsServer[];
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

/** One step of a ramp, with the servers' CPU during it. */
export interface CallsStep extends StepResult {
  /** Cores the server processes used (A + B in the cluster). */
  serverCpu: number;
  /** Cores redis-server used; null without Redis. */
  redisCpu: number | null;
  /** CPU of the servers and Redis together per call started, ms. */
  serverMsPerCall: number;
}

/** One rising ramp against one server. */
export interface Ramp {
  server: CallsServer;
  round: number;
  steps: CallsStep[];
  /** The highest rate that held, calls per second (0: not even the first). */
  held: number;
}

/** Everything one run measured. */
export interface CallsBenchResult {
  ramps: Ramp[];
  /** 1-minute load average before and after, to judge how noisy it was. */
  loadBefore: number;
  loadAfter: number;
}

const DEFAULTS = {
  rounds: 2,
  startRate: 40,
  factor: 1.25,
  maxRate: 5000,
  stepMs: 2000,
  minCallsPerStep: 200,
  limitMs: 100,
  generators: 2,
  callTimeoutMs: 5000,
  maxStartLagMs: 50,
  maxVoids: 6,
  servers: ["minimal", "single", "cluster"] as CallsServer[],
};

/** A generator has this long to say it is ready. */
const GENERATOR_START_TIMEOUT_MS = 20_000;
/** Between steps: the last step's closes finish before the next starts. */
const PAUSE_MS = 500;

/** Runs a ramp per server and round. */
export async function runCallsBench(
  options: CallsBenchOptions = {},
): Promise<CallsBenchResult> {
  const o = withDefaults(DEFAULTS, options);
  const log = options.log ?? (() => {});
  const rates = rampRates(o.startRate, o.factor, o.maxRate);
  const loadBefore = loadAverage();
  log(`calls: load average ${loadBefore.toFixed(2)} at start`);
  const redis = o.servers.includes("cluster") ? await startRedis() : null;
  const ramps: Ramp[] = [];
  try {
    // One redis-server serves every ramp: its pid is looked up once.
    const target = redis && await redisTarget(redis.url);
    for (let round = 1; round <= o.rounds; round++) {
      // Alternate the order, so drift in the machine's load hits all.
      const order = round % 2 ? o.servers : [...o.servers].reverse();
      for (const server of order) {
        const ramp = await withServers(
          server,
          target,
          (setup) => runRamp(setup, server, round, rates, o, log),
        );
        log(
          `calls ${server.padEnd(7)} (run ${round}): ${ramp.held} calls/s held`,
        );
        ramps.push(ramp);
      }
    }
  } finally {
    await redis?.stop();
  }
  const loadAfter = loadAverage();
  log(`calls: load average ${loadAfter.toFixed(2)} at end`);
  return { ramps, loadBefore, loadAfter };
}

/**
 * The figures for `bench/results.json`: for each server its best ramp (runs
 * only get slower from other work on the machine): the rate that held,
 * Parley's against the minimal relay's and two instances against one; the
 * CPU the servers (and Redis) spent per call at the highest rate all of
 * them held, the steadier figure on a shared machine; at each one's highest
 * held rate, the busiest load generator's CPU, which near 1 core means the
 * load was the limit; and the machine's load average at the start.
 */
export function callsFigures(result: CallsBenchResult): Figure[] {
  const best = (server: CallsServer) =>
    result.ramps.filter((r) => r.server === server)
      .reduce<Ramp | undefined>(
        (top, r) => (!top || r.held > top.held ? r : top),
        undefined,
      );
  const minimal = best("minimal");
  const single = best("single");
  const cluster = best("cluster");
  const head = "calls/s held (p99 call → last candidate ≤ 100 ms)";
  const rows: [string, Ramp | undefined, Ramp | undefined][] = [
    ["minimal relay", minimal, undefined],
    ["one instance", single, minimal],
    ["two instances on Redis", cluster, minimal],
  ];
  const figures: Figure[] = [];
  for (const [name, ramp, base] of rows) {
    if (!ramp) continue;
    figures.push(
      figure(`${head}: ${name}`, ramp.held, "calls/s", {
        baseline: base?.held ?? null,
      }),
    );
  }
  if (single && cluster) {
    figures.push(
      figure(`${head}: two instances vs one`, cluster.held, "calls/s", {
        baseline: single.held,
      }),
    );
  }
  // CPU per call falls as the rate rises (timers and ticks are spread over
  // more calls), so the servers are compared at one rate all of them held.
  const common = Math.min(
    ...rows.flatMap(([, ramp]) => ramp ? [ramp.held] : []),
  );
  const heldAt = (ramp: Ramp | undefined) =>
    ramp?.steps.findLast((step) => step.held && step.rate === common);
  for (const [name, ramp, base] of rows) {
    const step = heldAt(ramp);
    if (!step) continue;
    figures.push(
      figure(
        `calls: server CPU per call at ${common}/s, ${name}`,
        step.serverMsPerCall,
        "ms",
        { baseline: heldAt(base)?.serverMsPerCall ?? null },
      ),
    );
  }
  for (const [name, ramp] of rows) {
    const top = ramp && topHeldStep(ramp.steps);
    if (!top) continue;
    figures.push(
      figure(
        `calls: busiest load generator CPU at ${top.rate}/s, ${name}`,
        top.generatorCpu,
        "cores",
      ),
    );
  }
  figures.push(
    figure("calls: load average at start", result.loadBefore, "load"),
  );
  return figures;
}

// --- one ramp ------------------------------------------------------------------

/** Where a ramp's calls go, and the processes to measure. */
export interface Setup {
  callerUrl: string;
  calleeUrl: string;
  dialect: Dialect;
  pids: number[];
  redisPid: number | null;
}

async function runRamp(
  setup: Setup,
  server: CallsServer,
  round: number,
  rates: number[],
  o: typeof DEFAULTS,
  log: (line: string) => void,
): Promise<Ramp> {
  const generators = await Promise.all(
    Array.from({ length: o.generators }, () => Generator.start()),
  );
  const steps: CallsStep[] = [];
  /** Runs one step at `rate` on every generator; `tag` names its rooms and users. */
  const step = async (rate: number, tag: string): Promise<CallsStep> => {
    const durationMs = Math.max(o.stepMs, (o.minCallsPerStep * 1000) / rate);
    const cpu0 = cpuOf(setup);
    const t0 = performance.now();
    const reports = await Promise.all(generators.map((g, i) => {
      const share = shareOfRate(rate, generators.length, i);
      const order: StepOrder = {
        dialect: setup.dialect,
        callerUrl: setup.callerUrl,
        calleeUrl: setup.calleeUrl,
        rate: share.rate,
        offsetMs: share.offsetMs,
        durationMs,
        timeoutMs: o.callTimeoutMs,
        tag: `${server[0]}${round}${tag}g${i}`,
      };
      return g.step(order, durationMs + o.callTimeoutMs + 10_000);
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuOf(setup);
    const judged = judgeStep(rate, reports, o.limitMs);
    const serverSeconds = cpu1.servers - cpu0.servers;
    const redisSeconds = cpu1.redis === null ? null : cpu1.redis - cpu0.redis!;
    await sleep(PAUSE_MS);
    return {
      ...judged,
      serverCpu: serverSeconds / seconds,
      redisCpu: redisSeconds === null ? null : redisSeconds / seconds,
      serverMsPerCall: (serverSeconds + (redisSeconds ?? 0)) * 1000 /
        judged.started,
    };
  };
  try {
    // A fresh server (and generator) runs its first calls through cold
    // code, and the first upgrade loads ws: one unjudged step at the first
    // rate, as a server in service is warm.
    const warm = await step(rates[0], "w");
    log(`${formatStep(server, round, warm)} (warm-up, not judged)`);
    let state: RampState = { missedAt: NaN, voids: 0 };
    for (let s = 0; s < rates.length;) {
      const result = await step(rates[s], `s${steps.length}`);
      steps.push(result);
      const after = afterStep(state, result, o);
      const late = after.state.voids > state.voids;
      log(
        formatStep(server, round, result) +
          (late ? " (the generators fell behind: run again)" : ""),
      );
      state = after.state;
      if (after.move === "stop") break;
      if (after.move === "next") s++;
    }
  } finally {
    await Promise.all(generators.map((g) => g.stop()));
  }
  return { server, round, steps, held: highestHeld(steps) };
}

function formatStep(server: CallsServer, round: number, s: CallsStep): string {
  const redis = s.redisCpu === null ? "" : `, Redis ${s.redisCpu.toFixed(2)}`;
  const errors = s.errors.length ? `; ${s.errors.join("; ")}` : "";
  return `calls ${server.padEnd(7)} (run ${round}) ${
    String(s.rate).padStart(4)
  }/s: ${s.completed}/${s.started} done, p50 ${s.p50Ms.toFixed(1)} p99 ${
    s.p99Ms.toFixed(1)
  } max ${s.maxMs.toFixed(0)} ms, start lag p99 ${
    s.startLagP99Ms.toFixed(1)
  } ms, ${s.serverMsPerCall.toFixed(2)} ms server CPU/call, CPU server ${
    s.serverCpu.toFixed(2)
  }${redis}, busiest generator ${s.generatorCpu.toFixed(2)} cores ${
    s.held ? "held" : "MISSED"
  }${errors}`;
}

// --- processes -----------------------------------------------------------------

function cpuOf(setup: Setup): { servers: number; redis: number | null } {
  return {
    servers: setup.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
    redis: setup.redisPid === null ? null : cpuSeconds(setup.redisPid),
  };
}

/** A `calls_generator.ts` process, given one step at a time. */
class Generator {
  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly lines: LineReader,
    private readonly writer: WritableStreamDefaultWriter<Uint8Array>,
  ) {}

  static async start(): Promise<Generator> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        new URL("./calls_generator.ts", import.meta.url).pathname,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const generator = new Generator(
      child,
      new LineReader(child.stdout),
      child.stdin.getWriter(),
    );
    try {
      await generator.lines.next(
        GENERATOR_START_TIMEOUT_MS,
        "generator start",
      );
    } catch (error) {
      await generator.stop();
      throw error;
    }
    return generator;
  }

  async step(order: StepOrder, timeoutMs: number): Promise<GeneratorReport> {
    await this.writer.write(
      new TextEncoder().encode(JSON.stringify(order) + "\n"),
    );
    return JSON.parse(await this.lines.next(timeoutMs, "generator step"));
  }

  async stop(): Promise<void> {
    await this.writer.close().catch(() => {});
    await stopChild(this.child);
  }
}

/** A running redis-server: where the cluster's instances reach it, and its process. */
export interface RedisTarget {
  url: string;
  pid: number;
}

/** The redis-server at `url`, with its process id from its own `INFO server`. */
export async function redisTarget(url: string): Promise<RedisTarget> {
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  try {
    const info = await client.info("server");
    return { url, pid: Number(/^process_id:(\d+)/m.exec(info)![1]) };
  } finally {
    await client.close().catch(() => {});
  }
}

/**
 * Starts the server(s) of `server` (on `redis` for the cluster), runs
 * `fn`, always stops them.
 */
export async function withServers<T>(
  server: CallsServer,
  redis: RedisTarget | null,
  fn: (setup: Setup) => Promise<T>,
): Promise<T> {
  const script = server === "minimal" ? "minimal_relay.ts" : "parley_server.ts";
  const count = server === "cluster" ? 2 : 1;
  if (server === "cluster" && !redis) throw new Error("no Redis");
  const spawns: ServerSpawn[] = Array.from({ length: count }, () => ({
    script,
    label: script,
    redisUrl: server === "cluster" ? redis!.url : null,
  }));
  return await withServerProcesses(spawns, (list) => {
    const url = (port: number) => `ws://127.0.0.1:${port}/ws`;
    return fn({
      callerUrl: url(list[0].port),
      calleeUrl: url(list.at(-1)!.port),
      dialect: server === "minimal" ? "minimal" : "parley",
      pids: list.map((s) => s.pid),
      redisPid: server === "cluster" ? redis!.pid : null,
    });
  });
}

// --- alone -----------------------------------------------------------------------

if (import.meta.main) {
  const arg = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const number = (name: string) => arg(name) ? Number(arg(name)) : undefined;
  const quick = Deno.args.includes("--quick");
  const result = await runCallsBench({
    rounds: number("rounds") ?? (quick ? 1 : undefined),
    startRate: number("start") ?? (quick ? 50 : undefined),
    factor: number("factor") ?? (quick ? 1.5 : undefined),
    stepMs: number("step-ms") ?? (quick ? 1000 : undefined),
    minCallsPerStep: number("min-calls") ?? (quick ? 100 : undefined),
    generators: number("generators"),
    servers: arg("servers")?.split(",") as CallsServer[] | undefined,
    log: console.log,
  });
  for (const server of new Set(result.ramps.map((r) => r.server))) {
    const held = result.ramps.filter((r) => r.server === server)
      .map((r) => r.held);
    const s = spread(held);
    console.log(
      `calls ${server}: held ${
        held.join(", ")
      } calls/s (min ${s.min}, median ${s.median}, max ${s.max})`,
    );
  }
  console.log(formatTable(callsFigures(result)));
}
