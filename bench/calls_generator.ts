/**
 * A load generator process of the calls-per-second benchmark
 * (`calls_bench.ts`), kept apart from the servers and from the process
 * that drives the ramp so that it has an event loop of its own.
 *
 * It prints `ready`, then reads one {@linkcode StepOrder} per stdin line
 * and answers each with one {@linkcode GeneratorReport} as a JSON line.
 * It starts calls on a fixed schedule (open loop: the next call starts on
 * time however long the last one takes). Each call is a fresh pair of
 * sockets running one script: both log in (one after the other, the first
 * alternating, so in a cluster the first to join, whose instance takes
 * the room, alternates), the caller rings, the callee accepts, the caller
 * sends an offer and ten candidates, the callee answers with an answer and
 * ten candidates, then the caller chats once and hangs up, and both close.
 * The latency is from sending `call` to the last of the twenty candidates
 * delivered, both ends being in this process.
 *
 * The sockets are {@linkcode BenchSocket}s, which set TCP_NODELAY as
 * browsers do (see there why not Deno's WebSocket or `npm:ws`).
 *
 * Run by `calls_bench.ts`: deno run --allow-net=127.0.0.1
 *   bench/calls_generator.ts
 */
import process from "node:process";
import { BenchSocket } from "./bench_socket.ts";
import { CANDIDATE } from "./candidate.ts";
import type { GeneratorReport } from "./calls_steps.ts";

/** Which server's dialect the script speaks. */
export type Dialect = "parley" | "minimal";

/** One rate step for this generator. */
export interface StepOrder {
  dialect: Dialect;
  /** `ws://host:port/ws` of the caller's server and of the callee's. */
  callerUrl: string;
  calleeUrl: string;
  /** This generator's calls per second. */
  rate: number;
  /** Delay of this generator's first call, so that generators interleave. */
  offsetMs: number;
  /** How long calls keep being started. */
  durationMs: number;
  /** A call not finished this long after its scheduled start failed. */
  timeoutMs: number;
  /** Makes names and rooms unique across steps and generators. */
  tag: string;
}

/** Candidates each side sends. */
export const CANDIDATES_EACH_WAY = 10;
/** Errors a report carries at most. */
const MAX_ERRORS = 5;

/** An SDP about the size of a browser's audio + video offer (~3 KB). */
function sdp(kind: "offer" | "answer"): string {
  const lines = [
    "v=0",
    `o=- 4611731400430051336 2 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0 1",
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS stream",
  ];
  for (const [mid, media] of [["0", "audio"], ["1", "video"]]) {
    lines.push(
      `m=${media} 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126`,
      "c=IN IP4 0.0.0.0",
      "a=rtcp:9 IN IP4 0.0.0.0",
      "a=ice-ufrag:Qx7p",
      "a=ice-pwd:c7Ns0pNx8kRkY1gUe3aH0vPz",
      "a=ice-options:trickle",
      "a=fingerprint:sha-256 4F:1A:3C:9B:22:7E:60:D1:0A:55:E8:93:4B:C2:17:8D:F0:6E:21:B9:3A:74:C5:08:9D:E2:41:6F:B7:13:80:2C",
      `a=setup:${kind === "offer" ? "actpass" : "active"}`,
      `a=mid:${mid}`,
      "a=sendrecv",
      "a=rtcp-mux",
      "a=rtcp-rsize",
    );
    for (let pt = 96; pt < 110; pt++) {
      lines.push(
        `a=rtpmap:${pt} ${media === "audio" ? "opus/48000/2" : "VP8/90000"}`,
        `a=rtcp-fb:${pt} transport-cc`,
        `a=fmtp:${pt} minptime=10;useinbandfec=1`,
      );
    }
  }
  return lines.join("\r\n") + "\r\n";
}

const OFFER = JSON.stringify({ type: "offer", sdp: sdp("offer") });
const ANSWER = JSON.stringify({ type: "answer", sdp: sdp("answer") });

/** The frames of one call in one dialect; `target` only for the minimal relay. */
function frames(dialect: Dialect, caller: string, callee: string) {
  const to = (name: string) =>
    dialect === "minimal" ? `,"target":${JSON.stringify(name)}` : "";
  const signal = (callId: string, peer: string, body: string) =>
    `{"type":"signal","callId":${JSON.stringify(callId)}${to(peer)},${body}}`;
  return {
    login: (name: string) => JSON.stringify({ type: "login", name }),
    call: `{"type":"call","to":${JSON.stringify(callee)}${to(callee)}}`,
    accept: (callId: string) =>
      `{"type":"accept","callId":${JSON.stringify(callId)}${to(caller)}}`,
    offer: (callId: string) => signal(callId, callee, `"description":${OFFER}`),
    answer: (callId: string) =>
      signal(callId, caller, `"description":${ANSWER}`),
    candidate: (callId: string, peer: string) =>
      signal(callId, peer, `"candidate":${CANDIDATE}`),
    chat: `{"type":"chat","text":"hello, can you hear me?"${to(callee)}}`,
    hangup: (callId: string) =>
      `{"type":"hangup","callId":${JSON.stringify(callId)}${to(callee)}}`,
  };
}

/** How one call ended: its latency, or why it failed. */
type Outcome = { latencyMs: number } | { error: string };

/**
 * Runs one call's script on two fresh sockets. Resolves once the callee saw
 * the hang-up (after the chat), or with the reason it failed, at the latest
 * `timeoutMs` after `scheduledAt`.
 */
function runCall(order: StepOrder, k: number, scheduledAt: number) {
  const caller = `${order.tag}-${k}a`;
  const callee = `${order.tag}-${k}b`;
  const f = frames(order.dialect, caller, callee);
  const query = order.dialect === "parley" ? `?room=${order.tag}-${k}` : "";
  const protocol = order.dialect === "parley" ? "parley.v1" : undefined;
  const open = (url: string) => new BenchSocket(url + query, protocol);
  const a = open(order.callerUrl);
  const b = open(order.calleeUrl);
  const { promise, resolve } = Promise.withResolvers<Outcome>();
  let phase = "connect";
  let settled = false;
  const finish = (outcome: Outcome) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    for (const ws of [a, b]) {
      ws.onmessage = ws.onclose = ws.onerror = null;
      ws.close(1000);
    }
    resolve(outcome);
  };
  const timer = setTimeout(
    () => finish({ error: `timeout (${phase})` }),
    Math.max(0, scheduledAt + order.timeoutMs - performance.now()),
  );
  const callerFirst = k % 2 === 0;
  let opened = 0;
  let callId = order.dialect === "minimal" ? `${order.tag}-${k}` : "";
  let sentCallAt = 0;
  let candidatesAtCaller = 0;
  let candidatesAtCallee = 0;
  let latencyMs = NaN;
  let chatSeen = false;
  const first = callerFirst ? a : b;
  const second = callerFirst ? b : a;
  const loginSecond = () => {
    phase = "second login";
    second.send(f.login(callerFirst ? callee : caller));
  };
  const ring = () => {
    phase = "ring";
    sentCallAt = performance.now();
    a.send(f.call);
  };
  const candidatesDelivered = () => {
    if (
      candidatesAtCaller === CANDIDATES_EACH_WAY &&
      candidatesAtCallee === CANDIDATES_EACH_WAY
    ) {
      latencyMs = performance.now() - sentCallAt;
      phase = "chat and hang up";
      a.send(f.chat);
      a.send(f.hangup(callId));
    }
  };
  for (const ws of [a, b]) {
    ws.onopen = () => {
      if (++opened < 2) return;
      phase = "first login";
      first.send(f.login(callerFirst ? caller : callee));
    };
    ws.onerror = () => finish({ error: `socket error (${phase})` });
    ws.onclose = (code) => finish({ error: `closed ${code} (${phase})` });
  }
  a.onmessage = (text) => {
    const message = JSON.parse(text);
    switch (message.type) {
      case "welcome":
        return callerFirst ? loginSecond() : ring();
      case "accepted":
      case "accept":
        phase = "negotiate";
        a.send(f.offer(callId));
        for (let i = 0; i < CANDIDATES_EACH_WAY; i++) {
          a.send(f.candidate(callId, callee));
        }
        return;
      case "signal":
        if (message.candidate) {
          candidatesAtCaller++;
          candidatesDelivered();
        }
        return;
      case "error":
        return finish({ error: `caller got ${message.code} (${phase})` });
    }
  };
  b.onmessage = (text) => {
    const message = JSON.parse(text);
    switch (message.type) {
      case "welcome":
        return callerFirst ? ring() : loginSecond();
      case "incoming":
      case "call":
        if (message.callId) callId = message.callId;
        phase = "accept";
        return b.send(f.accept(callId));
      case "signal":
        if (message.description?.type === "offer") {
          b.send(f.answer(callId));
          for (let i = 0; i < CANDIDATES_EACH_WAY; i++) {
            b.send(f.candidate(callId, caller));
          }
        } else if (message.candidate) {
          candidatesAtCallee++;
          candidatesDelivered();
        }
        return;
      case "chat":
        chatSeen = true;
        return;
      case "ended":
      case "hangup":
        return finish(
          chatSeen && latencyMs >= 0
            ? { latencyMs }
            : { error: `hang-up before the chat or the candidates` },
        );
      case "error":
        return finish({ error: `callee got ${message.code} (${phase})` });
    }
  };
  return promise;
}

/** CPU seconds (user + system) this process has used. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Starts calls on schedule for the step, waits for them all, reports. */
export async function runStep(order: StepOrder): Promise<GeneratorReport> {
  const interval = 1000 / order.rate;
  const total = Math.max(1, Math.round(order.durationMs / interval));
  const cpu0 = cpuSeconds();
  const t0 = performance.now() + order.offsetMs;
  const calls: Promise<Outcome>[] = [];
  const startLags: number[] = [];
  for (let k = 0; k < total;) {
    const wait = t0 + k * interval - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = performance.now();
    // Calls whose time has come, however late the timer fired.
    while (k < total && t0 + k * interval <= now) {
      const due = t0 + k * interval;
      startLags.push(now - due);
      calls.push(runCall(order, k, due));
      k++;
    }
  }
  const outcomes = await Promise.all(calls);
  const elapsedMs = performance.now() - t0;
  const latencies: number[] = [];
  const errors: string[] = [];
  for (const outcome of outcomes) {
    if ("latencyMs" in outcome) latencies.push(outcome.latencyMs);
    else if (errors.length < MAX_ERRORS) errors.push(outcome.error);
  }
  return {
    started: total,
    completed: latencies.length,
    latencies,
    startLags,
    cpuSeconds: cpuSeconds() - cpu0,
    elapsedMs,
    errors,
  };
}

if (import.meta.main) {
  console.log("ready");
  let buffered = "";
  for await (
    const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())
  ) {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.trim()) {
        console.log(JSON.stringify(await runStep(JSON.parse(line))));
      }
    }
  }
}
