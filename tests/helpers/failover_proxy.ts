/**
 * A TCP load balancer for tests, the way nginx or a cloud balancer fails
 * over: each new connection goes to the first backend that accepts it, in
 * the order given. When a backend dies its connections break (the page's
 * WebSocket closes) and the reconnect lands on the next backend.
 */

/** See the module doc. */
export class FailoverProxy {
  readonly port: number;
  readonly url: string;
  /** Connections forwarded so far, by backend port. */
  readonly forwarded = new Map<number, number>();
  #listener: Deno.Listener;
  #backends: number[];
  #conns = new Set<Deno.Conn>();

  private constructor(listener: Deno.Listener, backends: number[]) {
    this.#listener = listener;
    this.#backends = backends;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.url = `http://127.0.0.1:${this.port}`;
    void this.#acceptLoop();
  }

  /** Listens on a free loopback port in front of `127.0.0.1:<backends>`. */
  static start(backends: number[]): FailoverProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new FailoverProxy(listener, backends);
  }

  /** Stops listening and closes every connection. */
  close(): void {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of this.#conns) closeQuietly(conn);
    this.#conns.clear();
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const client of this.#listener) void this.#forward(client);
    } catch {
      // Listener closed.
    }
  }

  async #forward(client: Deno.Conn): Promise<void> {
    this.#conns.add(client);
    let server: Deno.Conn | null = null;
    for (const port of this.#backends) {
      try {
        server = await Deno.connect({ hostname: "127.0.0.1", port });
        this.forwarded.set(port, (this.forwarded.get(port) ?? 0) + 1);
        break;
      } catch {
        // Refused: that backend is down; try the next.
      }
    }
    if (!server) {
      this.#conns.delete(client);
      closeQuietly(client);
      return;
    }
    this.#conns.add(server);
    const end = () => {
      for (const conn of [client, server!]) {
        this.#conns.delete(conn);
        closeQuietly(conn);
      }
    };
    await Promise.all([
      client.readable.pipeTo(server.writable).catch(() => {}),
      server.readable.pipeTo(client.writable).catch(() => {}),
    ].map((p) => p.finally(end)));
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed by the other direction.
  }
}
