/**
 * Fuzz: thousands of random and malformed frames from several sockets of both
 * dialects, while a well-behaved pair keeps chatting and signaling. The relay
 * must never throw, must keep serving the pair, and must let go of everything
 * the fuzzers made once they disconnect.
 */
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import type { LogRecord } from "../../signaling/log.ts";
import { needsNet } from "../helpers/permissions.ts";
import {
  maskFrame,
  parleyPair,
  RawClient,
  startServer,
  WsClient,
} from "./ws_helpers.ts";

const FRAMES = 12_000;
const FUZZERS = 6;
const SEED = 0x5eed;

/** mulberry32: small, fast, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds random frames of every nasty kind from one seed. */
class FrameMaker {
  readonly #rand: () => number;
  constructor(seed: number) {
    this.#rand = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.#rand() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Strings with the characters that break naive code. */
  string(): string {
    const pieces = [
      "ann",
      "bob",
      "ANN",
      "\u202Eevil",
      "zero\u200Bwidth",
      "\uD800",
      "\uDFFF",
      "😀",
      "e\u0301",
      "\u0000",
      "\n",
      "<img src=x onerror=alert(1)//",
      '"',
      "\\",
      "x".repeat(this.int(3000)),
      "",
      " ",
      "ß",
      "\u2028",
    ];
    let s = "";
    for (let i = this.int(4); i >= 0; i--) s += this.pick(pieces);
    return s;
  }

  value(depth = 0): unknown {
    switch (this.int(depth > 3 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return this.#rand() < 0.5;
      case 2:
        return this.pick([
          0,
          -0,
          1e308,
          -1e308,
          2 ** 53 + 1,
          65536,
          -1,
          0.5,
          NaN,
        ]);
      case 3:
      case 4:
        return this.string();
      case 5:
        return this.int(100);
      case 6:
        return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(4); i >= 0; i--) {
          // defineProperty: a plain assignment to __proto__ would set the prototype.
          Object.defineProperty(
            o,
            this.pick(["type", "sdp", "candidate", "callId", "x", "__proto__"]),
            {
              value: this.value(depth + 1),
              enumerable: true,
              configurable: true,
              writable: true,
            },
          );
        }
        return o;
      }
    }
  }

  /** A plausible message of either dialect, before mutation. */
  template(): Record<string, unknown> {
    const callId = this.pick(["", "nope", crypto.randomUUID(), "x".repeat(65)]);
    const name = this.pick([
      "ann",
      "bob",
      "fuzz",
      "Ann",
      "nobody",
      this.string(),
    ]);
    return this.pick([
      () => ({ type: "login", name }),
      () => ({ type: "chat", text: this.string() }),
      () => ({ type: "call", to: name, audioOnly: this.#rand() < 0.5 }),
      () => ({
        type: this.pick(["accept", "decline", "cancel", "hangup"]),
        callId,
      }),
      () => ({
        type: "signal",
        callId,
        description: { type: "offer", sdp: "v=0" },
      }),
      () => ({
        type: "signal",
        callId,
        candidate: { candidate: "c", sdpMid: "0", sdpMLineIndex: 0 },
      }),
      () => ({ type: "ping" }),
      () => ({ type: "username", name, id: 1, date: Date.now() }),
      () => ({ type: "message", text: this.string(), name: "bob" }),
      () => ({
        type: "video-offer",
        target: name,
        name: "bob",
        sdp: { type: "offer", sdp: "v=0" },
      }),
      () => ({
        type: "video-answer",
        target: name,
        sdp: { type: "answer", sdp: "v=0" },
      }),
      () => ({
        type: "new-ice-candidate",
        target: name,
        candidate: { candidate: "c" },
      }),
      () => ({ type: "hang-up", target: this.pick([null, name, 5]) }),
    ])();
  }

  /** One frame: text (possibly not JSON) or binary. */
  frame(): string | Uint8Array<ArrayBuffer> {
    const roll = this.int(1000) / 10;
    if (roll < 0.3) return "[" + "1,".repeat(33_000) + "1]"; // over 64 KiB: 1009
    if (roll < 35) {
      // Valid shape with one field broken, dropped, or spoofed.
      const msg = this.template();
      const keys = Object.keys(msg);
      const key = this.pick(keys);
      switch (this.int(4)) {
        case 0:
          delete msg[key];
          break;
        case 1:
          msg[key] = this.value();
          break;
        case 2:
          msg[this.pick(["from", "name", "id", "constructor", "toString"])] =
            this.value();
          break;
      }
      return JSON.stringify(msg);
    }
    if (roll < 50) return JSON.stringify(this.template());
    if (roll < 62) {
      const text = JSON.stringify(this.template());
      return text.slice(0, this.int(text.length)); // truncated JSON
    }
    if (roll < 70) return JSON.stringify(this.value());
    if (roll < 74) {
      const n = 1 + this.int(20_000);
      return "[".repeat(n) + "]".repeat(n);
    }
    if (roll < 77) {
      const n = 1 + this.int(8_000);
      return '{"type":"chat","text":'.repeat(1) + '{"a":'.repeat(n) + "1" +
        "}".repeat(n + 1);
    }
    if (roll < 81) {
      return this.pick([
        '{"type":"call","to":1e999999}',
        '{"type":"chat","text":"\\ud800\\udfff\\ud800"}',
        '{"type":"login","name":"\\ud83d"}',
        '{"type":"signal","callId":"a","candidate":{"candidate":"c","sdpMLineIndex":123456789012345678901234567890}}',
        '{"type":"chat","text":"a","type":"signal"}',
        "",
        " ",
        "null",
        "{}",
        '{"type":null}',
        "\u0000",
        "\uFEFF{}",
      ]);
    }
    if (roll < 90) {
      // Random printable-ish garbage.
      let s = "";
      for (let i = this.int(200); i > 0; i--) {
        s += String.fromCharCode(this.int(0x3000));
      }
      return s;
    }
    return crypto.getRandomValues(new Uint8Array(this.int(2000)));
  }
}

Deno.test({
  name:
    "fuzzed frames never break the relay, a calm pair keeps talking, and memory returns to baseline",
  ignore: needsNet,
  async fn() {
    const logs: LogRecord[] = [];
    const server = await startServer({
      ratePerSecond: 1e6,
      rateBurst: 1e6,
      presenceTickMs: 10,
      logger: (r) => {
        if (r.event === "internal-error") logs.push(r);
      },
    });
    try {
      const pair = await parleyPair(server.url, "ann", "bob");
      const talk = async (round: number) => {
        pair.caller.send({ type: "chat", text: `round ${round}` });
        const chat = await pair.callee.next((f) =>
          f.type === "chat" && f.text === `round ${round}`
        );
        assert.equal(chat.from, "ann");
        pair.callee.send({
          type: "signal",
          callId: pair.callId,
          candidate: { candidate: `c${round}` },
        });
        const signal = await pair.caller.next("signal");
        assert.equal(signal.candidate.candidate, `c${round}`);
        // Drop the fuzzers' chat so the queues stay small.
        pair.caller.frames.length = 0;
        pair.callee.frames.length = 0;
      };
      await talk(-1);

      const dialects = ["parley.v1", "json"];
      const open = (i: number) => WsClient.open(server.url, dialects[i % 2]);
      /** Sends `count` fuzz frames from FUZZERS sockets, talking in between. */
      const fuzz = async (seed: number, count: number) => {
        const maker = new FrameMaker(seed);
        const fuzzers = await Promise.all(
          Array.from({ length: FUZZERS }, (_, i) => open(i)),
        );
        let sent = 0;
        let bytes = 0;
        let reopened = 0;
        const startIn = server.signaling.stats().framesIn;
        const received = () => server.signaling.stats().framesIn - startIn;
        for (let round = 0; received() < count; round++) {
          for (let i = 0; i < FUZZERS; i++) {
            if (fuzzers[i].socket.readyState !== WebSocket.OPEN) {
              await fuzzers[i].close();
              fuzzers[i] = await open(i);
              reopened++;
            }
            for (let k = 0; k < 20; k++) {
              // Frames sent after a 1009 close, before the client notices, are lost.
              if (fuzzers[i].socket.readyState !== WebSocket.OPEN) break;
              const frame = maker.frame();
              fuzzers[i].socket.send(frame);
              fuzzers[i].frames.length = 0;
              bytes += typeof frame === "string"
                ? frame.length
                : frame.byteLength;
              sent++;
            }
          }
          if (round % 10 === 0) await talk(round);
        }
        await talk(-2);
        await Promise.all(fuzzers.map((f) => f.close()));
        return { sent, received: received(), bytes, reopened };
      };

      // A first, smaller run warms up every code path (bytecode and inline
      // caches count as heap too), so the baseline is taken after it.
      await fuzz(SEED + 1, 2_000);
      const baseline = await settledHeap();
      const { sent, received, bytes, reopened } = await fuzz(SEED, FRAMES);
      assert.ok(received >= FRAMES, `${received} frames reached the relay`);
      // Bytes Deno's own WebSocket client never sends: invalid UTF-8, a lone
      // continuation frame, a reserved opcode.
      for (
        const evil of [[0x1, [0xc3, 0x28]], [0x0, [1, 2, 3]], [0x3, [
          0,
        ]]] as const
      ) {
        const raw = await RawClient.open(server.port);
        await raw.conn.write(maskFrame(evil[0], new Uint8Array(evil[1])));
        await raw.done;
        await raw.close();
      }
      await talk(1e6);
      await new Promise((r) => setTimeout(r, 100));

      assert.deepEqual(logs, [], "no handler threw");
      const stats = server.signaling.stats();
      assert.equal(stats.connections, 2, "only the calm pair is left");
      assert.equal(stats.users, 2);
      assert.equal(stats.calls, 1);
      assert.ok(
        Object.keys(stats.errors).length >= 5,
        JSON.stringify(stats.errors),
      );

      const after = await settledHeap();
      const growth = after - baseline;
      console.log(
        `fuzz: ${sent} frames sent, ${received} received (${
          (bytes / 1e6).toFixed(1)
        } MB) from ${FUZZERS} sockets, ${reopened} reconnects; ` +
          `errors ${JSON.stringify(stats.errors)}; heap ${mb(baseline)} → ${
            mb(after)
          } MB`,
      );
      // Keeping ~100 bytes per frame, or a tenth of a percent of the bytes,
      // would show above this.
      assert.ok(growth < 1e6, `heap grew ${mb(growth)} MB`);
      await pair.caller.close();
      await pair.callee.close();
    } finally {
      await server.close();
    }
  },
});

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}

/** A real full GC: V8's flag set at runtime, the function taken from a fresh context. */
function fullGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc");
}

/** Heap in use after pending socket work has run and garbage is collected. */
async function settledHeap(): Promise<number> {
  const gc = fullGc();
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 30));
    gc();
  }
  return Deno.memoryUsage().heapUsed;
}
