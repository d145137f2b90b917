import { Buffer } from "node:buffer";
/**
 * The WebSocket frames the calls generator's client and the tests' raw
 * client speak through (`bench/ws_frames.ts`).
 */
import assert from "node:assert/strict";
import {
  closeCode,
  encodeFrame,
  type Frame,
  FrameReader,
  OPCODE,
  ZERO_MASK,
} from "../../bench/ws_frames.ts";

const KEY = new Uint8Array([0x12, 0x34, 0x56, 0x78]);

/** `n` bytes that differ from their neighbours, so a shifted byte shows. */
function bytes(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
}

/** Every frame the reader can give now. */
function drain(reader: FrameReader): Frame[] {
  const out: Frame[] = [];
  for (let f = reader.next(); f; f = reader.next()) out.push(f);
  return out;
}

/** Reads `frame` back whole. */
function readOne(frame: Uint8Array): Frame {
  const reader = new FrameReader();
  reader.push(frame);
  const frames = drain(reader);
  assert.equal(frames.length, 1);
  return frames[0];
}

Deno.test("a frame read back has the opcode, fin and payload it was encoded with, masked or not", () => {
  const text = new TextEncoder().encode("héllo");
  const cases: [number, Uint8Array, boolean][] = [
    [OPCODE.TEXT, text, true],
    [OPCODE.BINARY, bytes(300), false],
    [OPCODE.CLOSE, new Uint8Array([0x03, 0xe8]), true],
    [OPCODE.PING, new Uint8Array(0), true],
    [OPCODE.CONTINUATION, text, false],
  ];
  for (const [opcode, payload, fin] of cases) {
    for (const mask of [undefined, KEY, ZERO_MASK]) {
      const frame = readOne(encodeFrame(opcode, payload, { mask, fin }));
      assert.equal(frame.opcode, opcode);
      assert.equal(frame.fin, fin);
      assert.deepEqual(frame.payload, payload);
    }
  }
});

Deno.test("a masked frame carries the mask bit, its key after the length and the payload XORed with the key", () => {
  const frame = encodeFrame(OPCODE.TEXT, new TextEncoder().encode("Hi!"), {
    mask: KEY,
  });
  assert.deepEqual(
    frame,
    new Uint8Array([
      0x81,
      0x80 | 3,
      ...KEY,
      0x48 ^ 0x12,
      0x69 ^ 0x34,
      0x21 ^ 0x56,
    ]),
  );
});

Deno.test("an unmasked frame has no mask bit and no key, and a zero key leaves the payload as it is", () => {
  const payload = new TextEncoder().encode("Hi");
  assert.deepEqual(
    encodeFrame(OPCODE.TEXT, payload),
    new Uint8Array([0x81, 2, 0x48, 0x69]),
  );
  assert.deepEqual(
    encodeFrame(OPCODE.TEXT, payload, { mask: ZERO_MASK }),
    new Uint8Array([0x81, 0x80 | 2, 0, 0, 0, 0, 0x48, 0x69]),
  );
});

Deno.test("a frame that is not the last of its message has FIN clear", () => {
  assert.equal(encodeFrame(OPCODE.TEXT, bytes(1), { fin: false })[0], 0x01);
  assert.equal(encodeFrame(OPCODE.TEXT, bytes(1))[0], 0x81);
});

Deno.test("payloads up to 125 bytes take the 7-bit length, up to 65,535 the 16-bit one, longer the 64-bit one", () => {
  const cases: [number, number, number[]][] = [
    [125, 125, []],
    [126, 126, [0, 126]],
    [65_535, 126, [0xff, 0xff]],
    [65_536, 127, [0, 0, 0, 0, 0, 1, 0, 0]],
    [70_000, 127, [0, 0, 0, 0, 0, 1, 0x11, 0x70]],
  ];
  for (const [n, marker, extended] of cases) {
    for (const mask of [undefined, KEY]) {
      const payload = bytes(n);
      const frame = encodeFrame(OPCODE.BINARY, payload, { mask });
      assert.equal(frame[1] & 0x7f, marker, `${n} bytes`);
      assert.deepEqual(
        [...frame.subarray(2, 2 + extended.length)],
        extended,
        `${n} bytes`,
      );
      const head = 2 + extended.length + (mask ? 4 : 0);
      assert.equal(frame.length, head + n);
      assert.deepEqual(readOne(frame).payload, payload, `${n} bytes`);
    }
  }
});

Deno.test("a stream split at any byte gives the same frames, each once its last byte is in", () => {
  const sent: [number, Uint8Array, boolean, Uint8Array | undefined][] = [
    [OPCODE.TEXT, new TextEncoder().encode("hello"), true, undefined],
    [OPCODE.TEXT, bytes(200), false, KEY],
    [OPCODE.CONTINUATION, bytes(3), true, KEY],
    [OPCODE.BINARY, bytes(126), true, undefined],
    [OPCODE.PING, new Uint8Array(0), true, ZERO_MASK],
    [OPCODE.CLOSE, new Uint8Array([0x03, 0xe8]), true, undefined],
  ];
  const frames = sent.map(([opcode, payload, fin, mask]) =>
    encodeFrame(opcode, payload, { fin, mask })
  );
  const stream = Buffer.concat(frames);
  /** Where each frame ends in the stream. */
  const ends = frames.map((_, i) =>
    Buffer.concat(frames.slice(0, i + 1)).length
  );
  const expected = sent.map(([opcode, payload, fin]) => ({
    fin,
    opcode,
    payload,
  }));
  for (let split = 0; split <= stream.length; split++) {
    const reader = new FrameReader();
    reader.push(stream.subarray(0, split));
    const before = drain(reader);
    assert.equal(
      before.length,
      ends.filter((end) => end <= split).length,
      `split at ${split}`,
    );
    reader.push(stream.subarray(split));
    assert.deepEqual(
      [...before, ...drain(reader)],
      expected,
      `split at ${split}`,
    );
    assert.equal(reader.next(), null);
  }
  const reader = new FrameReader();
  const got: Frame[] = [];
  for (let i = 0; i < stream.length; i++) {
    reader.push(stream.subarray(i, i + 1));
    got.push(...drain(reader));
  }
  assert.deepEqual(got, expected);
});

Deno.test("payloads read earlier stay intact when the caller reuses its buffer and more bytes arrive", () => {
  const reader = new FrameReader();
  const chunk = encodeFrame(OPCODE.TEXT, new TextEncoder().encode("first"));
  reader.push(chunk);
  const first = reader.next()!;
  chunk.fill(0);
  reader.push(encodeFrame(OPCODE.TEXT, new TextEncoder().encode("second")));
  const second = reader.next()!;
  assert.equal(new TextDecoder().decode(first.payload), "first");
  assert.equal(new TextDecoder().decode(second.payload), "second");
});

Deno.test("a close frame's code is its first two bytes, 1005 when it has none", () => {
  assert.equal(closeCode(new Uint8Array([0x03, 0xe8])), 1000);
  assert.equal(closeCode(new Uint8Array([0x0f, 0xa0, 0x41])), 4000);
  assert.equal(closeCode(new Uint8Array(0)), 1005);
});
