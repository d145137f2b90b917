/**
 * WebSocket frames (RFC 6455, section 5.2) for hand-made clients: encoding
 * one frame, and reading whole frames out of a byte stream that arrives in
 * pieces. `bench_socket.ts` (the calls generator's client) and the tests'
 * `RawClient` (`tests/signaling/ws_helpers.ts`) both speak through it.
 *
 * It lives with the benchmarks because the load generator is the user that
 * cannot afford waste (no XOR for a zero mask key, payloads handed out as
 * views instead of copies) and the benchmarks must not depend on the test
 * tree; the tests import it from here as they import the benches' other
 * modules.
 */

/** The opcodes of RFC 6455. */
export const OPCODE = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/**
 * The mask key `bench_socket.ts` sends: valid (the server unmasks every
 * client frame the same way whatever the key), and XOR with it changes
 * nothing, so encoding skips the XOR.
 */
export const ZERO_MASK: Uint8Array = new Uint8Array(4);

/** How to encode a frame. */
export interface EncodeOptions {
  /** A 4-byte key to mask the payload with, as clients must; unmasked (a server's frame) without. */
  mask?: Uint8Array;
  /** Whether this frame ends its message (default true). */
  fin?: boolean;
}

/** One frame as read: the payload is unmasked. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** One frame of `opcode` carrying `payload`, with the shortest length field that fits. */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  { mask, fin = true }: EncodeOptions = {},
): Uint8Array {
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = 2 + lengthBytes + (mask ? 4 : 0);
  const out = new Uint8Array(head + n);
  out[0] = (fin ? 0x80 : 0) | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 0) {
    out[1] = maskBit | n;
  } else if (lengthBytes === 2) {
    out[1] = maskBit | 126;
    out[2] = n >> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = maskBit | 127;
    new DataView(out.buffer).setBigUint64(2, BigInt(n));
  }
  out.set(payload, head);
  if (mask) {
    out.set(mask, head - 4);
    if (mask.some((byte) => byte !== 0)) {
      for (let i = 0; i < n; i++) out[head + i] ^= mask[i & 3];
    }
  }
  return out;
}

/**
 * The whole frames of a byte stream fed to it in chunks of any size. The
 * payloads of unmasked frames are views into what it holds, and stay valid:
 * it never writes into bytes it has handed out.
 */
export class FrameReader {
  #bytes: Uint8Array = new Uint8Array(0);
  #at = 0;

  /** Adds the next bytes of the stream (copied: the caller may reuse `chunk`). */
  push(chunk: Uint8Array): void {
    const rest = this.#bytes.subarray(this.#at);
    const joined = new Uint8Array(rest.length + chunk.length);
    joined.set(rest);
    joined.set(chunk, rest.length);
    this.#bytes = joined;
    this.#at = 0;
  }

  /** The next whole frame, or null until more bytes are pushed. */
  next(): Frame | null {
    const bytes = this.#bytes;
    const at = this.#at;
    if (bytes.length - at < 2) return null;
    const masked = (bytes[at + 1] & 0x80) !== 0;
    let length = bytes[at + 1] & 0x7f;
    let head = 2;
    if (length === 126) {
      if (bytes.length - at < 4) return null;
      length = (bytes[at + 2] << 8) | bytes[at + 3];
      head = 4;
    } else if (length === 127) {
      if (bytes.length - at < 10) return null;
      length = Number(
        new DataView(bytes.buffer, bytes.byteOffset + at + 2, 8)
          .getBigUint64(0),
      );
      head = 10;
    }
    const keyAt = at + head;
    if (masked) head += 4;
    if (bytes.length - at < head + length) return null;
    let payload = bytes.subarray(at + head, at + head + length);
    if (masked) {
      payload = payload.slice();
      for (let i = 0; i < length; i++) payload[i] ^= bytes[keyAt + (i & 3)];
    }
    this.#at = at + head + length;
    return {
      fin: (bytes[at] & 0x80) !== 0,
      opcode: bytes[at] & 0x0f,
      payload,
    };
  }
}

/** The status code of a close frame's payload; 1005 (none received) when it has none. */
export function closeCode(payload: Uint8Array): number {
  return payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
}
