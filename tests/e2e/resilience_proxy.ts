/**
 * A TCP proxy owned by a test, between one browser page and the app, that
 * can cut the network for real: {@link CutProxy.cut} destroys every proxied
 * connection (the page sees its WebSocket close with 1006 at once, the
 * server sees the TCP connection go without a Close frame) and refuses new
 * ones for a while. Chromium's `context.setOffline(true)` cannot do this: it
 * only stalls an open WebSocket.
 */

interface Pair {
  client: Deno.Conn;
  server: Deno.Conn | null;
}

function closeQuietly(conn: Deno.Conn | null): void {
  try {
    conn?.close();
  } catch {
    // Already closed by the other direction.
  }
}

/** See the module doc. */
export class CutProxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted and forwarded so far. */
  forwarded = 0;
  /** Connections refused while cut. */
  refused = 0;
  #listener: Deno.Listener;
  #targetPort: number;
  #pairs = new Set<Pair>();
  #refuseUntil = 0;

  private constructor(listener: Deno.Listener, targetPort: number) {
    this.#listener = listener;
    this.#targetPort = targetPort;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.url = `http://127.0.0.1:${this.port}`;
    void this.#acceptLoop();
  }

  /** Listens on a free loopback port and forwards to `127.0.0.1:targetPort`. */
  static start(targetPort: number): CutProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new CutProxy(listener, targetPort);
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.#pairs.size;
  }

  /**
   * Destroys every open connection and refuses new ones (accepted and closed
   * at once, like a dead route) for `ms`. Resolves when the cut ends.
   */
  async cut(ms: number): Promise<void> {
    this.#refuseUntil = Date.now() + ms;
    for (const pair of this.#pairs) this.#end(pair);
    await new Promise((r) => setTimeout(r, ms));
  }

  /** Stops listening and closes everything. */
  close(): void {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    for (const pair of this.#pairs) this.#end(pair);
  }

  async #acceptLoop(): Promise<void> {
    try {
      for await (const client of this.#listener) void this.#forward(client);
    } catch {
      // Listener closed.
    }
  }

  async #forward(client: Deno.Conn): Promise<void> {
    if (Date.now() < this.#refuseUntil) {
      this.refused++;
      closeQuietly(client);
      return;
    }
    const pair: Pair = { client, server: null };
    this.#pairs.add(pair);
    try {
      pair.server = await Deno.connect({
        hostname: "127.0.0.1",
        port: this.#targetPort,
      });
    } catch {
      this.#end(pair);
      return;
    }
    if (!this.#pairs.has(pair)) {
      // Cut while connecting.
      closeQuietly(pair.server);
      return;
    }
    this.forwarded++;
    const end = () => this.#end(pair);
    pair.client.readable.pipeTo(pair.server.writable).catch(() => {})
      .finally(end);
    pair.server.readable.pipeTo(pair.client.writable).catch(() => {})
      .finally(end);
  }

  #end(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    closeQuietly(pair.client);
    closeQuietly(pair.server);
  }
}
