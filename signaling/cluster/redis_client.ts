/**
 * The Redis broker's connections. The client is `@redis/client` (node-redis
 * v5): the official Redis client, maintained by Redis; it runs on Deno's
 * Node compatibility layer, pipelines every command issued in one
 * event-loop turn into one socket write, and reconnects by itself.
 *
 * Three connections: one writes frames (`XADD`, in bursts), one reads the
 * inbox (always mid blocking read), and one carries leases and liveness, so
 * that a heartbeat is never queued behind a burst of frames (a join storm
 * writes tens of MB in a second or two, long enough for a renewal to time
 * out).
 */
import { createClient } from "@redis/client";
import type { Clock } from "../clock.ts";
import { withTimeout } from "../timing.ts";
import { STORE_BACKOFF, storeBackoff } from "./broker.ts";

/** One connection to Redis. */
export type Client = ReturnType<typeof makeClient>;

/** What the connections tell their broker. */
export interface ConnectionEvents {
  /** A connection failed. */
  down(error: unknown): void;
  /** A connection is ready again (maybe to a Redis that came back empty). */
  ready(): void;
}

/** The broker's three connections; see the module doc. */
export class RedisConnections {
  /** `XADD` only: frames, in bursts. */
  readonly cmd: Client;
  /** The inbox's blocking reads, trims and acknowledgements. */
  readonly reader: Client;
  /** Leases and liveness. */
  readonly ctl: Client;
  readonly #url: string;
  readonly #clock: Clock;
  readonly #timeoutMs: number;

  /**
   * @param url `redis://[[user]:password@]host[:port][/db]`
   * @param timeoutMs how long a command may take before it rejects
   */
  constructor(
    url: string,
    clock: Clock,
    timeoutMs: number,
    events: ConnectionEvents,
  ) {
    this.cmd = makeClient(url);
    this.reader = makeClient(url);
    this.ctl = makeClient(url);
    this.#url = url;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    for (const client of this.#all()) {
      // Without an 'error' listener an EventEmitter error kills the process.
      client.on("error", (error: unknown) => events.down(error));
      client.on("ready", () => events.ready());
    }
  }

  /** Whether all three are connected. */
  get ready(): boolean {
    return this.cmd.isReady && this.reader.isReady && this.ctl.isReady;
  }

  /**
   * Connects all three; rejects when Redis does not answer within
   * `limitMs`, naming the URL without its password.
   */
  connect(limitMs: number): Promise<unknown> {
    return withTimeout(
      this.#clock,
      Promise.all(this.#all().map((client) => client.connect())),
      limitMs,
      `Redis at ${redactUrl(this.#url)} did not answer within ${
        limitMs / 1000
      } s: check the URL and that redis-server is running and reachable.`,
    );
  }

  /**
   * Rejects after the command timeout: the offline queue is off, but a
   * command written just before Redis stalled would otherwise wait for as
   * long as the TCP connection looks open.
   */
  timed<T>(command: Promise<T>, name: string): Promise<T> {
    return withTimeout(
      this.#clock,
      command,
      this.#timeoutMs,
      `Redis did not answer ${name} within ${this.#timeoutMs} ms; the broker reconnects by itself.`,
    );
  }

  /** Closes the connections and waits out a reconnect backoff in progress. */
  async disconnect(): Promise<void> {
    await Promise.all(
      this.#all().map(async (client) => {
        const settled = client.isOpen && !client.isReady
          ? reconnectLoopEnded(client, this.#clock)
          : null;
        try {
          // The reader's connection is always mid-read: no point waiting it out.
          if (client.isReady && client !== this.reader) await client.close();
          else client.destroy();
        } catch { /* was not open */ }
        await settled;
      }),
    );
  }

  #all(): Client[] {
    return [this.cmd, this.reader, this.ctl];
  }
}

function makeClient(url: string) {
  return createClient({
    url,
    // Commands reject at once while reconnecting instead of queueing until
    // Redis is back: claim/renew/alive must not hang.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries: number) => storeBackoff(retries),
    },
  });
}

/**
 * A client destroyed while it sleeps between reconnect attempts still
 * finishes that sleep (then emits 'reconnecting' and stops); waiting for it
 * keeps the timer from outliving the broker.
 */
function reconnectLoopEnded(client: Client, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(done, STORE_BACKOFF.capMs + 2500);
    function done() {
      clock.clearTimeout(timer);
      client.off("reconnecting", done);
      resolve();
    }
    client.on("reconnecting", done);
  });
}

/** `url` without its password. */
function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
