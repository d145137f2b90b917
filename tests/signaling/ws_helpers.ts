/**
 * Real-socket helpers: a signaling server on 127.0.0.1:0 and a client that
 * queues parsed frames so tests can await the next one of a kind.
 */

import {
  closeCode,
  encodeFrame,
  FrameReader,
  OPCODE,
} from "../../bench/ws_frames.ts";
import { serveNode } from "../../framework/node_serve.ts";
import {
  createSignaling,
  quietLogger,
  type Signaling,
  type SignalingConfig,
  type SignalingDeps,
} from "../../signaling/mod.ts";

// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

/** A running test server. */
export interface TestServer {
  /** `ws://127.0.0.1:<port>/ws` */
  url: string;
  port: number;
  signaling: Signaling;
  /** Shuts signaling down, then the HTTP server. */
  close(): Promise<void>;
}

/** Relay settings to override, and parts to run on (silent logs by default). */
export type ServerOptions = Partial<SignalingConfig> & SignalingDeps;

/**
 * Serves `createSignaling` with `options` (quiet by default) on `port`: a free one
 * by default, or a given one to stand in for a restarted server. The server
 * is the production one (`framework/node_serve.ts`): upgrades go to the
 * relay, any other request gets the relay's 426.
 */
export async function startServer(
  options: ServerOptions = {},
  port = 0,
): Promise<TestServer> {
  const { logger = quietLogger, clock, broker, ...settings } = options;
  const signaling = createSignaling(settings, { logger, clock, broker });
  const server = await serveNode(() => signaling.notWebSocket(), {
    hostname: "127.0.0.1",
    port,
    headersTimeoutMs: 10_000,
    onUpgrade: (req, socket, head) => signaling.upgrade(req, socket, head),
  });
  const { port: actual } = server.addr;
  return {
    url: `ws://127.0.0.1:${actual}/ws`,
    port: actual,
    signaling,
    async close() {
      await signaling.shutdown();
      await server.shutdown();
    },
  };
}

/**
 * Sends a WebSocket handshake over plain TCP and reads the answer, for
 * refusals a WebSocket client reports without their status and body.
 */
export async function rawHandshake(
  port: number,
  path = "/ws",
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(handshakeRequest(port, path, headers));
    let text = "";
    const buf = new Uint8Array(4096);
    const decoder = new TextDecoder();
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
      const head = text.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (
        head >= 0 && length !== undefined &&
        new TextEncoder().encode(text.slice(head + 4)).length >= Number(length)
      ) break;
      if (head >= 0 && text.startsWith("HTTP/1.1 101")) break;
    }
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    conn.close();
  }
}

/** A WebSocket client with an awaitable queue of parsed frames. */
export class WsClient {
  readonly frames: Frame[] = [];
  readonly closed: Promise<CloseEvent>;
  #waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (e) => {
        resolve(e);
        this.#wake();
      });
    });
    socket.addEventListener("message", (e) => {
      this.frames.push(
        typeof e.data === "string" ? JSON.parse(e.data) : { binary: true },
      );
      this.#wake();
    });
  }

  /** Opens a socket and waits until it is open (or fails). */
  static async open(
    url: string,
    protocols?: string | string[],
    headers?: Record<string, string>,
  ): Promise<WsClient> {
    const socket = headers
      // Deno's WebSocket takes extra headers (e.g. Origin) in an options bag.
      ? new WebSocket(url, {
        protocols: typeof protocols === "string" ? [protocols] : protocols,
        headers,
      } as unknown as string[])
      : new WebSocket(url, protocols);
    const client = new WsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener(
        "error",
        (e) => reject(new Error((e as ErrorEvent).message ?? "socket error")),
        { once: true },
      );
    });
    return client;
  }

  /** Sends an object as JSON, or a string/binary frame as is. */
  send(message: unknown): void {
    this.socket.send(
      typeof message === "string" || message instanceof Uint8Array
        ? message as string
        : JSON.stringify(message),
    );
  }

  /**
   * Removes and returns the first queued frame matching `match` (by type
   * when a string), waiting up to `ms` for it.
   */
  async next(
    match: string | ((f: Frame) => boolean) = () => true,
    ms = 3000,
  ): Promise<Frame> {
    const test = typeof match === "string"
      ? (f: Frame) => f.type === match
      : match;
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex(test);
      if (i >= 0) return this.frames.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.socket.readyState === WebSocket.CLOSED) {
        throw new Error(
          `no ${typeof match === "string" ? match : "matching"} frame; have ${
            JSON.stringify(this.frames).slice(0, 500)
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Closes (if needed) and waits for the close event. The default 1000 is a
   * goodbye, as Parley's client sends when leaving; any other code (4000 is
   * what its heartbeat uses) leaves a `parley.v1` session resumable.
   */
  async close(code = 1000): Promise<CloseEvent> {
    if (this.socket.readyState < WebSocket.CLOSING) this.socket.close(code);
    return await this.closed;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Opens a parley.v1 client and logs it in, with `fields` (a resume token, a
 * call claim) in its login; returns it with its welcome.
 */
export async function parleyUser(
  url: string,
  name: string,
  fields: Record<string, unknown> = {},
): Promise<{ client: WsClient; welcome: Frame }> {
  const client = await WsClient.open(url, "parley.v1");
  client.send({ type: "login", name, ...fields });
  return { client, welcome: await client.next("welcome") };
}

/** Two parley users in an accepted call. */
export async function parleyPair(
  url: string,
  a: string,
  b: string,
): Promise<{ caller: WsClient; callee: WsClient; callId: string }> {
  const caller = (await parleyUser(url, a)).client;
  const callee = (await parleyUser(url, b)).client;
  const callId = await acceptedCall(caller, callee, b);
  return { caller, callee, callId };
}

/**
 * `caller` calls `to` (logged in as `callee`), who accepts; resolves with the
 * call id once both have been told `accepted`.
 */
export async function acceptedCall(
  caller: WsClient,
  callee: WsClient,
  to: string,
): Promise<string> {
  caller.send({ type: "call", to });
  const { callId } = await caller.next("ringing");
  await callee.next("incoming");
  callee.send({ type: "accept", callId });
  await caller.next("accepted");
  await callee.next("accepted");
  return callId;
}

/**
 * A WebSocket client on a bare TCP connection, for what `WebSocket` hides:
 * it keeps writing after the server's Close frame (like a real flooder), and
 * it reports the close code the server sent even if TCP then ends abruptly.
 */
export class RawClient {
  /** Text frames received. */
  readonly texts: string[] = [];
  /** Close code from the server's Close frame, once received. */
  closeCode: number | null = null;
  readonly done: Promise<void>;
  readonly #frames = new FrameReader();

  private constructor(readonly conn: Deno.TcpConn, read: boolean) {
    this.done = read ? this.#readLoop() : Promise.resolve();
  }

  /**
   * Connects and completes the handshake, offering `protocol`. With
   * `read: false` it never reads again, like a peer that stopped reading.
   */
  static async open(
    port: number,
    path = "/ws",
    protocol = "parley.v1",
    { read = true } = {},
  ): Promise<RawClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(
      handshakeRequest(port, path, { "Sec-WebSocket-Protocol": protocol }),
    );
    // Read the response head byte by byte so no frame bytes are swallowed.
    const head: number[] = [];
    const one = new Uint8Array(1);
    while (!endsWithBlankLine(head)) {
      if (await conn.read(one) === null) {
        throw new Error("closed during handshake");
      }
      head.push(one[0]);
    }
    const status = new TextDecoder().decode(new Uint8Array(head)).split(" ")[1];
    if (status !== "101") throw new Error(`handshake answered ${status}`);
    return new RawClient(conn, read);
  }

  /** Sends one masked text frame; returns false once the connection is gone. */
  async sendText(text: string): Promise<boolean> {
    try {
      await this.conn.write(
        maskFrame(OPCODE.TEXT, new TextEncoder().encode(text)),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** Closes the TCP connection and waits for the reader to finish. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
    await this.done;
  }

  async #readLoop(): Promise<void> {
    const buf = new Uint8Array(65536);
    for (;;) {
      let n: number | null;
      try {
        n = await this.conn.read(buf);
      } catch {
        return;
      }
      if (n === null) return;
      this.#frames.push(buf.subarray(0, n));
      for (let f = this.#frames.next(); f; f = this.#frames.next()) {
        this.#handle(f.opcode, f.payload);
      }
    }
  }

  /** Records a whole server frame; answers a Close. */
  #handle(opcode: number, payload: Uint8Array): void {
    if (opcode === OPCODE.TEXT) {
      this.texts.push(new TextDecoder().decode(payload));
    }
    if (opcode === OPCODE.CLOSE) {
      this.closeCode = closeCode(payload);
      // Answer the Close handshake so the server can finish it.
      this.conn.write(maskFrame(OPCODE.CLOSE, payload.slice(0, 2)))
        .catch(() => {});
    }
  }
}

/** A WebSocket handshake request for `path` on 127.0.0.1:`port`, with `headers` added. */
function handshakeRequest(
  port: number,
  path: string,
  headers: Record<string, string>,
): Uint8Array {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
}

function endsWithBlankLine(bytes: number[]): boolean {
  const n = bytes.length;
  return n >= 4 && bytes[n - 4] === 13 && bytes[n - 3] === 10 &&
    bytes[n - 2] === 13 && bytes[n - 1] === 10;
}

/** A key that changes every payload byte, so the server's unmasking is exercised. */
const TEST_MASK = new Uint8Array([0x12, 0x34, 0x56, 0x78]);

/** A client → server frame; clients must mask, any mask will do. */
export function maskFrame(opcode: number, payload: Uint8Array): Uint8Array {
  return encodeFrame(opcode, payload, { mask: TEST_MASK });
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `condition` every 10 ms for up to `ms`; whether it came to hold.
 */
export async function until(
  condition: () => boolean,
  ms: number,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(10);
  }
  return condition();
}
