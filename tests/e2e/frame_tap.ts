/**
 * What the server was sent, read off the wire: a {@link CutProxy} between
 * the browsers and the app whose uplink tap reads the WebSocket frames each
 * client sends and keeps every message, so a test can say that no frame the
 * server received held a given text. Plain HTTP requests on the same
 * connections (page, scripts, the upgrade request itself) are kept as text
 * too, since a text could leave that way as well.
 *
 * The frames themselves are read by `ws`'s own `Receiver` (the parser its
 * server uses: masking, lengths, fragments, control frames between them),
 * fed the bytes that follow the upgrade request.
 *
 * It reads only; the bytes reach the server unchanged. A compressed frame
 * (RSV1, permessage-deflate) cannot be searched and is recorded as a
 * problem instead, so that such a test fails rather than passing blind; so
 * is any other breach of the protocol, after which that connection is no
 * longer read (a server would close it there too).
 */
import { Buffer } from "node:buffer";
import { granted } from "../helpers/permissions.ts";
import { CutProxy, type UplinkTap } from "./resilience_proxy.ts";

/** One complete message (or control frame) a client sent. */
export interface DecodedMessage {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  /** The unmasked payload, fragments joined (a close: its reason alone). */
  payload: Uint8Array;
}

/** The part of `ws`'s `Receiver` (a `Writable`) the tap uses. */
interface FrameReceiver {
  write(chunk: Uint8Array, done: (error?: Error | null) => void): boolean;
  on(
    event: "message",
    listener: (data: Uint8Array, binary: boolean) => void,
  ): this;
  on(event: "ping" | "pong", listener: (data: Uint8Array) => void): this;
  on(
    event: "conclude",
    listener: (code: number, reason: Uint8Array) => void,
  ): this;
  on(event: "error", listener: (error: Error) => void): this;
}

type ReceiverClass = new (options: { isServer: boolean }) => FrameReceiver;

/**
 * `ws`'s Receiver, or null where `ws` cannot load: it reads the environment
 * as it loads, which plain `deno test` (no permissions) refuses.
 */
const Receiver: ReceiverClass | null = granted("env")
  // @types/ws leaves the Receiver out, though the package exports it.
  ? (await import("ws") as unknown as { Receiver: ReceiverClass }).Receiver
  : null;

/** Whether frames can be read here (see {@link Receiver}). */
export const canReadFrames = Receiver !== null;

/** What each of `ws`'s error codes means for a client's frame. */
const PROBLEMS: Record<string, string> = {
  WS_ERR_UNEXPECTED_RSV_1: "a compressed frame (permessage-deflate)",
  WS_ERR_EXPECTED_MASK: "an unmasked frame from a client",
};

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

/**
 * Decodes one connection's client → server bytes: HTTP requests until one
 * upgrades to a WebSocket, then frames, read by `ws`'s `Receiver`. Feed it
 * chunks as they come with {@link push}; whole messages go to `onMessage`,
 * request texts to `onRequest`, and anything that breaks the protocol to
 * `problems` (once {@link read} settles: `ws` reports errors a tick late).
 */
export class UplinkDecoder {
  /** Request bytes that do not yet make a whole head. */
  #pending: Uint8Array = new Uint8Array(0);
  #receiver: FrameReceiver | null = null;
  /** Set after a protocol error or a close frame: nothing more is read. */
  #done = false;
  #written: Promise<void> = Promise.resolve();
  /** Body bytes of a plain request still to come. */
  #body = 0;
  #request = "";
  /** Protocol breaches and frames that could not be read (compressed). */
  readonly problems: string[] = [];

  constructor(
    readonly onMessage: (message: DecodedMessage) => void,
    readonly onRequest: (text: string) => void = () => {},
  ) {}

  /** Whether the connection has upgraded to a WebSocket. */
  get webSocket(): boolean {
    return this.#receiver !== null;
  }

  /** Settles once everything pushed so far has been read or refused. */
  read(): Promise<void> {
    return this.#written;
  }

  /** Takes the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    if (this.#receiver) return this.#frames(chunk);
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length > 0 && !this.#receiver) {
      const used = this.#http();
      if (used === 0) return;
      this.#pending = this.#pending.subarray(used);
    }
    if (this.#receiver && this.#pending.length > 0) {
      this.#frames(this.#pending);
      this.#pending = new Uint8Array(0);
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
    if (/^upgrade:\s*websocket\s*$/im.test(head)) this.#upgrade();
    return end + HEAD_END.length;
  }

  #upgrade(): void {
    if (!Receiver) throw new Error("reading frames needs --allow-env (ws)");
    const receiver = new Receiver({ isServer: true });
    const message = (opcode: number) => (payload: Uint8Array) =>
      this.onMessage({ opcode, payload });
    receiver.on("message", (data, binary) => message(binary ? 2 : 1)(data));
    receiver.on("ping", message(9));
    receiver.on("pong", message(10));
    // Only the reason can carry a text; nothing reads the status code.
    receiver.on("conclude", (_code, reason) => {
      this.#done = true;
      message(8)(reason);
    });
    // Reported through the write's callback instead; without a listener the
    // stream would throw it.
    receiver.on("error", () => {});
    this.#receiver = receiver;
  }

  #frames(chunk: Uint8Array): void {
    const receiver = this.#receiver;
    if (!receiver || this.#done) return;
    // The receiver keeps a partial frame's bytes past this call: copy them.
    const bytes = chunk.slice();
    this.#written = new Promise((resolve) => {
      receiver.write(bytes, (error) => {
        if (error && !this.#done) {
          this.#done = true;
          const code = (error as Error & { code?: string }).code ?? "";
          this.problems.push(PROBLEMS[code] ?? error.message);
        }
        resolve();
      });
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

  /** Settles once every connection's bytes so far have been read. */
  async read(): Promise<void> {
    await Promise.all([...this.#decoders.values()].map((d) => d.read()));
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
