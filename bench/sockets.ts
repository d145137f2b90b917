/**
 * Socket chores the benchmarks' load generators share: opening many
 * clients with bounded concurrency and closing them all.
 */

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
