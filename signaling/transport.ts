/**
 * The thin Deno WebSocket layer: refuses bad upgrades (shutdown, room name,
 * origin, connection cap), upgrades with the negotiated subprotocol, and
 * wires socket events to the relay and the relay's frames to sockets.
 */

import type { Bus, ConnectionId, Sink } from "./bus.ts";
import type { SignalingConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import { originAllowed } from "./origin.ts";
import { negotiateDialect } from "./protocol.ts";
import { CloseCode, type Relay } from "./relay.ts";

/**
 * Where the transport hands socket events: the relay itself on a single
 * instance, or the cluster router, which forwards them to the instance
 * running the socket's room.
 */
export type SocketEvents = Pick<
  Relay,
  "open" | "receive" | "disconnect" | "kick"
>;
import { isValidRoomName } from "./rooms.ts";

/** `shutdown()` resolves by then even if some peers never finish closing. */
const SHUTDOWN_WAIT_MS = 4000;

/** Why an upgrade was refused (a key of `stats().refused`). */
export type RefusalReason =
  | "not-websocket"
  | "bad-room"
  | "origin"
  | "capacity"
  | "shutting-down";

/** Accepts WebSocket upgrades and owns the sockets. */
export class Transport {
  readonly #config: SignalingConfig;
  readonly #relay: SocketEvents;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #sockets = new Map<ConnectionId, WebSocket>();
  readonly #refused: Record<string, number> = {};
  #nextId = 1;
  #accepting = true;
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
  }

  /** Upgrades `req` to a signaling socket, or answers why not. */
  handleUpgrade(req: Request, info?: Deno.ServeHandlerInfo): Response {
    if (!this.#accepting) {
      return this.#refuse(
        503,
        "shutting-down",
        "This server is shutting down; reconnect in a moment.",
      );
    }
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return this.#refuse(
        426,
        "not-websocket",
        'This endpoint speaks WebSocket only: connect with new WebSocket(url, "parley.v1").',
      );
    }
    const room = new URL(req.url).searchParams.get("room") ?? "";
    if (!isValidRoomName(room)) {
      return this.#refuse(
        400,
        "bad-room",
        "Room names are 1–64 characters of A–Z, a–z, 0–9, _ and -; fix ?room=.",
      );
    }
    if (
      !originAllowed(
        req.headers.get("origin"),
        req.headers.get("host"),
        this.#config.allowedOrigins,
      )
    ) {
      return this.#refuse(
        403,
        "origin",
        "This page's origin may not connect; add it to ALLOWED_ORIGINS on the server.",
      );
    }
    if (this.#sockets.size >= this.#config.maxConnections) {
      return this.#refuse(
        503,
        "capacity",
        "This server is at its connection limit; try again later.",
      );
    }
    const { dialect, protocol } = negotiateDialect(
      req.headers.get("sec-websocket-protocol"),
    );
    // Read before upgrading: Deno's info.remoteAddr throws once upgraded.
    const ip = remoteIp(info);
    let upgraded: { socket: WebSocket; response: Response };
    try {
      upgraded = Deno.upgradeWebSocket(req, {
        protocol,
        idleTimeout: this.#config.idleTimeoutSeconds,
      });
    } catch {
      return this.#refuse(
        400,
        "not-websocket",
        "Malformed WebSocket handshake; connect with a standard WebSocket client.",
      );
    }
    const { socket, response } = upgraded;
    const id = this.#nextId++;
    this.#sockets.set(id, socket);
    // addEventListener with `once`, not onopen: Deno keeps an `on*` handler's
    // listener for the socket's life, about 0.5 KB per idle connection.
    socket.addEventListener("open", () => {
      if (!this.#accepting) {
        closeQuietly(socket, CloseCode.goingAway, "server shutting down");
        return;
      }
      this.#bus.attach(id, this.#sink(id, socket));
      this.#relay.open(id, dialect, room, { ip });
    }, { once: true });
    socket.onmessage = (event) => this.#relay.receive(id, event.data);
    // wasClean tells a goodbye from a lost connection (a missed ping is an
    // unclean 1001): only the latter keeps the session for a resume.
    socket.onclose = (event) => this.#closed(id, event.code, event.wasClean);
    // No error listener: an error is always followed by close, which does
    // the cleanup, and an empty one costs about 0.5 KB per connection.
    return response;
  }

  /**
   * Stops accepting (upgrades get 503), closes every socket with 1001 and
   * resolves once they are closed, or after 4 s at the latest.
   */
  async shutdown(): Promise<void> {
    this.#accepting = false;
    const open = this.#sockets.size;
    for (const socket of this.#sockets.values()) {
      // Sockets still connecting are closed by their onopen.
      if (socket.readyState === WebSocket.OPEN) {
        closeQuietly(socket, CloseCode.goingAway, "server shutting down");
      }
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
    for (const id of [...this.#sockets.keys()]) {
      this.#closed(id, CloseCode.goingAway, true);
    }
    this.#log({ event: "shutdown", sockets: open });
  }

  /** Open sockets (including ones still completing the handshake). */
  get size(): number {
    return this.#sockets.size;
  }

  /** Refused upgrades by reason. */
  refused(): Record<string, number> {
    return { ...this.#refused };
  }

  #closed(id: ConnectionId, code: number, wasClean: boolean): void {
    if (!this.#sockets.delete(id)) return;
    this.#bus.detach(id);
    this.#relay.disconnect(id, code, wasClean);
    if (this.#sockets.size === 0) this.#drained?.();
  }

  #sink(id: ConnectionId, socket: WebSocket): Sink {
    const maxBuffered = this.#config.maxBufferedBytes;
    const relay = this.#relay;
    let dropping = false;
    // bufferedAmount is a call into the runtime; the queue can only have
    // grown by what we sent since we last asked, so ask only once that
    // bound passes the limit. 3 bytes of UTF-8 per UTF-16 unit at most.
    let bufferedAtMost = 0;
    return {
      send(frame) {
        if (socket.readyState !== WebSocket.OPEN) return;
        // A peer that stopped reading would otherwise grow our memory without
        // bound. Its close handshake cannot complete either, so the relay
        // forgets it now; deferred, as we may be inside a fan-out loop.
        if (
          bufferedAtMost > maxBuffered &&
          (bufferedAtMost = socket.bufferedAmount) > maxBuffered
        ) {
          if (!dropping) {
            dropping = true;
            queueMicrotask(() =>
              relay.kick(id, CloseCode.policy, "too slow: stopped reading")
            );
          }
          return;
        }
        bufferedAtMost += frame.length * 3;
        try {
          socket.send(frame);
        } catch {
          // Closing concurrently: the close event cleans up.
        }
      },
      close(code, reason) {
        closeQuietly(socket, code, reason);
      },
    };
  }

  #refuse(status: number, reason: RefusalReason, body: string): Response {
    this.#refused[reason] = (this.#refused[reason] ?? 0) + 1;
    this.#log({ event: "refused", status, reason });
    return new Response(body + "\n", {
      status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

function remoteIp(info?: Deno.ServeHandlerInfo): string | undefined {
  try {
    const addr = info?.remoteAddr;
    return addr && "hostname" in addr ? addr.hostname : undefined;
  } catch {
    return undefined;
  }
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // Already closing or closed.
  }
}
