/**
 * Frames written to one socket during one task leave it in one write.
 *
 * `ws` writes each frame with a system call of its own. The relay often
 * sends a socket several frames in a row: everything one read of the
 * partner's socket carried, a batch of frames from another instance, a
 * presence delta behind a chat line. Corking the socket at the first frame
 * and uncorking it once the current task's work is done (a microtask) turns
 * those into one `writev`, at no cost in latency: nothing waits past the
 * end of the task that produced it.
 *
 * The cork is counted (Node's `Writable.cork`), so `ws`'s own cork around
 * each frame nests inside it; `bufferedAmount` still counts what is held, so
 * the congestion gate sees it.
 */

/** The part of a Node stream this needs. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Returns `hold`, to be called before each write to `socket`: the first
 * call in a task corks it, and the socket is uncorked when `defer` runs
 * (the microtask queue by default).
 */
export function coalesceWrites(
  socket: Corkable,
  defer: (release: () => void) => void = queueMicrotask,
): () => void {
  let corked = false;
  const release = () => {
    corked = false;
    socket.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    socket.cork();
    defer(release);
  };
}
