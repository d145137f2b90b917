/**
 * Cluster benchmark (issue 7): Parley as two instances on a real Redis next
 * to the same load on one Parley instance without Redis, in the same run.
 *
 * - Relay: P pairs in accepted calls, each client keeping `inFlight`
 *   ICE-candidate-sized (~300 B) `signal` messages in flight to its partner.
 *   In the cluster the caller's socket is on instance A and the callee's on
 *   instance B, one room per pair, and the first to join alternates between
 *   them, so half the rooms run on A and half on B: every message crosses
 *   Redis exactly once (the owner's relay core runs the room; the other
 *   instance forwards). After a warm-up: delivered msgs/s, one-way latency
 *   p50/p99/max, lost messages, and the CPU of A, B, Redis and the load
 *   generator.
 * - Join storm: N users (2,000) in one room, alternately on A and B: the
 *   first logs in alone, the others open sockets 250 at a time and then all
 *   log in at once; the time until every client's view (welcome snapshot +
 *   presence deltas) holds all the others, with Redis's default settings.
 *
 * Each server is a `bench/parley_server.ts` process (rate limits off, logs
 * off); the cluster ones get `REDIS_URL`. Everything talks to 127.0.0.1
 * only, every loop is bounded in count and time, and every process started
 * here is stopped, also on failure.
 *
 * Run alone: deno run -A bench/cluster_bench.ts [--pairs=50,500] [--rounds=2]
 *   [--measure-ms=5000] [--storm=2000] [--cpu-prof=<dir>] [--quick]
 * Or import {@linkcode runClusterBench} and {@linkcode clusterFigures}.
 */
import { createClient } from "@redis/client";
import { startRedis } from "../tests/helpers/redis.ts";
import { CANDIDATE } from "./candidate.ts";
import {
  type Figure,
  figure,
  formatTable,
  loadAverage,
  quantile,
  type Target,
  withDefaults,
} from "./figures.ts";
import {
  cpuSeconds,
  type ServerProcess,
  type ServerSpawn,
  sleep,
  withServerProcesses,
} from "./processes.ts";
import { closeAll, inBatches, QueuedSocket } from "./sockets.ts";

/**
 * Where the clients' sockets are: two instances on Redis with each pair's
 * users on different instances (`cluster`) or both on the same one
 * (`local`, pair i on A or B alternately, so no message crosses Redis), or
 * one instance alone (`single`).
 */
export type Setup = "cluster" | "local" | "single";

/** Whether `setup` runs two instances on Redis. */
function onRedis(setup: Setup): boolean {
  return setup !== "single";
}

/** Knobs; every default is what `deno task bench` uses. */
export interface ClusterBenchOptions {
  /** Pair counts to run, each on both setups. */
  pairs?: number[];
  /**
   * Runs per setup and pair count, alternating the setups; the best run
   * (msgs/s) counts, since other work on a shared machine only slows a run.
   */
  rounds?: number;
  /** Messages each client keeps in flight to its partner. */
  inFlight?: number;
  warmupMs?: number;
  measureMs?: number;
  /** Users in each join storm (0 or [] skips it). */
  stormUsers?: number[];
  /** Writes a V8 CPU profile of every server process into this directory. */
  cpuProfDir?: string | null;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

/** CPU used during a measurement window, in cores (1 = one core busy). */
export interface CpuUse {
  /** Instance A; the only server in the single setup. */
  a: number;
  /** Instance B; null in the single setup. */
  b: number | null;
  /** redis-server; null in the single setup. */
  redis: number | null;
  generator: number;
}

/** One relay run. */
export interface RelayRun {
  setup: Setup;
  pairs: number;
  round: number;
  /** Messages delivered per second during the window. */
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Sent but never delivered, counted after a drain. */
  lost: number;
  cpu: CpuUse;
  /** Server-side CPU (A + B + Redis) per delivered message, in µs. */
  serverUsPerMsg: number;
  /** Redis XADD commands (inbox entries) per delivered message (cluster only). */
  xaddsPerMsg: number | null;
  /** Rooms run by each instance, by lease (cluster only), e.g. [25, 25]. */
  roomsPerOwner: number[] | null;
}

/** One join storm. */
export interface StormRun {
  setup: Setup;
  users: number;
  /** Clients whose view held all the others by the end. */
  settled: number;
  /** From the first login sent until every client saw all the others; NaN if some never did. */
  ms: number;
  framesToClients: number;
  bytesToClients: number;
  /** CPU seconds (not cores) spent from the first login until the end. */
  cpuSeconds: CpuUse;
  /** Largest unsent output Redis held for one client, sampled every 100 ms (cluster only). */
  peakClientBacklogMB: number | null;
  /** Sockets the server closed (from their connect until the end), by close code. */
  closedByServer: Record<number, number>;
}

/** Everything one run measured. */
export interface ClusterBenchResult {
  relay: RelayRun[];
  storms: StormRun[];
  /** 1-minute load average before and after, to judge how noisy it was. */
  loadBefore: number;
  loadAfter: number;
}

const DEFAULTS = {
  pairs: [50, 500],
  rounds: 2,
  inFlight: 8,
  warmupMs: 1500,
  measureMs: 5000,
  stormUsers: [2000],
  cpuProfDir: null as string | null,
};

/** Hard caps, so a typo cannot open 10^6 sockets or wait forever. */
const MAX_CLIENTS = 10_000;
const SETUP_TIMEOUT_MS = 60_000;
const DRAIN_MIN_MS = 1000;
const DRAIN_MAX_MS = 10_000;
/** Pairs set up at once; sockets opened at once in a storm. */
const SETUP_BATCH = 50;
const STORM_CONNECT_BATCH = 250;

/** Runs the relay and join-storm measurements on both setups. */
export async function runClusterBench(
  options: ClusterBenchOptions = {},
): Promise<ClusterBenchResult> {
  const o = withDefaults(DEFAULTS, options);
  const log = options.log ?? (() => {});
  for (const n of [...o.pairs.map((p) => 2 * p), ...o.stormUsers]) {
    if (n > MAX_CLIENTS) throw new Error(`at most ${MAX_CLIENTS} clients`);
  }
  const loadBefore = loadAverage();
  log(`cluster: load average ${loadBefore.toFixed(2)} at start`);
  const redis = await startRedis();
  const probe = await RedisProbe.connect(redis.url);
  const env: BenchEnv = { redisUrl: redis.url, probe, o, log, runs: 0 };
  try {
    const relay: RelayRun[] = [];
    for (const pairs of o.pairs) {
      for (let round = 1; round <= o.rounds; round++) {
        // Alternate the order of the setups, so drift in load hits every one.
        const order: Setup[] = round % 2
          ? ["single", "cluster", "local"]
          : ["local", "cluster", "single"];
        for (const setup of order) {
          const run = await withServers(
            env,
            setup,
            (servers) => measureRelay(env, servers, setup, pairs, round),
          );
          log(formatRelayRun(run));
          relay.push(run);
        }
      }
    }
    const storms: StormRun[] = [];
    for (const users of o.stormUsers.filter((n) => n > 0)) {
      storms.push(...await stormBothSetups(env, users));
    }
    const loadAfter = loadAverage();
    log(`cluster: load average ${loadAfter.toFixed(2)} at end`);
    return { relay, storms, loadBefore, loadAfter };
  } finally {
    await probe.close();
    await redis.stop();
  }
}

/**
 * The figures for `bench/results.json`: for each pair count the best
 * cluster run against the best single run, and each storm against its
 * single-instance twin. The targets are issue 19's: at 500 pairs two
 * instances deliver at least 0.9× of one with at most twice its median
 * latency, and at every pair count they spend at most 1.3× its server CPU
 * per message.
 */
export function clusterFigures(result: ClusterBenchResult): Figure[] {
  const figures: Figure[] = [
    figure("cluster: load average at start", result.loadBefore, "load"),
  ];
  for (const pairs of new Set(result.relay.map((r) => r.pairs))) {
    const cluster = bestRun(result.relay, "cluster", pairs);
    const single = bestRun(result.relay, "single", pairs);
    if (!cluster || !single) continue;
    const head = `cluster relay ${pairs} pairs`;
    const many = pairs >= 500;
    // [name, cluster value, single baseline (null: none), unit, target]
    const rows: [string, number, number | null, string, Target?][] = [
      [
        "delivered",
        cluster.msgsPerSec,
        single.msgsPerSec,
        "msg/s",
        many ? { minRatio: 0.9 } : undefined,
      ],
      [
        "p50 latency",
        cluster.p50Ms,
        single.p50Ms,
        "ms",
        many ? { maxRatio: 2 } : undefined,
      ],
      ["p99 latency", cluster.p99Ms, single.p99Ms, "ms"],
      ["max latency", cluster.maxMs, single.maxMs, "ms"],
      ["lost", cluster.lost, single.lost, "msg"],
      [
        "server CPU per msg (A+B+Redis)",
        cluster.serverUsPerMsg,
        single.serverUsPerMsg,
        "µs",
        { maxRatio: 1.3 },
      ],
      ["instance A CPU", cluster.cpu.a, single.cpu.a, "cores"],
      ["instance B CPU", cluster.cpu.b ?? 0, single.cpu.a, "cores"],
      ["Redis CPU", cluster.cpu.redis ?? 0, null, "cores"],
      [
        "load generator CPU",
        cluster.cpu.generator,
        single.cpu.generator,
        "cores",
      ],
      ["Redis XADD per msg", cluster.xaddsPerMsg ?? 0, null, "calls"],
    ];
    // What two instances cost with no message crossing Redis: the part of
    // the ratio above that is not the hop.
    const local = bestRun(result.relay, "local", pairs);
    if (local) {
      rows.push(
        [
          "each pair on one instance: delivered",
          local.msgsPerSec,
          single.msgsPerSec,
          "msg/s",
        ],
        [
          "each pair on one instance: server CPU per msg",
          local.serverUsPerMsg,
          single.serverUsPerMsg,
          "µs",
        ],
      );
    }
    for (const [name, value, baseline, unit, target] of rows) {
      figures.push(
        figure(`${head}: ${name}`, value, unit, { baseline, target }),
      );
    }
  }
  for (const users of new Set(result.storms.map((s) => s.users))) {
    figures.push(...stormFigures(result.storms, users));
  }
  return figures;
}

/**
 * A storm's figures: how many users settled with Redis's defaults, the time
 * to settle (when everyone did), and Redis's peak backlog for one client.
 */
function stormFigures(storms: StormRun[], users: number): Figure[] {
  const find = (setup: Setup) =>
    storms.find((s) => s.users === users && s.setup === setup);
  const single = find("single");
  const cluster = find("cluster");
  if (!single || !cluster) return [];
  const head = `cluster join storm ${users} users, two instances`;
  const figures = [
    figure(`${head}: users settled`, cluster.settled, "users", {
      baseline: single.settled,
    }),
    figure(
      `${head}: Redis peak client output backlog`,
      cluster.peakClientBacklogMB ?? 0,
      "MB",
    ),
  ];
  if (cluster.settled === users) {
    figures.push(
      figure(`${head}: settled`, cluster.ms, "ms", { baseline: single.ms }),
    );
  }
  return figures;
}

// --- processes ----------------------------------------------------------------

/** What every measurement needs from the run around it. */
interface BenchEnv {
  redisUrl: string;
  probe: RedisProbe;
  o: typeof DEFAULTS;
  log: (line: string) => void;
  /** Server sets started so far; names the rooms and CPU profiles apart. */
  runs: number;
}

/** The server processes of one measurement: [A] or [A, B]. */
interface Servers {
  list: ServerProcess[];
  /** Unique per measurement, so no room or name outlives its run in Redis. */
  tag: string;
}

/** Starts the setup's servers, runs `fn` against them, always stops them. */
async function withServers<T>(
  env: BenchEnv,
  setup: Setup,
  fn: (servers: Servers) => Promise<T>,
): Promise<T> {
  const tag = `run${++env.runs}`;
  const names = onRedis(setup) ? ["A", "B"] : ["single"];
  const spawns: ServerSpawn[] = names.map((name) => ({
    script: "parley_server.ts",
    label: `server ${name}`,
    redisUrl: onRedis(setup) ? env.redisUrl : null,
    profile: env.o.cpuProfDir
      ? { dir: env.o.cpuProfDir, name: `${tag}-${setup}-${name}` }
      : null,
  }));
  return await withServerProcesses(spawns, (list) => fn({ list, tag }));
}

/** A client for reading Redis's counters (not part of the measured load). */
function probeClient(url: string) {
  return createClient({ url });
}

/** Reads Redis's own counters: its CPU, PUBLISH calls, and room leases. */
class RedisProbe {
  private constructor(
    private readonly client: ReturnType<typeof probeClient>,
  ) {}

  static async connect(url: string): Promise<RedisProbe> {
    const client = probeClient(url);
    client.on("error", () => {}); // surfaces as rejected commands instead
    await client.connect();
    return new RedisProbe(client);
  }

  /** used_cpu_user + used_cpu_sys of redis-server, in seconds. */
  async cpuSeconds(): Promise<number> {
    const info = await this.client.info("cpu");
    return infoNumber(info, "used_cpu_user") + infoNumber(info, "used_cpu_sys");
  }

  /** XADD commands (one per inbox entry) served since Redis started. */
  async xadds(): Promise<number> {
    const info = await this.client.info("commandstats");
    return Number(/cmdstat_xadd:calls=(\d+)/.exec(info)?.[1] ?? 0);
  }

  /** The instance holding each room's lease (null: none). */
  owners(rooms: string[]): Promise<(string | null)[]> {
    // The key layout of signaling/cluster/redis_keys.ts.
    return this.client.mGet(rooms.map((room) => `parley:room:${room}`));
  }

  /** The largest unsent output (`omem`) Redis holds for any client now. */
  async clientBacklogBytes(): Promise<number> {
    const list = await this.client.clientList();
    return list.reduce((most, c) => Math.max(most, Number(c.omem ?? 0)), 0);
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => {});
  }
}

function infoNumber(info: string, field: string): number {
  const match = new RegExp(`^${field}:([\\d.]+)`, "m").exec(info);
  return match ? Number(match[1]) : 0;
}

/** CPU seconds of every process involved, read at one moment. */
async function cpuSnapshot(
  env: BenchEnv,
  servers: Servers,
  setup: Setup,
): Promise<CpuUse> {
  const [a, b] = servers.list.map((s) => cpuSeconds(s.pid));
  return {
    a,
    b: b ?? null,
    redis: onRedis(setup) ? await env.probe.cpuSeconds() : null,
    generator: cpuSeconds("self"),
  };
}

/** (later − earlier) / seconds, field by field. */
function cpuRate(earlier: CpuUse, later: CpuUse, seconds: number): CpuUse {
  const rate = (x: number | null, y: number | null) =>
    x === null || y === null ? null : (y - x) / seconds;
  return {
    a: rate(earlier.a, later.a)!,
    b: rate(earlier.b, later.b),
    redis: rate(earlier.redis, later.redis),
    generator: rate(earlier.generator, later.generator)!,
  };
}

// --- clients --------------------------------------------------------------------

/** Opens a `parley.v1` socket into `room` on the server at `port`. */
function openClient(port: number, room: string): Promise<QueuedSocket> {
  return QueuedSocket.open(
    `ws://127.0.0.1:${port}/ws?room=${room}`,
    "parley.v1",
  );
}

/** Opens a socket, logs in as `name`, waits for `welcome`. */
async function login(
  port: number,
  room: string,
  name: string,
): Promise<QueuedSocket> {
  const client = await openClient(port, room);
  client.send({ type: "login", name });
  await client.next("welcome");
  return client;
}

/** Both ends of one call and the frame prefix they send each other. */
interface Pair {
  caller: WebSocket;
  callee: WebSocket;
  /** `{"type":"signal","callId":…,"candidate":…,"t":` — the send time follows. */
  prefix: string;
  room: string;
}

/**
 * Logs `pairs` pairs in, one room each, and puts each pair in an accepted
 * call. In the cluster setup the caller is on A and the callee on B, and
 * the first of the two to connect claims the room's lease, so alternating
 * it spreads the rooms over both instances; in the local setup pair i is
 * all on A or all on B, alternately.
 */
function setupPairs(
  servers: Servers,
  setup: Setup,
  pairs: number,
): Promise<Pair[]> {
  const { list } = servers;
  return inBatches(pairs, SETUP_BATCH, async (i) => {
    const room = `${servers.tag}-pair${i}`;
    const callerPort = setup === "local" ? list[i % 2].port : list[0].port;
    const calleePort = setup === "local" ? callerPort : list.at(-1)!.port;
    const join = (side: "caller" | "callee") =>
      login(
        side === "caller" ? callerPort : calleePort,
        room,
        `${side}${i}`,
      );
    let caller: QueuedSocket, callee: QueuedSocket;
    if (i % 2 === 0) {
      caller = await join("caller");
      callee = await join("callee");
    } else {
      callee = await join("callee");
      caller = await join("caller");
    }
    caller.send({ type: "call", to: `callee${i}` });
    const { callId } = await caller.next("ringing") as { callId: string };
    await callee.next("incoming");
    callee.send({ type: "accept", callId });
    await Promise.all([caller.next("accepted"), callee.next("accepted")]);
    return {
      caller: caller.ws,
      callee: callee.ws,
      prefix:
        `{"type":"signal","callId":"${callId}","candidate":${CANDIDATE},"t":`,
      room,
    };
  });
}

// --- relay ------------------------------------------------------------------------

/** Counters the load loop updates as messages arrive. */
interface LoadCounters {
  sent: number;
  received: number;
  /** Delivered inside the measurement window. */
  windowDelivered: number;
  /** One-way latencies inside the window, ms. */
  latencies: number[];
  measuring: boolean;
  sending: boolean;
}

/**
 * Each socket answers every signal it receives with a new one to its
 * partner, and starts with `inFlight` of them: a closed loop that keeps
 * `inFlight` messages in flight in each direction of each pair.
 */
function startLoad(pairs: Pair[], inFlight: number): LoadCounters {
  const c: LoadCounters = {
    sent: 0,
    received: 0,
    windowDelivered: 0,
    latencies: [],
    measuring: false,
    sending: true,
  };
  const send = (ws: WebSocket, prefix: string) => {
    ws.send(prefix + performance.now() + "}");
    c.sent++;
  };
  for (const { caller, callee, prefix } of pairs) {
    for (const ws of [caller, callee]) {
      ws.onmessage = (event) => {
        const text = event.data as string;
        // Presence and other control frames are not part of the load.
        if (!text.startsWith('{"type":"signal"')) return;
        c.received++;
        if (c.measuring) {
          // parseFloat stops at the "," of the stamp the relay appends.
          const at = text.lastIndexOf('"t":') + 4;
          c.latencies.push(performance.now() - parseFloat(text.slice(at)));
          c.windowDelivered++;
        }
        if (c.sending && ws.readyState === WebSocket.OPEN) send(ws, prefix);
      };
    }
  }
  for (const { caller, callee, prefix } of pairs) {
    for (let k = 0; k < inFlight; k++) {
      send(caller, prefix);
      send(callee, prefix);
    }
  }
  return c;
}

/** One relay run against already started servers. */
async function measureRelay(
  env: BenchEnv,
  servers: Servers,
  setup: Setup,
  pairs: number,
  round: number,
): Promise<RelayRun> {
  const { o } = env;
  const list = await setupPairs(servers, setup, pairs);
  const roomsPerOwner = onRedis(setup)
    ? countOwners(await env.probe.owners(list.map((p) => p.room)))
    : null;
  await sleep(300); // the presence ticks of the logins settle
  const load = startLoad(list, o.inFlight);
  await sleep(o.warmupMs);
  const cpu0 = await cpuSnapshot(env, servers, setup);
  const xadd0 = onRedis(setup) ? await env.probe.xadds() : 0;
  const t0 = performance.now();
  load.measuring = true;
  await sleep(o.measureMs);
  load.measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuRate(cpu0, await cpuSnapshot(env, servers, setup), seconds);
  const xadds = onRedis(setup) ? await env.probe.xadds() - xadd0 : null;
  load.sending = false;
  await drain(load);
  await closeAll(list.flatMap((p) => [p.caller, p.callee]));

  const sorted = Float64Array.from(load.latencies).sort();
  const delivered = load.windowDelivered;
  const serverCores = cpu.a + (cpu.b ?? 0) + (cpu.redis ?? 0);
  return {
    setup,
    pairs,
    round,
    msgsPerSec: delivered / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? NaN,
    lost: load.sent - load.received,
    cpu,
    serverUsPerMsg: (serverCores * seconds * 1e6) / delivered,
    // PUBLISH counts are read around the same window as `delivered`.
    xaddsPerMsg: xadds === null ? null : xadds / delivered,
    roomsPerOwner,
  };
}

/**
 * Waits until every sent message arrived, or at least `DRAIN_MIN_MS` and
 * twice the worst latency seen (overloaded relays are late, not lossy),
 * never longer than `DRAIN_MAX_MS`.
 */
async function drain(load: LoadCounters): Promise<void> {
  const worst = load.latencies.reduce((a, b) => Math.max(a, b), 0);
  const end = Date.now() +
    Math.min(DRAIN_MAX_MS, Math.max(DRAIN_MIN_MS, 2 * worst));
  while (load.received < load.sent && Date.now() < end) await sleep(20);
}

/** How many rooms each lease holder runs, most first; null leases count as 0. */
function countOwners(owners: (string | null)[]): number[] {
  const counts = new Map<string, number>();
  for (const owner of owners) {
    if (owner !== null) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return [...counts.values()].sort((a, b) => b - a);
}

/** The run with the most msgs/s for that setup and pair count. */
function bestRun(
  runs: RelayRun[],
  setup: Setup,
  pairs: number,
): RelayRun | undefined {
  return runs.filter((r) => r.setup === setup && r.pairs === pairs)
    .reduce<RelayRun | undefined>(
      (best, r) => (!best || r.msgsPerSec > best.msgsPerSec ? r : best),
      undefined,
    );
}

// --- join storm -------------------------------------------------------------------

/** A storm in which no client received anything for this long has stalled. */
const STORM_STALL_MS = 5000;

/** The storm on one instance, then on two with Redis's default settings. */
async function stormBothSetups(
  env: BenchEnv,
  users: number,
): Promise<StormRun[]> {
  const runs: StormRun[] = [];
  for (const setup of ["single", "cluster"] as const) {
    const storm = await withServers(
      env,
      setup,
      (servers) => measureStorm(env, servers, setup, users),
    );
    env.log(formatStormRun(storm));
    runs.push(storm);
  }
  return runs;
}

/**
 * `users` users in one room, alternately on each server: the first logs in
 * alone on the first server, so the room exists (and its lease is taken)
 * as in a room people are already in; the others open sockets 250 at a
 * time, then all log in at once, and the clock runs until each user's view
 * holds the other `users - 1`, or nothing arrived for `STORM_STALL_MS`
 * (bounded by `SETUP_TIMEOUT_MS` in all).
 */
async function measureStorm(
  env: BenchEnv,
  servers: Servers,
  setup: Setup,
  users: number,
): Promise<StormRun> {
  const room = `${servers.tag}-storm`;
  const first = await login(servers.list[0].port, room, "user0");
  const rest = await inBatches(
    users - 1,
    STORM_CONNECT_BATCH,
    (k) => openClient(servers.list[(k + 1) % servers.list.length].port, room),
  );
  const clients = [first, ...rest];
  const seen = watchPresence(clients.map((c) => c.ws), users - 1);
  const cpu0 = await cpuSnapshot(env, servers, setup);
  const started = performance.now();
  rest.forEach((client, k) =>
    client.send({ type: "login", name: `user${k + 1}` })
  );
  let peakBacklog = 0;
  while (
    seen.settled < users &&
    performance.now() - seen.lastFrameAt < STORM_STALL_MS &&
    performance.now() - started < SETUP_TIMEOUT_MS
  ) {
    if (onRedis(setup)) {
      peakBacklog = Math.max(
        peakBacklog,
        await env.probe.clientBacklogBytes(),
      );
    }
    await sleep(onRedis(setup) ? 100 : 20);
  }
  const ms = seen.settled === users ? seen.settledAt - started : NaN;
  // Over "1 second": CPU seconds spent, as the storm is about a second long.
  const cpu = cpuRate(cpu0, await cpuSnapshot(env, servers, setup), 1);
  // Counted before closeAll, whose own closes are not the server's doing.
  const closedByServer: Record<number, number> = {};
  for (const { closeCode } of clients) {
    if (closeCode !== null) {
      closedByServer[closeCode] = (closedByServer[closeCode] ?? 0) + 1;
    }
  }
  await closeAll(clients.map((c) => c.ws));
  return {
    setup,
    users,
    settled: seen.settled,
    ms,
    framesToClients: seen.frames,
    bytesToClients: seen.bytes,
    cpuSeconds: cpu,
    peakClientBacklogMB: onRedis(setup) ? peakBacklog / 1e6 : null,
    closedByServer,
  };
}

/** What the storm's clients have seen so far. */
interface PresenceWatch {
  /** Clients whose view holds `others` users. */
  settled: number;
  /** When the last of them settled (performance.now()). */
  settledAt: number;
  lastFrameAt: number;
  frames: number;
  bytes: number;
}

/** Counts, per socket, the users its welcome and presence deltas add up to. */
function watchPresence(sockets: WebSocket[], others: number): PresenceWatch {
  const watch: PresenceWatch = {
    settled: 0,
    settledAt: NaN,
    lastFrameAt: performance.now(),
    frames: 0,
    bytes: 0,
  };
  for (const ws of sockets) {
    let known = 0;
    let done = false;
    ws.onmessage = (event) => {
      const text = event.data as string;
      watch.frames++;
      watch.bytes += text.length;
      watch.lastFrameAt = performance.now();
      const message = JSON.parse(text);
      if (message.type === "welcome") known += message.users.length;
      else if (message.type === "presence") {
        known += (message.joined?.length ?? 0) - (message.left?.length ?? 0);
      }
      if (!done && known === others) {
        done = true;
        watch.settled++;
        watch.settledAt = watch.lastFrameAt;
      }
    };
  }
  return watch;
}

// --- report -----------------------------------------------------------------------

function formatCpu(cpu: CpuUse, unit: string): string {
  const parts = [`A ${cpu.a.toFixed(2)}`];
  if (cpu.b !== null) parts.push(`B ${cpu.b.toFixed(2)}`);
  if (cpu.redis !== null) parts.push(`Redis ${cpu.redis.toFixed(2)}`);
  parts.push(`generator ${cpu.generator.toFixed(2)}`);
  return `CPU ${parts.join(", ")} ${unit}`;
}

function formatRelayRun(r: RelayRun): string {
  const owners = r.roomsPerOwner
    ? `, rooms per owner ${r.roomsPerOwner.join("/")}`
    : "";
  const xadds = r.xaddsPerMsg === null
    ? ""
    : `, ${r.xaddsPerMsg.toFixed(3)} XADD/msg`;
  return `cluster bench ${r.setup.padEnd(7)} ${
    String(r.pairs).padStart(3)
  } pairs (run ${r.round}): ${
    Math.round(r.msgsPerSec).toLocaleString("en")
  } msg/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${
    r.maxMs.toFixed(0)
  } ms, lost ${r.lost}, ${formatCpu(r.cpu, "cores")}, ${
    r.serverUsPerMsg.toFixed(1)
  } µs server CPU/msg${xadds}${owners}`;
}

function formatStormRun(s: StormRun): string {
  const outcome = s.settled === s.users
    ? `settled in ${s.ms.toFixed(0)} ms`
    : `only ${s.settled} settled (stalled)`;
  const backlog = s.peakClientBacklogMB === null
    ? ""
    : `, Redis client backlog peak ${s.peakClientBacklogMB.toFixed(1)} MB`;
  const closes = Object.entries(s.closedByServer)
    .map(([code, n]) => `${n}× ${code}`).join(", ");
  const closedBy = closes ? `, closed by the server: ${closes}` : "";
  return `cluster bench ${
    s.setup.padEnd(7)
  } join storm: ${s.users} users in one room ${outcome}, ${s.framesToClients} frames, ${
    (s.bytesToClients / 1e6).toFixed(1)
  } MB to clients, ${formatCpu(s.cpuSeconds, "s")}${backlog}${closedBy}`;
}

if (import.meta.main) {
  const arg = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const numbers = (name: string) =>
    arg(name)?.split(",").filter(Boolean).map(Number);
  const quick = Deno.args.includes("--quick");
  const result = await runClusterBench({
    pairs: numbers("pairs") ?? (quick ? [50] : undefined),
    rounds: numbers("rounds")?.[0] ?? (quick ? 1 : undefined),
    measureMs: numbers("measure-ms")?.[0] ?? (quick ? 2000 : undefined),
    stormUsers: numbers("storm") ?? (quick ? [500] : undefined),
    cpuProfDir: arg("cpu-prof"),
    log: console.log,
  });
  console.log(formatTable(clusterFigures(result)));
}
