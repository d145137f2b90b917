/**
 * A lean WebSocket client for load generators: text frames only, over a
 * `Deno.connect` socket with TCP_NODELAY, as browsers set it.
 *
 * Why not Deno's `WebSocket`: it leaves Nagle's algorithm on, so a burst of
 * small frames on a fresh connection (an offer and its candidates) waits
 * for the server's delayed ACK, a fixed delay in every call whatever the
 * server (bench/README.md has the numbers). Why not `npm:ws`'s client: it
 * sets TCP_NODELAY, but through Deno's Node layer it costs the generator
 * more CPU per call than the server it loads spends, and on a shared
 * machine that CPU is taken from the server under test.
 *
 * Frames go out with a zero mask key (valid: the server unmasks every
 * client frame the same way whatever the key, so its cost is unchanged),
 * which spares the generator the XOR. Frames sent while a write is under
 * way are written together once it finishes, as a browser's socket queues
 * them. The opening handshake's `Sec-WebSocket-Accept` is not checked: the
 * servers are our own, on loopback.
 */

import { Buffer } from "node:buffer";
import {
  closeCode,
  encodeFrame,
  FrameReader,
  OPCODE,
  ZERO_MASK,
} from "./ws_frames.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A client WebSocket with the `on…` handlers a load generator needs. */
export class BenchSocket {
  onopen: (() => void) | null = null;
  onmessage: ((text: string) => void) | null = null;
  /** The close code the server sent (1005 if none, 1006 if the TCP connection just ended). */
  onclose: ((code: number) => void) | null = null;
  onerror: ((error: Error) => void) | null = null;
  #conn: Deno.TcpConn | null = null;
  #queue: Uint8Array[] = [];
  #writing = false;
  #closing = false;
  #ended = false;
  /** Fragments of a text message split over continuation frames. */
  #fragments: Uint8Array[] = [];

  /** Connects to `url` (`ws://host:port/path?query`), offering `protocol` if given. */
  constructor(url: string, protocol?: string) {
    this.#run(new URL(url), protocol).catch((error) =>
      this.#end(1006, error instanceof Error ? error : new Error(String(error)))
    );
  }

  /** Queues a text frame; nothing happens once closing. */
  send(text: string): void {
    if (this.#closing || !this.#conn) return;
    this.#write(frame(OPCODE.TEXT, encoder.encode(text)));
  }

  /** Sends a close frame with `code`; the TCP connection ends when the server answers. */
  close(code = 1000): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    if (!this.#conn) return this.#end(1006);
    this.#write(
      frame(OPCODE.CLOSE, new Uint8Array([code >> 8, code & 0xff])),
    );
  }

  async #run(url: URL, protocol?: string): Promise<void> {
    const conn = await Deno.connect({
      hostname: url.hostname,
      port: Number(url.port),
    });
    conn.setNoDelay(true);
    this.#conn = conn;
    if (this.#closing) return this.#end(1006);
    const key = btoa(
      String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))),
    );
    await writeAll(
      conn,
      encoder.encode(
        `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") +
          "\r\n",
      ),
    );
    let head: Uint8Array = new Uint8Array(0);
    const chunk = new Uint8Array(64 * 1024);
    const frames = new FrameReader();
    let opened = false;
    for (;;) {
      const n = await conn.read(chunk);
      if (n === null) return this.#end(1006);
      if (opened) {
        frames.push(chunk.subarray(0, n));
      } else {
        head = concat(head, chunk.subarray(0, n));
        const end = headEnd(head);
        if (end < 0) continue;
        const status = decoder.decode(head.subarray(0, end));
        if (!status.startsWith("HTTP/1.1 101")) {
          return this.#end(
            1006,
            new Error(`upgrade refused: ${status.split("\r\n")[0]}`),
          );
        }
        opened = true;
        frames.push(head.subarray(end + 4));
        this.onopen?.();
      }
      this.#frames(frames);
      if (this.#ended) return;
    }
  }

  /** Handles every whole frame `frames` holds, up to a close. */
  #frames(frames: FrameReader): void {
    for (let f = frames.next(); f; f = frames.next()) {
      const { fin, opcode, payload } = f;
      if (opcode === OPCODE.CLOSE) {
        if (!this.#closing) {
          this.#closing = true;
          this.#write(frame(OPCODE.CLOSE, payload.slice(0, 2)));
        }
        this.#end(closeCode(payload));
        return;
      }
      if (opcode === OPCODE.PING) {
        this.#write(frame(OPCODE.PONG, payload));
        continue;
      }
      if (opcode === OPCODE.TEXT || opcode === OPCODE.CONTINUATION) {
        if (!fin) {
          this.#fragments.push(payload);
          continue;
        }
        const whole = this.#fragments.length
          ? concat(...this.#fragments.splice(0), payload)
          : payload;
        if (!this.#closing) this.onmessage?.(decoder.decode(whole));
      }
    }
  }

  #write(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    if (!this.#writing) void this.#flush();
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length && this.#conn) {
        const batch = this.#queue.length === 1
          ? this.#queue[0]
          : concat(...this.#queue);
        this.#queue = [];
        await writeAll(this.#conn, batch);
      }
    } catch (error) {
      this.#end(1006, error instanceof Error ? error : undefined);
    } finally {
      this.#writing = false;
    }
  }

  /** Ends once: closes the TCP connection after the queued frames are out. */
  #end(code: number, error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closing = true;
    const conn = this.#conn;
    const closeConn = async () => {
      while (this.#writing) await new Promise((r) => setTimeout(r, 1));
      try {
        conn?.close();
      } catch { /* already closed */ }
    };
    void closeConn();
    if (error) this.onerror?.(error);
    this.onclose?.(code);
  }
}

/** A client frame: FIN, `opcode`, masked with a zero key. */
function frame(opcode: number, payload: Uint8Array): Uint8Array {
  return encodeFrame(opcode, payload, { mask: ZERO_MASK });
}

/** Where the HTTP head ends (`\r\n\r\n`), or -1. */
function headEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (
      bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 &&
      bytes[i + 3] === 10
    ) return i;
  }
  return -1;
}

/** The parts as one array: the part itself when there is one. */
function concat(...parts: Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at));
  }
}
