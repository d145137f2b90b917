/**
 * Socket chores the benchmarks' load generators share: a socket whose
 * messages wait to be asked for while calls are set up, opening many
 * clients with bounded concurrency, and closing them all.
 */

/** How long a setup step waits for the message it expects. */
const SETUP_TIMEOUT_MS = 60_000;

/**
 * A WebSocket whose JSON messages queue up until a setup step (a login, a
 * call) asks for one of a given type; the load that follows replaces its
 * `onmessage`.
 */
export class QueuedSocket {
  /** Messages received and not yet taken. */
  readonly queue: Record<string, unknown>[] = [];
  /** The code the socket closed with; null while open. */
  closeCode: number | null = null;
  #wake: (() => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.onmessage = (event) => {
      this.queue.push(JSON.parse(event.data as string));
      this.#wake?.();
    };
    // A listener, not `onclose`, so that later `on…` handlers keep it.
    ws.addEventListener("close", (event) => (this.closeCode = event.code));
  }

  /** Opens a socket to `url`, offering `protocol` if given; resolves once open. */
  static open(url: string, protocol?: string): Promise<QueuedSocket> {
    const ws = protocol ? new WebSocket(url, protocol) : new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new QueuedSocket(ws));
      ws.onerror = () => reject(new Error(`connect to ${url} failed`));
    });
  }

  /** Sends `message` as JSON. */
  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Takes the first queued message of `type` (others stay), waiting up to 60 s for it. */
  async next(type: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    for (;;) {
      const at = this.queue.findIndex((m) => m.type === type);
      if (at >= 0) return this.queue.splice(at, 1)[0];
      if (Date.now() > deadline) {
        throw new Error(`no ${type} within ${SETUP_TIMEOUT_MS} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

/** Runs `make(i)` for i < n, at most `limit` at a time, in order of i. */
export async function inBatches<T>(
  n: number,
  limit: number,
  make: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < n; start += limit) {
    const end = Math.min(n, start + limit);
    const batch = Array.from(
      { length: end - start },
      (_, k) => make(start + k),
    );
    out.push(...await Promise.all(batch));
  }
  return out;
}

/** Closes every socket; gives each at most 3 s to finish closing. */
export async function closeAll(sockets: WebSocket[]): Promise<void> {
  await Promise.all(sockets.map((ws) =>
    new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(resolve, 3000);
      ws.onclose = () => {
        clearTimeout(timer);
        resolve();
      };
      ws.onerror = () => {};
      try {
        ws.close();
      } catch {
        resolve();
      }
    })
  ));
}
