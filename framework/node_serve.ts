/**
 * Serves a Web handler on `node:http` rather than `Deno.serve`, for two
 * things `Deno.serve` cannot do:
 *
 * - Upgrade requests reach `onUpgrade` with the raw socket, so a WebSocket
 *   library can refuse an oversize frame at its header instead of after the
 *   runtime has buffered the whole message.
 * - Connections are accepted by a `node:net` listener that closes any whose
 *   request head has not fully arrived within `headersTimeoutMs` (counted
 *   from the connection, or from the previous response on a kept-alive one):
 *   a client trickling headers a byte at a time no longer holds a
 *   connection forever. `node:http`'s own `headersTimeout` is not enforced
 *   by Deno's implementation.
 */
import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
import {
  toWebRequest,
  type WebHandler,
  writeWebResponse,
} from "./web_adapter.ts";

/** Options of {@linkcode serveNode}. */
export interface NodeServeOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** Longest wait for a complete request head; the connection closes after it. */
  headersTimeoutMs: number;
  /**
   * Called with every request that asks for `Upgrade`; it owns `socket`
   * from then on and must answer or destroy it.
   */
  onUpgrade?: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void;
  /**
   * Listen with `node:http` alone, without the `node:net` front and its
   * head deadline: for platforms whose own edge proxy reads request heads
   * and may not offer raw TCP listeners (Deno Deploy).
   */
  behindEdge?: boolean;
  /** Called once listening, with the address actually bound. */
  onListen?: (addr: { hostname: string; port: number }) => void;
}

/** A running {@linkcode serveNode} server. */
export interface NodeServer {
  readonly addr: { hostname: string; port: number };
  /** Stops accepting and closes every connection it still holds. */
  shutdown(): Promise<void>;
}

/** Serves `handler` on `hostname:port`; resolves once listening. */
export async function serveNode(
  handler: WebHandler,
  options: NodeServeOptions,
): Promise<NodeServer> {
  const deadlines = new Map<Duplex, ReturnType<typeof setTimeout>>();
  const open = new Set<net.Socket>();
  const arm = (socket: Duplex) => {
    clearTimeout(deadlines.get(socket));
    deadlines.set(
      socket,
      setTimeout(() => {
        deadlines.delete(socket);
        socket.destroy();
      }, options.headersTimeoutMs),
    );
  };
  const disarm = (socket: Duplex) => {
    clearTimeout(deadlines.get(socket));
    deadlines.delete(socket);
  };
  let stopping = false;

  const server = http.createServer((req, res) => {
    disarm(req.socket);
    // A kept-alive connection gets the same deadline for its next head.
    res.on("finish", () => {
      if (!req.socket.destroyed) arm(req.socket);
    });
    const remote = {
      transport: "tcp" as const,
      hostname: req.socket.remoteAddress ?? "",
      port: req.socket.remotePort ?? 0,
    };
    const { promise: completed, resolve: complete } = Promise
      .withResolvers<void>();
    const info = { remoteAddr: remote, completed } as Deno.ServeHandlerInfo;
    const abort = new AbortController();
    res.on("close", () => {
      abort.abort();
      complete();
    });
    const request = toWebRequest(req, options.hostname, abort.signal);
    Promise.resolve()
      .then(() => handler(request, info))
      .then((response) => writeWebResponse(res, response))
      .catch((error) => {
        console.error(`${req.method} ${req.url} failed:`, error);
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        }
        res.end();
      });
  });
  server.on("upgrade", (req, socket, head) => {
    disarm(socket);
    if (options.onUpgrade && !stopping) {
      options.onUpgrade(req, socket, head);
    } else socket.destroy();
  });
  server.on("clientError", (_error, socket) => {
    disarm(socket);
    socket.destroy();
  });

  const listener = options.behindEdge ? server : net.createServer((socket) => {
    open.add(socket);
    socket.on("close", () => {
      open.delete(socket);
      disarm(socket);
    });
    socket.on("error", () => socket.destroy());
    arm(socket);
    server.emit("connection", socket);
  });
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  listener.once("error", reject);
  listener.listen(options.port, options.hostname, () => resolve());
  await promise;
  const bound = listener.address() as net.AddressInfo;
  const addr = { hostname: options.hostname, port: bound.port };
  options.onListen?.(addr);

  return {
    addr,
    async shutdown() {
      stopping = true;
      const closed = new Promise<void>((done) => listener.close(() => done()));
      for (const socket of open) socket.destroy();
      for (const timer of deadlines.values()) clearTimeout(timer);
      deadlines.clear();
      await closed;
    },
  };
}
