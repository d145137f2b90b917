/**
 * What the server was sent, read off the wire: a {@link CutProxy} between
 * the browsers and the app whose uplink tap decodes the WebSocket frames
 * each client sends (RFC 6455 §5: header, 7/16/64-bit length, the 4-byte
 * mask, fragmented messages, frames split across or packed into TCP
 * chunks) and keeps every message, so a test can say that no frame the
 * server received held a given text. Plain HTTP requests on the same
 * connections (page, scripts, the upgrade request itself) are kept as text
 * too, since a text could leave that way as well.
 *
 * It reads only; the bytes reach the server unchanged. A compressed frame
 * (RSV1, permessage-deflate) cannot be searched and is recorded as a
 * problem instead, so that such a test fails rather than passing blind.
 */
import { CutProxy, type UplinkTap } from "./resilience_proxy.ts";

/** One complete message (or control frame) a client sent. */
export interface DecodedMessage {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** The unmasked payload, fragments joined. */
  payload: Uint8Array;
  /** How many frames carried it. */
  frames: number;
}

const HEAD_END = new Uint8Array([13, 10, 13, 10]);
/** A request head longer than this is not one a browser sends us. */
const MAX_HEAD = 64 * 1024;

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Decodes one connection's client → server bytes: HTTP requests until one
 * upgrades to a WebSocket, then masked frames. Feed it chunks as they come
 * with {@link push}; whole messages go to `onMessage`, request texts to
 * `onRequest`, and anything that breaks the protocol to `problems`.
 */
export class UplinkDecoder {
  /** What was read but does not yet make a whole head or frame. */
  #pending: Uint8Array = new Uint8Array(0);
  #webSocket = false;
  /** Body bytes of a plain request still to come. */
  #body = 0;
  #request = "";
  #fragments: { opcode: number; parts: Uint8Array[]; frames: number } | null =
    null;
  /** Protocol breaches and frames that could not be read (compressed). */
  readonly problems: string[] = [];
  /** Frames read so far, control frames included. */
  frames = 0;

  constructor(
    readonly onMessage: (message: DecodedMessage) => void,
    readonly onRequest: (text: string) => void = () => {},
  ) {}

  /** Whether the connection has upgraded to a WebSocket. */
  get webSocket(): boolean {
    return this.#webSocket;
  }

  /** Takes the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    this.#pending = concat(this.#pending, chunk);
    while (this.#pending.length > 0) {
      const used = this.#webSocket ? this.#frame() : this.#http();
      if (used === 0) return;
      this.#pending = this.#pending.subarray(used);
    }
  }

  /** Reads a request head or body bytes; returns the bytes used (0: wait). */
  #http(): number {
    const data = this.#pending;
    if (this.#body > 0) {
      const n = Math.min(this.#body, data.length);
      this.#request += new TextDecoder().decode(data.subarray(0, n));
      this.#body -= n;
      if (this.#body === 0) this.onRequest(this.#request);
      return n;
    }
    const end = indexOf(data, HEAD_END);
    if (end < 0) {
      if (data.length > MAX_HEAD) {
        this.problems.push("an HTTP request head that never ends");
        return data.length;
      }
      return 0;
    }
    const head = new TextDecoder().decode(data.subarray(0, end));
    const length = /^content-length:\s*(\d+)\s*$/im.exec(head);
    if (/^transfer-encoding:\s*chunked/im.test(head)) {
      this.problems.push("a chunked request body (not decoded)");
    }
    this.#request = `${head}\r\n\r\n`;
    this.#body = length ? Number(length[1]) : 0;
    if (this.#body === 0) this.onRequest(this.#request);
    // The client sends no frame before the 101, so frames follow the head.
    if (/^upgrade:\s*websocket\s*$/im.test(head)) this.#webSocket = true;
    return end + HEAD_END.length;
  }

  /** Reads one whole frame; returns the bytes used (0: wait for more). */
  #frame(): number {
    const data = this.#pending;
    if (data.length < 2) return 0;
    const fin = (data[0] & 0x80) !== 0;
    const rsv = data[0] & 0x70;
    const opcode = data[0] & 0x0f;
    const masked = (data[1] & 0x80) !== 0;
    let length = data[1] & 0x7f;
    let at = 2;
    if (length === 126) {
      if (data.length < at + 2) return 0;
      length = (data[at] << 8) | data[at + 1];
      at += 2;
    } else if (length === 127) {
      if (data.length < at + 8) return 0;
      const view = new DataView(data.buffer, data.byteOffset + at, 8);
      const big = view.getBigUint64(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.problems.push(`a frame of ${big} bytes`);
        return data.length;
      }
      length = Number(big);
      at += 8;
    }
    const key = masked ? data.subarray(at, at + 4) : null;
    if (masked) at += 4;
    if (data.length < at + length) return 0;
    const payload = data.slice(at, at + length);
    if (key) {
      for (let i = 0; i < payload.length; i++) {
        payload[i] ^= key[i & 3];
      }
    }
    this.frames++;
    if (!masked) this.problems.push("an unmasked frame from a client");
    if (rsv & 0x40) {
      this.problems.push("a compressed frame (permessage-deflate)");
    }
    this.#assemble(fin, opcode, payload);
    return at + length;
  }

  #assemble(fin: boolean, opcode: number, payload: Uint8Array): void {
    if (opcode >= 8) {
      // Control frames may come between a message's fragments.
      this.onMessage({ opcode, payload, frames: 1 });
      return;
    }
    if (opcode !== 0) {
      if (this.#fragments) {
        this.problems.push("a new message inside a fragmented one");
      }
      this.#fragments = { opcode, parts: [], frames: 0 };
    } else if (!this.#fragments) {
      this.problems.push("a continuation frame with no message to continue");
      return;
    }
    const message = this.#fragments;
    message.parts.push(payload);
    message.frames++;
    if (!fin) return;
    this.#fragments = null;
    const whole = new Uint8Array(
      message.parts.reduce((n, p) => n + p.length, 0),
    );
    let offset = 0;
    for (const part of message.parts) {
      whole.set(part, offset);
      offset += part.length;
    }
    this.onMessage({
      opcode: message.opcode,
      payload: whole,
      frames: message.frames,
    });
  }
}

/** A message the tap saw, with the connection it came on. */
export interface TappedMessage extends DecodedMessage {
  connection: number;
  /** The payload as UTF-8 (binary payloads too, for searching). */
  text: string;
}

/** See the module doc. */
export class FrameTap implements UplinkTap {
  /** Every message clients sent, in the order each connection sent them. */
  readonly messages: TappedMessage[] = [];
  /** Every plain HTTP request, head and body, as text. */
  readonly requests: string[] = [];
  readonly #decoders = new Map<number, UplinkDecoder>();
  readonly #proxy: CutProxy;

  private constructor(targetPort: number) {
    this.#proxy = CutProxy.start(targetPort, Infinity, this);
  }

  /** Listens on a free loopback port and forwards to `targetPort`. */
  static start(targetPort: number): FrameTap {
    return new FrameTap(targetPort);
  }

  /** `http://127.0.0.1:<port>`: open pages here instead of at the app. */
  get url(): string {
    return this.#proxy.url;
  }

  /** Connections that upgraded to a WebSocket. */
  get webSockets(): number {
    return [...this.#decoders.values()].filter((d) => d.webSocket).length;
  }

  /** Anything that kept a frame from being read, over all connections. */
  get problems(): string[] {
    return [...this.#decoders.values()].flatMap((d) => d.problems);
  }

  /** Texts of the messages and requests that contain `needle`. */
  containing(needle: string): string[] {
    return [
      ...this.messages.map((m) => m.text),
      ...this.requests,
    ].filter((text) => text.includes(needle));
  }

  /** Part of {@link UplinkTap}. */
  open(connection: number): void {
    this.#decoders.set(
      connection,
      new UplinkDecoder(
        (message) =>
          this.messages.push({
            ...message,
            connection,
            text: new TextDecoder().decode(message.payload),
          }),
        (request) => this.requests.push(request),
      ),
    );
  }

  /** Part of {@link UplinkTap}. */
  chunk(connection: number, bytes: Uint8Array): void {
    this.#decoders.get(connection)?.push(bytes);
  }

  /** Stops listening and closes every connection. */
  close(): void {
    this.#proxy.close();
  }
}
