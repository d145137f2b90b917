/**
 * A TCP proxy owned by a test, between one client and the app, that can cut
 * the network for real: {@link CutProxy.cut} destroys every proxied
 * connection (the page sees its WebSocket close with 1006 at once, the
 * server sees the TCP connection go without a Close frame) and refuses new
 * ones for a while. Chromium's `context.setOffline(true)` cannot do this: it
 * only stalls an open WebSocket.
 *
 * It can also give the client a slow link: with {@link CutProxy.rate} set,
 * bytes from the server reach the client at most that fast, and the proxy
 * reads from the server only as fast as it passes bytes on, so the server
 * sees its socket back up exactly as with a slow reader.
 *
 * And it can show a test what the clients sent: an {@link UplinkTap} sees
 * every client → server chunk, in order, per connection, before the server
 * does (`frame_tap.ts` reads WebSocket frames out of them).
 */

/** Bytes moved per step on a slow link; small enough that pacing stays smooth. */
const CHUNK = 4096;

interface Pair {
  client: Deno.Conn;
  server: Deno.Conn | null;
}

/**
 * Watches the bytes clients send through a {@link CutProxy}: `open` once per
 * forwarded connection (with a number of its own), then each chunk as it
 * passes. The chunk is lent: copy what should outlive the call.
 */
export interface UplinkTap {
  open(connection: number): void;
  chunk(connection: number, bytes: Uint8Array): void;
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
  /** Bytes per second from server to client; `Infinity`: as fast as it comes. */
  rate: number;
  #listener: Deno.Listener;
  #targetPort: number;
  #pairs = new Set<Pair>();
  #refuseUntil = 0;
  #tap: UplinkTap | null;

  private constructor(
    listener: Deno.Listener,
    targetPort: number,
    rate: number,
    tap: UplinkTap | null,
  ) {
    this.#listener = listener;
    this.#tap = tap;
    this.#targetPort = targetPort;
    this.rate = rate;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.url = `http://127.0.0.1:${this.port}`;
    void this.#acceptLoop();
  }

  /**
   * Listens on a free loopback port and forwards to `127.0.0.1:targetPort`,
   * passing the server's bytes on at `rate` bytes per second at most, and
   * the clients' bytes past `tap` when given.
   */
  static start(
    targetPort: number,
    rate = Infinity,
    tap?: UplinkTap,
  ): CutProxy {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return new CutProxy(listener, targetPort, rate, tap ?? null);
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
    this.#uplink(pair.client, pair.server, this.forwarded).catch(() => {})
      .finally(end);
    this.#downlink(pair.server, pair.client).catch(() => {}).finally(end);
  }

  /** Copies the client's bytes to the server, showing them to the tap. */
  #uplink(from: Deno.Conn, to: Deno.Conn, connection: number): Promise<void> {
    const tap = this.#tap;
    if (!tap) return from.readable.pipeTo(to.writable);
    tap.open(connection);
    return from.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(bytes, out) {
          tap.chunk(connection, bytes);
          out.enqueue(bytes);
        },
      }),
    ).pipeTo(to.writable);
  }

  /** Copies the server's bytes to the client, keeping to {@link rate}. */
  async #downlink(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buffer = new Uint8Array(CHUNK);
    for (;;) {
      if (!Number.isFinite(this.rate)) {
        // Unthrottled (perhaps after a slow stretch): stream as is.
        return from.readable.pipeTo(to.writable);
      }
      const n = await from.read(buffer);
      if (n === null) return;
      let written = 0;
      while (written < n) {
        written += await to.write(buffer.subarray(written, n));
      }
      await new Promise((r) => setTimeout(r, (n / this.rate) * 1000));
    }
  }

  #end(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    closeQuietly(pair.client);
    closeQuietly(pair.server);
  }
}
