/**
 * The frame tap's decoder on frames built by hand (RFC 6455 §5.2), and the
 * tap itself between a real WebSocket client and server.
 */
import assert from "node:assert/strict";
import {
  canReadFrames,
  type DecodedMessage,
  FrameTap,
  UplinkDecoder,
} from "./frame_tap.ts";

/** `ws`, which reads the frames, needs env access to load. */
const ignore = !canReadFrames;

const UPGRADE = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n\r\n";

/** One client frame: masked with `key`, the length in the shortest form. */
function frame(
  payload: Uint8Array,
  { opcode = 1, fin = true, key = [0x37, 0xfa, 0x21, 0x3d] } = {},
): Uint8Array {
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + lengthBytes + 4 + n);
  out[0] = (fin ? 0x80 : 0) | opcode;
  const view = new DataView(out.buffer);
  if (lengthBytes === 0) out[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    out[1] = 0x80 | 126;
    view.setUint16(2, n);
  } else {
    out[1] = 0x80 | 127;
    view.setBigUint64(2, BigInt(n));
  }
  const at = 2 + lengthBytes;
  out.set(key, at);
  for (let i = 0; i < n; i++) out[at + 4 + i] = payload[i] ^ key[i % 4];
  return out;
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A text of `n` bytes that differs along its length. */
function textOf(n: number): string {
  let s = "";
  for (let i = 0; s.length < n; i++) s += `${i % 10}`;
  return s;
}

function decoder() {
  const messages: DecodedMessage[] = [];
  const requests: string[] = [];
  const d = new UplinkDecoder(
    (m) => messages.push(m),
    (r) => requests.push(r),
  );
  const texts = () => messages.map((m) => new TextDecoder().decode(m.payload));
  return { d, messages, requests, texts };
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test(
  "frames of 5, 200 and 70000 bytes are unmasked whole (7, 16 and 64-bit lengths)",
  { ignore },
  () => {
    for (const size of [5, 200, 70000]) {
      const { d, texts, requests, messages } = decoder();
      const payload = textOf(size);
      d.push(join(text(UPGRADE), frame(text(payload))));
      assert.deepEqual(texts(), [payload], `${size} bytes`);
      assert.equal(messages[0].opcode, 1);
      assert.equal(requests.length, 1);
      assert.ok(requests[0].startsWith("GET /ws HTTP/1.1"));
      assert.deepEqual(d.problems, []);
    }
  },
);

Deno.test(
  "a frame split across chunks, down to one byte each, is read once it is whole",
  { ignore },
  () => {
    const { d, texts } = decoder();
    const bytes = join(text(UPGRADE), frame(text("door code 4711")));
    for (let i = 0; i < bytes.length; i++) {
      d.push(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) assert.deepEqual(texts(), []);
    }
    assert.deepEqual(texts(), ["door code 4711"]);
    const big = decoder();
    const long = textOf(70000);
    const all = join(text(UPGRADE), frame(text(long)));
    // Splits inside the 64-bit length, the mask and the payload.
    for (
      const [from, to] of [
        [0, UPGRADE.length + 5],
        [UPGRADE.length + 5, UPGRADE.length + 12],
        [UPGRADE.length + 12, 40000],
        [40000, all.length],
      ]
    ) {
      big.d.push(all.subarray(from, to));
    }
    assert.deepEqual(big.texts(), [long]);
  },
);

Deno.test(
  "two frames in one chunk, and the upgrade request in the same chunk, are all read",
  { ignore },
  () => {
    const { d, texts } = decoder();
    d.push(
      join(
        text(UPGRADE),
        frame(text("one")),
        frame(text("two"), { key: [1, 2, 3, 4] }),
      ),
    );
    assert.deepEqual(texts(), ["one", "two"]);
  },
);

Deno.test(
  "a fragmented message is joined, with a ping between its fragments kept apart",
  { ignore },
  async () => {
    const { d, texts, messages } = decoder();
    d.push(text(UPGRADE));
    d.push(join(
      frame(text("door "), { fin: false }),
      frame(text("ping!"), { opcode: 9 }),
      frame(text("code "), { opcode: 0, fin: false }),
    ));
    assert.deepEqual(texts(), ["ping!"]);
    d.push(frame(text("4711"), { opcode: 0 }));
    assert.deepEqual(texts(), ["ping!", "door code 4711"]);
    assert.deepEqual(messages.map((m) => m.opcode), [9, 1]);
    await d.read();
    assert.deepEqual(d.problems, []);
  },
);

Deno.test(
  "a close frame is kept as its reason alone, and nothing after it is read",
  { ignore },
  async () => {
    const { d, texts, messages } = decoder();
    const close = join(new Uint8Array([0x03, 0xe8]), text("door code 4711"));
    d.push(join(
      text(UPGRADE),
      frame(close, { opcode: 8 }),
      frame(text("after")),
    ));
    await d.read();
    assert.deepEqual(messages.map((m) => m.opcode), [8]);
    assert.deepEqual(texts(), ["door code 4711"]);
    assert.deepEqual(d.problems, []);
  },
);

Deno.test(
  "plain HTTP requests before the upgrade are kept as text and never read as frames",
  { ignore },
  () => {
    const { d, texts, requests } = decoder();
    d.push(text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    d.push(text("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel"));
    d.push(text("lo"));
    d.push(join(text(UPGRADE), frame(text("hi"))));
    assert.equal(d.webSocket, true);
    assert.deepEqual(texts(), ["hi"]);
    assert.equal(requests.length, 3);
    assert.equal(
      requests[1],
      "POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    );
  },
);

Deno.test("a compressed or unmasked frame is reported, not silently searched", {
  ignore,
}, async () => {
  const compressed = frame(text("xx"));
  compressed[0] |= 0x40;
  const unmasked = new Uint8Array([0x81, 2, 104, 105]);
  for (
    const [bytes, problem] of [
      [compressed, "a compressed frame (permessage-deflate)"],
      [unmasked, "an unmasked frame from a client"],
    ] as const
  ) {
    const { d, texts } = decoder();
    d.push(join(text(UPGRADE), bytes, frame(text("after"))));
    await d.read();
    assert.deepEqual(d.problems, [problem]);
    // The connection is not read past the breach, as a server would close it.
    assert.deepEqual(texts(), []);
  }
});

Deno.test({
  name:
    "the tap passes a real WebSocket through and records what the client sent",
  ignore: ignore ||
    Deno.permissions.querySync({ name: "net" }).state !== "granted",
  async fn() {
    const echoed: string[] = [];
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => {
        const { socket, response } = Deno.upgradeWebSocket(req);
        socket.onmessage = (ev) => {
          echoed.push(String(ev.data));
          socket.send(`echo ${ev.data}`);
        };
        return response;
      },
    );
    const tap = FrameTap.start(server.addr.port);
    try {
      const ws = new WebSocket(`${tap.url.replace("http", "ws")}/ws`);
      const replies: string[] = [];
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const big = textOf(70000);
      const done = new Promise<void>((resolve) => {
        ws.onmessage = (ev) => {
          replies.push(String(ev.data));
          if (replies.length === 2) resolve();
        };
      });
      ws.send("door code 4711");
      ws.send(big);
      await done;
      ws.close();
      await tap.read();
      assert.deepEqual(echoed, ["door code 4711", big]);
      assert.equal(tap.webSockets, 1);
      assert.deepEqual(tap.containing("door code"), ["door code 4711"]);
      assert.deepEqual(tap.containing("not sent"), []);
      assert.equal(tap.messages.filter((m) => m.opcode === 1).length, 2);
      assert.deepEqual(tap.problems, []);
    } finally {
      tap.close();
      await server.shutdown();
    }
  },
});
