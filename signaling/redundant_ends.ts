/**
 * Skips `end()` calls on a stream that has already finished.
 *
 * Once a WebSocket's close handshake is done, `ws` ends the socket and its
 * frame parser; when the peer's FIN and then the socket's close arrive, it
 * ends both again. Node's `Writable.end` on a finished (or destroyed)
 * stream does nothing but build an `ERR_STREAM_ALREADY_FINISHED` (or
 * `ERR_STREAM_DESTROYED`) and drop it, unless it was given a callback.
 * Deno's Node errors format their stack trace as they are built, so those
 * dropped errors cost more than the rest of a short call's work on the
 * server. Such a call is answered as `end()` answers it, without the error.
 */

/** The part of a Node `Writable` this needs. */
export interface Endable {
  end(...args: unknown[]): unknown;
  readonly writableFinished: boolean;
  readonly destroyed: boolean;
}

/**
 * Makes `stream.end()` with no arguments return the stream at once when the
 * stream has finished or been destroyed; every other call goes to the
 * stream's own `end`.
 */
export function skipRedundantEnds(stream: Endable): void {
  const end = stream.end;
  stream.end = (...args: unknown[]) =>
    args.length === 0 && (stream.writableFinished || stream.destroyed)
      ? stream
      : end.apply(stream, args);
}
