/**
 * The WebSocket layer, on `npm:ws` over the raw upgraded connection: refuses
 * bad upgrades (shutdown, room name, origin, capacity, too many sockets
 * from one address) through one abort path, upgrades with the negotiated
 * subprotocol, and wires socket events to the relay and the relay's frames
 * to sockets.
 *
 * Why `ws` rather than `Deno.upgradeWebSocket`: Deno assembles a whole
 * message (up to 64 MiB) before JavaScript sees it, so a client streaming
 * one endless frame costs the server its memory; `ws` reads each frame's
 * header and closes with 1009 as soon as a message would pass
 * `maxFrameBytes`, fragments included. `ws` also hands us pings, so a ping
 * flood is counted, and it does no compression (`permessage-deflate` off:
 * no decompression bombs).
 */

import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
// @deno-types="@types/ws"
import type { WebSocket, WebSocketServer } from "ws";
import type { Bus, ConnectionId, Sink } from "./bus.ts";
import { clientAddress } from "./client_address.ts";
import type { SignalingConfig } from "./config.ts";
import { CongestionGate } from "./congestion.ts";
import { TokenBucket } from "./limits.ts";
import type { Logger } from "./log.ts";
import { originAllowed } from "./origin.ts";
import { negotiateDialect } from "./protocol.ts";
import { CloseCode, type Relay } from "./relay.ts";
import { type Endable, skipRedundantEnds } from "./redundant_ends.ts";
import { isValidRoomName } from "./rooms.ts";
import { coalesceWrites } from "./write_coalescing.ts";

/**
 * Where the transport hands socket events: the relay itself on a single
 * instance, or the cluster router, which forwards them to the instance
 * running the socket's room.
 */
export type SocketEvents = Pick<
  Relay,
  "open" | "receive" | "disconnect" | "kick" | "admitSocket"
>;

/** `shutdown()` resolves by then even if some peers never finish closing. */
const SHUTDOWN_WAIT_MS = 4000;

/**
 * A socket we close is cut this long after our close frame if the peer has
 * not answered it: a client that ignores the close (a flooder) must not
 * keep its connection for ws's default 30 s.
 */
const CLOSE_GRACE_MS = 1000;

/** Why an upgrade was refused (a key of `stats().refused`). */
export type RefusalReason =
  | "not-websocket"
  | "bad-room"
  | "origin"
  | "capacity"
  | "per-address"
  | "shutting-down";

/** An upgrade refused: the status, the counter it goes to, and what to do. */
interface Refusal {
  status: number;
  reason: RefusalReason;
  body: string;
}

/** One accepted socket and what the transport tracks about it. */
interface Peer {
  readonly ws: WebSocket;
  readonly address: string;
  /** Heard from since the last heartbeat sweep (a frame or a pong). */
  alive: boolean;
  /** Created on the first ping: browsers never send one. */
  pings: TokenBucket | null;
  /** Cuts the connection if our close frame goes unanswered. */
  closeTimer: ReturnType<typeof setTimeout> | null;
  /** Holds back room traffic while the peer reads slowly. */
  gate?: CongestionGate;
}

/** The per-address bucket for connections whose address is unknown. */
const UNKNOWN_ADDRESS = "unknown";

/** Accepts WebSocket upgrades and owns the sockets. */
export class Transport {
  readonly #config: SignalingConfig;
  readonly #relay: SocketEvents;
  readonly #bus: Bus;
  readonly #log: Logger;
  #wss: Promise<WebSocketServer> | null = null;
  readonly #trusted: ReadonlySet<string>;
  readonly #sockets = new Map<ConnectionId, Peer>();
  readonly #perAddress = new Map<string, number>();
  readonly #refused: Record<string, number> = {};
  #nextId = 1;
  #accepting = true;
  /** Handshakes under way: counted against the caps until they settle. */
  #handshakes = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #drained: (() => void) | null = null;

  constructor(
    config: SignalingConfig,
    relay: SocketEvents,
    bus: Bus,
    logger: Logger,
  ) {
    this.#config = config;
    this.#relay = relay;
    this.#bus = bus;
    this.#log = logger;
    this.#trusted = new Set(config.trustedProxies);
  }

  /**
   * ws, loaded on the first upgrade: it reads two environment variables
   * when it loads, which would make merely importing the relay need env
   * permission (the pure tests run without any).
   */
  #server(): Promise<WebSocketServer> {
    return this.#wss ??= import("ws").then(({ WebSocketServer }) =>
      new WebSocketServer({
        noServer: true,
        clientTracking: false,
        maxPayload: this.#config.maxFrameBytes,
        perMessageDeflate: false,
        // Pongs are ours to send, so that a ping flood is answered by a close.
        autoPong: false,
        handleProtocols: (offered) =>
          negotiateDialect([...offered].join(",")).protocol ?? false,
      })
    );
  }

  /**
   * Takes over an HTTP request that asks for an upgrade, with its socket:
   * refuses it with a status and a sentence saying what to do, or makes it
   * a signaling socket. Either way the socket is ours from here.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = clientAddress(
      (socket as { remoteAddress?: string }).remoteAddress,
      req.headers["x-forwarded-for"],
      this.#trusted,
    ) ?? UNKNOWN_ADDRESS;
    const room = new URL(req.url ?? "/", "http://host").searchParams.get(
      "room",
    ) ?? "";
    const refusal = this.#admit(req, room, address);
    if (refusal) {
      this.#abort(socket, refusal);
      return;
    }
    const { dialect } = negotiateDialect(
      req.headers["sec-websocket-protocol"] ?? null,
    );
    const hasOrigin = req.headers.origin !== undefined;
    // Counted now, not once upgraded, so a burst of handshakes can't pass the caps.
    const id = this.#nextId++;
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    this.#handshakes++;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.#handshakes--;
      return true;
    };
    socket.once("close", () => {
      if (settle()) this.#release(address);
    });
    this.#server().then((wss) =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        settle();
        if (!this.#accepting) {
          this.#release(address);
          ws.close(CloseCode.goingAway, "server shutting down");
          return;
        }
        this.#accept(id, ws, socket, address, dialect, room, hasOrigin);
      })
    );
  }

  /** The answer to a plain `GET /ws` that did not ask for an upgrade. */
  notWebSocket(): Response {
    const refusal = notWebSocket();
    this.#count(refusal);
    return new Response(refusal.body + "\n", {
      status: refusal.status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }

  /**
   * Stops accepting (upgrades get 503), closes every socket with 1001 and
   * resolves once they are closed, or after 4 s at the latest.
   */
  async shutdown(): Promise<void> {
    this.#accepting = false;
    const open = this.#sockets.size;
    for (const { ws } of this.#sockets.values()) {
      closeQuietly(ws, CloseCode.goingAway, "server shutting down");
    }
    if (this.#sockets.size > 0) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#drained = resolve;
      const timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      await promise;
      clearTimeout(timer);
      this.#drained = null;
    }
    // Peers that never answered the close: forget them anyway. Their
    // sessions end with this process, like everyone else's.
    for (const [id, { ws }] of [...this.#sockets]) {
      ws.terminate();
      this.#closed(id, CloseCode.goingAway, true);
    }
    this.#stopHeartbeat();
    this.#log({ event: "shutdown", sockets: open });
  }

  /** Open sockets (including ones still completing the handshake). */
  get size(): number {
    return this.#sockets.size + this.#handshakes;
  }

  /** Refused upgrades by reason. */
  refused(): Record<string, number> {
    return { ...this.#refused };
  }

  #admit(
    req: IncomingMessage,
    room: string,
    address: string,
  ): Refusal | null {
    if (!this.#accepting) {
      return {
        status: 503,
        reason: "shutting-down",
        body: "This server is shutting down; reconnect in a moment.",
      };
    }
    if (req.headers.upgrade?.toLowerCase() !== "websocket") {
      return notWebSocket();
    }
    if (!isValidRoomName(room)) {
      return {
        status: 400,
        reason: "bad-room",
        body:
          "Room names are 1–64 characters of A–Z, a–z, 0–9, _ and -; fix ?room=.",
      };
    }
    if (
      !originAllowed(
        req.headers.origin ?? null,
        req.headers.host ?? null,
        this.#config.allowedOrigins,
      )
    ) {
      return {
        status: 403,
        reason: "origin",
        body:
          "This page's origin may not connect; add it to ALLOWED_ORIGINS on the server.",
      };
    }
    // Detached sessions count too: the relay may end one to make room.
    if (!this.#relay.admitSocket(this.size)) {
      return {
        status: 503,
        reason: "capacity",
        body: "This server is at its connection limit; try again later.",
      };
    }
    if (
      (this.#perAddress.get(address) ?? 0) >=
        this.#config.maxSocketsPerAddress
    ) {
      return {
        status: 429,
        reason: "per-address",
        body:
          "Too many connections from your address; close some tabs or try again later.",
      };
    }
    return null;
  }

  #accept(
    id: ConnectionId,
    ws: WebSocket,
    socket: Duplex,
    address: string,
    dialect: ReturnType<typeof negotiateDialect>["dialect"],
    room: string,
    hasOrigin: boolean,
  ): void {
    const peer: Peer = {
      ws,
      address,
      alive: true,
      pings: null,
      closeTimer: null,
    };
    this.#sockets.set(id, peer);
    this.#startHeartbeat();
    skipRedundantEnds(socket);
    // ws's frame parser, a Writable it ends as often as the socket.
    const parser = (ws as unknown as { _receiver?: Endable })._receiver;
    if (parser) skipRedundantEnds(parser);
    ws.on("message", (data, isBinary) => {
      // Frames after our Close frame: a client that ignores it is cut now.
      if (peer.closeTimer !== null) return ws.terminate();
      peer.alive = true;
      this.#relay.receive(
        id,
        isBinary ? data as Buffer : (data as Buffer).toString(),
      );
    });
    ws.on("ping", (data) => this.#pinged(id, peer, data));
    ws.on("pong", () => {
      peer.alive = true;
    });
    // ws reports an oversize or malformed frame here and sends its close
    // frame, but stops reading, so the peer's answer is never seen: the
    // session ends now, and the connection is cut after the grace period.
    ws.on("error", (error: Error & { code?: string }) => {
      const code = error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"
        ? CloseCode.tooBig
        : error.code === "WS_ERR_INVALID_UTF8"
        ? 1007
        : 1002;
      const reason = code === CloseCode.tooBig
        ? `frame too big: send at most ${this.#config.maxFrameBytes} bytes`
        : "malformed WebSocket frame";
      this.#relay.kick(id, code, reason);
      this.#closeSoon(peer);
      // ws resumes the socket on the next tick to see the peer's Close; a
      // peer still streaming its oversize frame would have us read (and
      // throw away) everything it sends until the cut. Not reading lets TCP
      // push back instead: paused now, and again once ws resumes it.
      socket.pause();
      socket.once("resume", () => socket.pause());
    });
    // 1006 means the connection was lost without a close frame: only that
    // keeps the session for a resume.
    ws.on("close", (code) => this.#closed(id, code, code !== 1006));
    onCloseFrame(ws, (code) => this.#closed(id, code, true));
    this.#bus.attach(id, this.#sink(id, peer, socket));
    this.#relay.open(id, dialect, room, { ip: address, hasOrigin });
  }

  #pinged(id: ConnectionId, peer: Peer, data: Buffer): void {
    peer.alive = true;
    const now = Date.now();
    peer.pings ??= new TokenBucket(
      this.#config.ratePerSecond,
      this.#config.rateBurst,
      now,
    );
    if (peer.pings.take(now)) {
      peer.ws.pong(data);
      return;
    }
    this.#relay.kick(id, CloseCode.policy, "too many pings");
    closeQuietly(peer.ws, CloseCode.policy, "too many pings");
    this.#closeSoon(peer);
  }

  #closeSoon(peer: Peer): void {
    peer.closeTimer ??= setTimeout(() => {
      peer.closeTimer = null;
      peer.ws.terminate();
    }, CLOSE_GRACE_MS);
  }

  /**
   * One timer for every socket: a socket not heard from since the previous
   * sweep is pinged, and one still silent at the next sweep is dropped (an
   * unclean close, so its session waits to be resumed).
   */
  #startHeartbeat(): void {
    if (this.#heartbeat !== null) return;
    this.#heartbeat = setInterval(() => {
      for (const [id, peer] of this.#sockets) {
        if (!peer.alive) {
          peer.ws.terminate();
          this.#closed(id, 1006, false);
          continue;
        }
        peer.alive = false;
        try {
          peer.ws.ping();
        } catch {
          // Closing concurrently: the close event cleans up.
        }
      }
    }, this.#config.idleTimeoutSeconds * 1000);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat === null) return;
    clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  #closed(id: ConnectionId, code: number, wasClean: boolean): void {
    const peer = this.#sockets.get(id);
    if (!peer) return;
    this.#sockets.delete(id);
    if (peer.closeTimer !== null) clearTimeout(peer.closeTimer);
    peer.gate?.dispose();
    this.#release(peer.address);
    this.#bus.detach(id);
    this.#relay.disconnect(id, code, wasClean);
    if (this.#sockets.size === 0) {
      this.#stopHeartbeat();
      this.#drained?.();
    }
  }

  #release(address: string): void {
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.#perAddress.set(address, left);
    else this.#perAddress.delete(address);
  }

  #sink(id: ConnectionId, peer: Peer, socket: Duplex): Sink {
    const { ws } = peer;
    const closeSoon = (peer: Peer) => this.#closeSoon(peer);
    const relay = this.#relay;
    let dropping = false;
    const hold = coalesceWrites(socket);
    // A slow reader's room traffic waits (chat bounded, presence coalesced)
    // so its call's frames still get through; see congestion.ts. Without
    // compression ws queues nothing of its own, so the raw socket's drain
    // is when waiting frames can go.
    const gate = new CongestionGate({
      softBytes: this.#config.slowReaderBytes,
      hardBytes: this.#config.maxBufferedBytes,
      backlog: () => ws.readyState === ws.OPEN ? ws.bufferedAmount : 0,
      write: (frame) => {
        if (ws.readyState !== ws.OPEN) return;
        hold();
        ws.send(frame);
      },
    });
    socket.on("drain", () => gate.drained());
    peer.gate = gate;
    return {
      send(frame) {
        if (dropping || ws.readyState !== ws.OPEN) return;
        // A peer that stopped reading even its call would otherwise grow our
        // memory without bound. Its close handshake cannot complete either,
        // so the relay forgets it now; deferred, as we may be inside a
        // fan-out loop.
        if (gate.send(frame) === "overflow") {
          dropping = true;
          queueMicrotask(() =>
            relay.kick(id, CloseCode.policy, "too slow: stopped reading")
          );
        }
      },
      close(code, reason) {
        closeQuietly(ws, code, reason);
        closeSoon(peer);
      },
    };
  }

  #count(refusal: Refusal): void {
    this.#refused[refusal.reason] = (this.#refused[refusal.reason] ?? 0) + 1;
    this.#log({
      event: "refused",
      status: refusal.status,
      reason: refusal.reason,
    });
  }

  /** The one way an upgrade is refused: an HTTP answer, then the socket closes. */
  #abort(socket: Duplex, refusal: Refusal): void {
    this.#count(refusal);
    const body = refusal.body + "\n";
    const headers = [
      `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}`,
      "Connection: close",
      "Content-Type: text/plain; charset=utf-8",
      `Content-Length: ${new TextEncoder().encode(body).length}`,
    ];
    if (refusal.status === 503 || refusal.status === 429) {
      headers.push("Retry-After: 5");
    }
    socket.on("error", () => {});
    socket.end(headers.join("\r\n") + "\r\n\r\n" + body);
  }
}

function notWebSocket(): Refusal {
  return {
    status: 426,
    reason: "not-websocket",
    body:
      'This endpoint speaks WebSocket only: connect with new WebSocket(url, "parley.v1").',
  };
}

/**
 * Calls `listener` as soon as the peer's close frame arrives. ws emits
 * `close` only once the TCP connection has closed too, a round trip later;
 * until then a frame for this user would be written to a closing socket and
 * lost, where the relay would have queued it for a resume. ws has no public
 * event for it, so this listens on its frame parser, pinned by `deno.lock`;
 * should that ever be missing, `close` still arrives, only later.
 */
function onCloseFrame(ws: WebSocket, listener: (code: number) => void): void {
  const receiver = (ws as unknown as { _receiver?: unknown })._receiver;
  if (
    receiver && typeof (receiver as { on?: unknown }).on === "function"
  ) {
    (receiver as { on(event: "conclude", fn: (code: number) => void): void })
      .on("conclude", listener);
  }
}

function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closing or closed.
  }
}
