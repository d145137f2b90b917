/**
 * A TCP proxy owned by a test that gives the client a slow link: bytes from
 * the server reach the client at most {@link ThrottleProxy.rate} bytes per
 * second, the way a person on a poor connection reads. The proxy reads from
 * the server only as fast as it passes bytes on, so the server sees its
 * socket back up exactly as with a slow reader. Client → server is not
 * limited.
 */

/** Bytes moved per step; small enough that pacing stays smooth. */
const CHUNK = 4096;

/** See the module doc. */
export class ThrottleProxy {
  readonly port: number;
  readonly url: string;
  /** Bytes per second from server to client; `Infinity`: as fast as it comes. */
  rate: number;
  #listener: Deno.Listener;
  #targetPort: number;
  #conns = new Set<Deno.Conn>();

  private constructor(
    listener: Deno.Listener,
    targetPort: number,
    rate: number,
  ) {
    this.#listener = listener;
    this.#targetPort = targetPort;
    this.rate = rate;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.url = `http://127.0.0.1:${this.port}`;
    void this.#acceptLoop();
  }

  /** Listens on a free loopback port and forwards to `127.0.0.1:targetPort`. */
  static start(targetPort: number, rate: number): ThrottleProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new ThrottleProxy(listener, targetPort, rate);
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
    let server: Deno.Conn;
    try {
      server = await Deno.connect({
        hostname: "127.0.0.1",
        port: this.#targetPort,
      });
    } catch {
      closeQuietly(client);
      return;
    }
    this.#conns.add(server);
    const end = () => {
      closeQuietly(client);
      closeQuietly(server);
      this.#conns.delete(client);
      this.#conns.delete(server);
    };
    client.readable.pipeTo(server.writable, { preventClose: true })
      .catch(() => {}).finally(end);
    this.#pace(server, client).catch(() => {}).finally(end);
  }

  /** Copies `from` to `to`, sleeping after each chunk to keep to the rate. */
  async #pace(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(CHUNK);
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) return;
      let written = 0;
      while (written < n) {
        written += await to.write(buffer.subarray(written, n));
      }
      if (Number.isFinite(this.rate)) {
        await new Promise((r) => setTimeout(r, (n / this.rate) * 1000));
      }
    }
  }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
