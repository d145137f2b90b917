/**
 * Relay benchmark: Parley's signaling relay against the minimal relay
 * (`minimal_relay.ts`), each in its own subprocess so server and load
 * generator CPU are measured apart.
 *
 * - Throughput: P pairs in accepted calls, each client keeping `inFlight`
 *   ICE-candidate-sized (~300 B) messages in flight to its partner; after a
 *   warm-up, delivered msgs/s, one-way latency p50/p99/max, per-pair fairness,
 *   lost messages, CPU of both sides.
 * - Memory: server RSS per idle logged-in connection at N connections.
 * - Join storm (Parley only): N users logging into one room at once, for
 *   each N asked for.
 * - Room logins: N users spread over rooms of 10 logging in with bounded
 *   concurrency until every client has seen its whole room, against N bare
 *   logins (login → `welcome` ack) on the minimal relay; with the bytes the
 *   server sent and its RSS before and after.
 *
 * Everything talks to 127.0.0.1 only and is bounded in count and time.
 *
 * Run alone: deno run -A bench/relay_bench.ts [--pairs=50,500] [--rounds=2]
 *   [--measure-ms=5000] [--idle=5000] [--storm=1000,2000]
 *   [--logins=10000] [--room-size=10] [--cpu-prof=<dir>] [--quick]
 * Or import {@linkcode runRelayBench}.
 */

import { quantile, withDefaults } from "./figures.ts";
import { serverMemory } from "./memory_probe.ts";
import {
  cpuSeconds,
  type ServerProcess,
  type ServerSpawn,
  sleep,
  withServerProcesses,
} from "./processes.ts";
import { closeAll, inBatches, QueuedSocket } from "./sockets.ts";

/** Which relay a measurement ran against. */
export type RelayKind = "parley" | "minimal";

/** Knobs; every default is what the numbers in the report used. */
export interface RelayBenchOptions {
  /** Pair counts to run, each against both relays. */
  pairs?: number[];
  /**
   * Runs per relay and pair count, alternating relays; the best run counts
   * (other processes on a shared machine only ever make a run slower).
   */
  rounds?: number;
  /** Messages each client keeps in flight to its partner. */
  inFlight?: number;
  warmupMs?: number;
  measureMs?: number;
  /**
   * After sending stops, how long at least to wait for stragglers before
   * counting losses (longer when latencies were long, up to 15 s).
   */
  drainMs?: number;
  /** Idle logged-in connections for the memory measurement (0 skips it). */
  idleConnections?: number;
  /** Users in each join storm, one storm per entry (0 or [] skips it). */
  joinStorm?: number | number[];
  /** Users in the room-login run, against each relay (0 skips it). */
  roomLogins?: number;
  /** Users per room in the room-login run. */
  roomSize?: number;
  /** Logins in progress at once (connect → login → `welcome`). */
  loginConcurrency?: number;
  /**
   * Where to write a V8 CPU profile of each Parley server in the throughput
   * runs (`parley-<P>pairs-run<k>.cpuprofile`); `null` for none. The minimal
   * relay gets none: SIGTERM kills it before V8 can write one.
   */
  cpuProfDir?: string | null;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

/** One throughput run. */
export interface ThroughputResult {
  relay: RelayKind;
  pairs: number;
  round: number;
  /** Messages delivered per second during the measurement window. */
  msgsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Sent but never delivered, counted after the drain. */
  lost: number;
  /** Delivered msgs/s of the slowest pair and the median pair. */
  pairMinPerSec: number;
  pairMedianPerSec: number;
  /** CPU used during the window, in cores (1 = one core busy). */
  serverCpu: number;
  generatorCpu: number;
  /**
   * Server CPU per delivered message, in µs: less sensitive than msgs/s to
   * other processes competing for the cores.
   */
  serverUsPerMsg: number;
}

/** Server memory with idle logged-in connections. */
export interface MemoryResult {
  relay: RelayKind;
  connections: number;
  /** After a full GC (see memory_probe.ts). */
  rssBeforeMB: number;
  rssAfterMB: number;
  /** RSS growth per connection. */
  bytesPerConnection: number;
  /** JS heap growth per connection (live objects after GC). */
  heapPerConnection: number;
}

/** N users logging into one room at once (Parley). */
export interface JoinStormResult {
  users: number;
  /** Until every user's view (welcome + deltas) holds all the others. */
  ms: number;
  framesToClients: number;
  bytesToClients: number;
}

/**
 * N users logging in with bounded concurrency: on Parley spread over rooms of
 * `roomSize`, until every client's view holds the rest of its room; on the
 * minimal relay (no rooms, no presence) until every login got its `welcome`.
 */
export interface RoomLoginResult {
  relay: RelayKind;
  users: number;
  /** Users per room (Parley); the minimal relay has no rooms. */
  roomSize: number;
  concurrency: number;
  /** From the first connect until the last client settled. */
  ms: number;
  /** WebSocket payload the server sent (frame headers not counted). */
  bytesToClients: number;
  framesToClients: number;
  /** Server memory after a full GC, before the first connect and at the end. */
  rssBeforeMB: number;
  rssAfterMB: number;
  /** RSS growth per connection. */
  bytesPerConnection: number;
}

/** Everything one run measured. */
export interface RelayBenchResult {
  throughput: ThroughputResult[];
  /** Parley ÷ minimal, per pair count, best runs. */
  ratios: {
    pairs: number;
    msgsPerSec: number;
    p99: number;
    /** Parley ÷ minimal server CPU per message (median over runs). */
    serverUsPerMsg: number;
  }[];
  memory: MemoryResult[];
  /** One per storm size, in the order asked for. */
  joinStorms: JoinStormResult[];
  /** Minimal first, then Parley; empty when skipped. */
  roomLogins: RoomLoginResult[];
}

const DEFAULTS: Required<Omit<RelayBenchOptions, "log">> = {
  pairs: [50, 500],
  rounds: 2,
  inFlight: 8,
  warmupMs: 1500,
  measureMs: 5000,
  drainMs: 1000,
  idleConnections: 5000,
  joinStorm: [1000, 2000],
  roomLogins: 10_000,
  roomSize: 10,
  loginConcurrency: 200,
  cpuProfDir: null,
};

/** Hard caps so a typo cannot open 10^6 sockets. */
const MAX_CLIENTS = 10_000;
const SETUP_TIMEOUT_MS = 60_000;

const CANDIDATE =
  '{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.77 51234 typ srflx raddr 192.168.1.10 rport 51234 generation 0 ufrag EbCd network-id 1 network-cost 10","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"EbCd"}';

/** Runs every measurement and returns the numbers. */
export async function runRelayBench(
  options: RelayBenchOptions = {},
): Promise<RelayBenchResult> {
  const o = withDefaults(DEFAULTS, options);
  const log = options.log ?? (() => {});
  const throughput: ThroughputResult[] = [];
  const ratios: RelayBenchResult["ratios"] = [];
  for (const pairs of o.pairs) {
    if (pairs * 2 > MAX_CLIENTS) {
      throw new Error(`at most ${MAX_CLIENTS / 2} pairs`);
    }
    const results: Partial<Record<RelayKind, ThroughputResult>> = {};
    for (let round = 1; round <= o.rounds; round++) {
      const order = round % 2
        ? ["minimal", "parley"] as const
        : ["parley", "minimal"] as const;
      for (const relay of order) {
        const result = await withServer(
          relay,
          (server) => measureThroughput(server, relay, pairs, round, o),
          relay === "parley" && o.cpuProfDir
            ? { dir: o.cpuProfDir, name: `parley-${pairs}pairs-run${round}` }
            : undefined,
        );
        log(formatThroughput(result));
        throughput.push(result);
        const best = results[relay];
        if (!best || result.msgsPerSec > best.msgsPerSec) {
          results[relay] = result;
        }
      }
    }
    const medianCost = (relay: RelayKind) => {
      const costs = throughput.filter((r) =>
        r.relay === relay && r.pairs === pairs
      )
        .map((r) => r.serverUsPerMsg).sort((a, b) => a - b);
      return costs[Math.floor(costs.length / 2)];
    };
    ratios.push({
      pairs,
      msgsPerSec: results.parley!.msgsPerSec / results.minimal!.msgsPerSec,
      p99: results.parley!.p99Ms / results.minimal!.p99Ms,
      serverUsPerMsg: medianCost("parley") / medianCost("minimal"),
    });
  }
  const memory: MemoryResult[] = [];
  if (o.idleConnections > 0) {
    if (o.idleConnections > MAX_CLIENTS) {
      throw new Error(`at most ${MAX_CLIENTS} idle connections`);
    }
    for (const relay of ["minimal", "parley"] as const) {
      const result = await withServer(
        relay,
        (server) => measureMemory(server, relay, o.idleConnections),
      );
      log(
        `memory ${relay}: ${result.connections} idle connections, RSS ${
          result.rssBeforeMB.toFixed(1)
        } → ${result.rssAfterMB.toFixed(1)} MB, ${
          (result.bytesPerConnection / 1024).toFixed(1)
        } KiB RSS and ${
          (result.heapPerConnection / 1024).toFixed(1)
        } KiB JS heap per connection`,
      );
      memory.push(result);
    }
  }
  const joinStorms: JoinStormResult[] = [];
  for (const users of [o.joinStorm].flat().filter((n) => n > 0)) {
    if (users > MAX_CLIENTS) {
      throw new Error(`at most ${MAX_CLIENTS} users in the storm`);
    }
    const storm = await withServer(
      "parley",
      (server) => measureJoinStorm(server, users),
    );
    log(
      `join storm parley: ${storm.users} users in one room settled in ${
        storm.ms.toFixed(0)
      } ms, ${storm.framesToClients} frames, ${
        (storm.bytesToClients / 1e6).toFixed(1)
      } MB to clients`,
    );
    joinStorms.push(storm);
  }
  const roomLogins: RoomLoginResult[] = [];
  if (o.roomLogins > 0) {
    if (o.roomLogins > MAX_CLIENTS) {
      throw new Error(`at most ${MAX_CLIENTS} users logging in`);
    }
    for (const relay of ["minimal", "parley"] as const) {
      const result = await withServer(
        relay,
        (server) =>
          measureRoomLogins(
            server,
            relay,
            o.roomLogins,
            o.roomSize,
            o.loginConcurrency,
          ),
      );
      log(
        `logins ${relay}: ${result.users} users${
          relay === "parley" ? ` in rooms of ${result.roomSize}` : ""
        }, ${result.concurrency} at a time, settled in ${
          result.ms.toFixed(0)
        } ms, ${result.framesToClients} frames, ${
          (result.bytesToClients / 1e6).toFixed(2)
        } MB to clients, RSS ${result.rssBeforeMB.toFixed(1)} → ${
          result.rssAfterMB.toFixed(1)
        } MB (${(result.bytesPerConnection / 1024).toFixed(1)} KiB/connection)`,
      );
      roomLogins.push(result);
    }
  }
  return { throughput, ratios, memory, joinStorms, roomLogins };
}

// --- server subprocess ------------------------------------------------------

/**
 * Starts the relay's server, runs `fn` against it, always stops it (with a
 * CPU profile when `profile` says where).
 */
async function withServer<T>(
  relay: RelayKind,
  fn: (server: ServerProcess) => Promise<T>,
  profile?: { dir: string; name: string },
): Promise<T> {
  const spawn: ServerSpawn = {
    script: relay === "parley" ? "parley_server.ts" : "minimal_relay.ts",
    label: `${relay} server`,
    profile,
  };
  return await withServerProcesses([spawn], ([server]) => fn(server));
}

// --- clients ------------------------------------------------------------------

/** One side of a pair: its socket and the frame prefix it sends. */
interface Endpoint {
  ws: WebSocket;
  prefix: string;
  pair: number;
}

/** Logs pairs in and sets up calls; returns both endpoints of each pair. */
async function setupPairs(
  url: string,
  relay: RelayKind,
  pairs: number,
): Promise<Endpoint[][]> {
  return await inBatches(pairs, 50, async (i) => {
    const a = `a${i}`;
    const b = `b${i}`;
    if (relay === "minimal") {
      const [ca, cb] = await Promise.all([
        QueuedSocket.open(url),
        QueuedSocket.open(url),
      ]);
      ca.send({ type: "login", name: a });
      cb.send({ type: "login", name: b });
      await Promise.all([ca.next("welcome"), cb.next("welcome")]);
      return [
        {
          ws: ca.ws,
          pair: i,
          prefix:
            `{"type":"signal","target":"${b}","candidate":${CANDIDATE},"t":`,
        },
        {
          ws: cb.ws,
          pair: i,
          prefix:
            `{"type":"signal","target":"${a}","candidate":${CANDIDATE},"t":`,
        },
      ];
    }
    // Rooms of 10 pairs keep presence traffic out of the measurement.
    const roomUrl = `${url}?room=bench${Math.floor(i / 10)}`;
    const [ca, cb] = await Promise.all([
      QueuedSocket.open(roomUrl, "parley.v1"),
      QueuedSocket.open(roomUrl, "parley.v1"),
    ]);
    ca.send({ type: "login", name: a });
    cb.send({ type: "login", name: b });
    await Promise.all([ca.next("welcome"), cb.next("welcome")]);
    ca.send({ type: "call", to: b });
    const { callId } = await ca.next("ringing") as { callId: string };
    await cb.next("incoming");
    cb.send({ type: "accept", callId });
    await Promise.all([ca.next("accepted"), cb.next("accepted")]);
    const prefix =
      `{"type":"signal","callId":"${callId}","candidate":${CANDIDATE},"t":`;
    return [{ ws: ca.ws, pair: i, prefix }, { ws: cb.ws, pair: i, prefix }];
  });
}

// --- measurements -------------------------------------------------------------

async function measureThroughput(
  server: ServerProcess,
  relay: RelayKind,
  pairs: number,
  round: number,
  o: typeof DEFAULTS,
): Promise<ThroughputResult> {
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const endpoints = await setupPairs(url, relay, pairs);
  await sleep(300); // presence ticks settle

  let running = true;
  let measuring = false;
  let sent = 0;
  let received = 0;
  let windowDelivered = 0;
  const latencies: number[] = [];
  const perPair = new Float64Array(pairs);

  for (const [x, y] of endpoints) {
    for (const [self, partner] of [[x, y], [y, x]]) {
      const { ws, prefix, pair } = self;
      void partner;
      ws.onmessage = (e) => {
        const s = e.data as string;
        if (s.charCodeAt(9) !== 115 /* s of "signal" */) return;
        received++;
        if (measuring) {
          const at = s.indexOf('"t":');
          latencies.push(
            performance.now() - parseFloat(s.slice(at + 4, at + 30)),
          );
          windowDelivered++;
          perPair[pair]++;
        }
        if (running && ws.readyState === WebSocket.OPEN) {
          ws.send(prefix + performance.now() + "}");
          sent++;
        }
      };
    }
  }
  // Each client starts its window of messages to its partner.
  for (const pair of endpoints) {
    for (const { ws, prefix } of pair) {
      for (let k = 0; k < o.inFlight; k++) {
        ws.send(prefix + performance.now() + "}");
        sent++;
      }
    }
  }
  await sleep(o.warmupMs);
  const cpu0 = {
    server: cpuSeconds(server.pid),
    self: cpuSeconds("self"),
    at: performance.now(),
  };
  measuring = true;
  await sleep(o.measureMs);
  measuring = false;
  const elapsed = (performance.now() - cpu0.at) / 1000;
  const serverCpu = (cpuSeconds(server.pid) - cpu0.server) / elapsed;
  const generatorCpu = (cpuSeconds("self") - cpu0.self) / elapsed;
  running = false;
  // Drain: wait until every sent message arrived, or the drain time is up;
  // under overload messages are seconds late, not lost, so wait at least
  // twice the worst latency seen (capped).
  const worst = latencies.reduce((a, b) => Math.max(a, b), 0);
  const drainEnd = Date.now() +
    Math.min(15_000, Math.max(o.drainMs, 2 * worst));
  while (received < sent && Date.now() < drainEnd) {
    await sleep(20);
  }
  await closeAll(endpoints.flat().map((e) => e.ws));

  latencies.sort((a, b) => a - b);
  const pairRates = Array.from(perPair, (n) => n / elapsed).sort((a, b) =>
    a - b
  );
  return {
    relay,
    pairs,
    round,
    msgsPerSec: windowDelivered / elapsed,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? NaN,
    lost: sent - received,
    pairMinPerSec: pairRates[0],
    pairMedianPerSec: pairRates[Math.floor(pairRates.length / 2)],
    serverCpu,
    generatorCpu,
    serverUsPerMsg: (serverCpu * elapsed * 1e6) / windowDelivered,
  };
}

async function measureMemory(
  server: ServerProcess,
  relay: RelayKind,
  connections: number,
): Promise<MemoryResult> {
  const url = `ws://127.0.0.1:${server.port}/ws`;
  await sleep(500);
  const before = await serverMemory(server.port);
  const clients = await inBatches(connections, 250, async (i) => {
    const c = relay === "parley"
      // Rooms of 50: per-connection cost, not one giant room's presence.
      ? await QueuedSocket.open(
        `${url}?room=idle${Math.floor(i / 50)}`,
        "parley.v1",
      )
      : await QueuedSocket.open(url);
    c.send({ type: "login", name: `u${i}` });
    await c.next("welcome");
    return c;
  });
  // Let presence ticks run and freshly grown buffers settle.
  await sleep(1000);
  const after = await serverMemory(server.port);
  for (const c of clients) c.queue.length = 0;
  await closeAll(clients.map((c) => c.ws));
  return {
    relay,
    connections,
    rssBeforeMB: before.rss / 2 ** 20,
    rssAfterMB: after.rss / 2 ** 20,
    bytesPerConnection: (after.rss - before.rss) / connections,
    heapPerConnection: (after.heapUsed - before.heapUsed) / connections,
  };
}

async function measureJoinStorm(
  server: ServerProcess,
  users: number,
): Promise<JoinStormResult> {
  const url = `ws://127.0.0.1:${server.port}/ws?room=storm`;
  const sockets = await inBatches(
    users,
    250,
    () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, "parley.v1");
        ws.onopen = () => resolve(ws);
        ws.onerror = () => reject(new Error("connect failed"));
      }),
  );
  let frames = 0;
  let bytes = 0;
  let settled = 0;
  const { promise: allSettled, resolve } = Promise.withResolvers<void>();
  for (const ws of sockets) {
    let known = 0;
    let done = false;
    ws.onmessage = (e) => {
      const text = e.data as string;
      frames++;
      bytes += text.length;
      const msg = JSON.parse(text);
      if (msg.type === "welcome") known += msg.users.length;
      else if (msg.type === "presence") {
        known += (msg.joined?.length ?? 0) - (msg.left?.length ?? 0);
      }
      if (!done && known === users - 1) {
        done = true;
        if (++settled === users) resolve();
      }
    };
  }
  const started = performance.now();
  sockets.forEach((ws, i) =>
    ws.send(JSON.stringify({ type: "login", name: `user${i}` }))
  );
  const timeout = setTimeout(resolve, SETUP_TIMEOUT_MS);
  await allSettled;
  clearTimeout(timeout);
  const ms = performance.now() - started;
  if (settled < users) {
    throw new Error(`join storm: only ${settled} of ${users} settled`);
  }
  await closeAll(sockets);
  return { users, ms, framesToClients: frames, bytesToClients: bytes };
}

async function measureRoomLogins(
  server: ServerProcess,
  relay: RelayKind,
  users: number,
  roomSize: number,
  concurrency: number,
): Promise<RoomLoginResult> {
  const url = `ws://127.0.0.1:${server.port}/ws`;
  await sleep(500);
  const before = await serverMemory(server.port);
  const sockets: WebSocket[] = [];
  let frames = 0;
  let bytes = 0;
  let settled = 0;
  let failed: Error | null = null;
  const { promise: allSettled, resolve } = Promise.withResolvers<void>();
  /** Connects user `i`, logs it in and resolves on its `welcome`. */
  const login = (i: number) =>
    new Promise<void>((loggedIn, reject) => {
      const room = Math.floor(i / roomSize);
      // The rest of its room: the last room may be short.
      const others = Math.min(roomSize, users - room * roomSize) - 1;
      const ws = relay === "parley"
        ? new WebSocket(`${url}?room=r${room}`, "parley.v1")
        : new WebSocket(url);
      sockets.push(ws);
      const timer = setTimeout(
        () => reject(new Error(`login ${i}: no welcome`)),
        SETUP_TIMEOUT_MS,
      );
      let known = 0;
      let done = false;
      ws.onopen = () =>
        ws.send(JSON.stringify({ type: "login", name: `u${i}` }));
      ws.onerror = () => {
        clearTimeout(timer);
        reject(new Error(`login ${i}: connect failed`));
      };
      ws.onmessage = (e) => {
        const text = e.data as string;
        frames++;
        bytes += text.length; // ASCII: names are u<i>, rooms r<i>
        const msg = JSON.parse(text);
        if (msg.type === "welcome") {
          clearTimeout(timer);
          loggedIn();
          if (relay === "parley") known += msg.users.length;
        } else if (msg.type === "presence") {
          known += (msg.joined?.length ?? 0) - (msg.left?.length ?? 0);
        }
        const seen = relay === "minimal"
          ? msg.type === "welcome"
          : known === others;
        if (!done && seen) {
          done = true;
          if (++settled === users) resolve();
        }
      };
    });
  const started = performance.now();
  let next = 0;
  const workers = Array.from(
    { length: Math.min(concurrency, users) },
    async () => {
      while (next < users && !failed) {
        await login(next++).catch((e) => (failed = e));
      }
    },
  );
  const timeout = setTimeout(resolve, SETUP_TIMEOUT_MS);
  await Promise.all(workers);
  if (!failed) await allSettled;
  clearTimeout(timeout);
  const ms = performance.now() - started;
  const after = await serverMemory(server.port);
  await closeAll(sockets);
  if (failed) throw failed;
  if (settled < users) {
    throw new Error(`logins ${relay}: only ${settled} of ${users} settled`);
  }
  return {
    relay,
    users,
    roomSize: relay === "parley" ? roomSize : 1,
    concurrency,
    ms,
    bytesToClients: bytes,
    framesToClients: frames,
    rssBeforeMB: before.rss / 2 ** 20,
    rssAfterMB: after.rss / 2 ** 20,
    bytesPerConnection: (after.rss - before.rss) / users,
  };
}

// --- report -------------------------------------------------------------------

function formatThroughput(r: ThroughputResult): string {
  return `${r.relay.padEnd(7)} ${
    String(r.pairs).padStart(4)
  } pairs (run ${r.round}): ${
    Math.round(r.msgsPerSec).toLocaleString("en")
  } msg/s, ` +
    `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${
      r.maxMs.toFixed(0)
    } ms, lost ${r.lost}, ` +
    `pair min/median ${Math.round(r.pairMinPerSec)}/${
      Math.round(r.pairMedianPerSec)
    } msg/s, ` +
    `CPU server ${r.serverCpu.toFixed(2)} generator ${
      r.generatorCpu.toFixed(2)
    } cores, server ${r.serverUsPerMsg.toFixed(1)} µs/msg`;
}

if (import.meta.main) {
  const arg = (name: string) =>
    Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
  const quick = Deno.args.includes("--quick");
  const result = await runRelayBench({
    pairs: arg("pairs")?.split(",").filter(Boolean).map(Number) ??
      (quick ? [50] : undefined),
    rounds: arg("rounds") ? Number(arg("rounds")) : quick ? 1 : undefined,
    measureMs: arg("measure-ms")
      ? Number(arg("measure-ms"))
      : quick
      ? 2000
      : undefined,
    idleConnections: arg("idle")
      ? Number(arg("idle"))
      : quick
      ? 1000
      : undefined,
    joinStorm: arg("storm")?.split(",").map(Number) ??
      (quick ? [250, 500] : undefined),
    roomLogins: arg("logins")
      ? Number(arg("logins"))
      : quick
      ? 2000
      : undefined,
    roomSize: arg("room-size") ? Number(arg("room-size")) : undefined,
    cpuProfDir: arg("cpu-prof"),
    log: console.log,
  });
  for (const r of result.ratios) {
    console.log(
      `ratio parley/minimal at ${r.pairs} pairs: throughput ${
        r.msgsPerSec.toFixed(2)
      }, p99 ${r.p99.toFixed(2)}, server CPU per message ${
        r.serverUsPerMsg.toFixed(2)
      }`,
    );
  }
  console.log(JSON.stringify(result));
}
