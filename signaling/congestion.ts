/**
 * The slow-reader policy of one socket, without the socket: frames go
 * straight through while the socket's backlog (bytes written to it that it
 * could not yet hand to the kernel) is under a soft limit; above it, room
 * traffic waits in a {@linkcode PriorityOutbox} (presence coalesced, chat
 * bounded and counted) and call frames still go straight through, ahead of
 * it. The reader is too slow for its session only when a call frame finds
 * the backlog past the hard limit: by then room traffic has not been written
 * for a long while, so that backlog is its own call's signalling, unread.
 *
 * What the kernel's send buffer already holds is out of reach: a call frame
 * still queues behind that, so the gate bounds how much room traffic joins
 * it, not how long the kernel takes to pass it on.
 *
 * The transport wires it into its sink:
 *
 * ```ts
 * const gate = new CongestionGate({
 *   softBytes: config.slowReaderBytes,
 *   hardBytes: config.maxBufferedBytes,
 *   backlog: () => ws.bufferedAmount,
 *   write: (frame) => ws.send(frame),
 * });
 * // sink.send(frame):
 * if (gate.send(frame) === "overflow") kick(1008, "too slow");
 * // on the socket's 'drain' event:
 * gate.drained();
 * // when the socket closes:
 * gate.dispose();
 * ```
 */

import { classifyFrame, type OutboxLimits, PriorityOutbox } from "./outbox.ts";

/** What {@linkcode CongestionGate.send} did with a frame. */
export type GateResult =
  /** Written to the socket. */
  | "sent"
  /** Held until the backlog falls (room traffic only). */
  | "queued"
  /** A call frame met a backlog past the hard limit: close the session. */
  | "overflow";

/** What a {@linkcode CongestionGate} needs from its socket and settings. */
export interface CongestionGateOptions {
  /** Backlog above which room traffic waits (`SIGNALING_SLOW_READER_BYTES`). */
  softBytes: number;
  /** Backlog at which a call frame ends the session (`SIGNALING_MAX_BUFFERED_BYTES`). */
  hardBytes: number;
  /** Bytes written to the socket and not yet sent; read as rarely as possible. */
  backlog(): number;
  /** Writes one frame to the socket. */
  write(frame: string): void;
  /** Bounds of the room-traffic queue (its call part is never used here). */
  limits?: Partial<OutboxLimits>;
}

/**
 * Upper bound of the backlog bytes one frame adds: 3 bytes of UTF-8 per
 * UTF-16 unit covers the text and, for any frame of 2 units or more, the
 * WebSocket header too.
 */
const BYTES_PER_UNIT = 3;

/** See the module doc. */
export class CongestionGate {
  readonly #options: CongestionGateOptions;
  readonly #soft: number;
  readonly #hard: number;
  /** Created on first congestion: most sockets never need one. */
  #outbox: PriorityOutbox | null = null;
  /**
   * An upper bound of the backlog: what it was when last read plus what was
   * written since. Reading the real one is a call into the socket layer, so
   * it is read only once this bound passes a limit.
   */
  #atMost = 0;
  #overflowed = false;

  constructor(options: CongestionGateOptions) {
    this.#options = options;
    this.#hard = options.hardBytes;
    this.#soft = Math.min(options.softBytes, options.hardBytes);
  }

  /**
   * Writes `frame` now, or holds it while the reader is behind (room
   * traffic), or reports that the reader is too slow for its session.
   * After an `"overflow"` every frame is refused the same way.
   */
  send(frame: string): GateResult {
    if (this.#overflowed) return "overflow";
    const box = this.#outbox;
    if ((box === null || box.empty) && this.#under(this.#soft)) {
      this.#write(frame);
      return "sent";
    }
    if (classifyFrame(frame) === "call") {
      // Ahead of any room traffic waiting here: a call must not wait for
      // chat. Behind what the socket already holds, to which room traffic
      // stopped being added at the soft limit.
      if (this.#under(this.#hard)) {
        this.#write(frame);
        return "sent";
      }
      this.#overflow();
      return "overflow";
    }
    const outbox = this.#outbox ??= new PriorityOutbox(this.#options.limits);
    // Refused only for a forged prefix (outbox.ts) past the call bound.
    if (!outbox.push(frame)) {
      this.#overflow();
      return "overflow";
    }
    this.#flush();
    return outbox.empty ? "sent" : "queued";
  }

  /** The socket sent its backlog (its 'drain' event): write what waits. */
  drained(): void {
    if (!this.#overflowed) this.#flush();
  }

  /** Whether room traffic is waiting for the backlog to fall. */
  get waiting(): boolean {
    return this.#outbox !== null && !this.#outbox.empty;
  }

  /** Room chat dropped so far (both dialects). */
  get droppedChats(): number {
    return this.#outbox?.droppedChats ?? 0;
  }

  /** Forgets what waits (the socket closed). */
  dispose(): void {
    this.#outbox = null;
  }

  /** Whether the backlog is under `limit`, reading it only when in doubt. */
  #under(limit: number): boolean {
    if (this.#atMost < limit) return true;
    this.#atMost = this.#options.backlog();
    return this.#atMost < limit;
  }

  #write(frame: string): void {
    this.#atMost += frame.length * BYTES_PER_UNIT;
    this.#options.write(frame);
  }

  #flush(): void {
    const box = this.#outbox;
    if (box === null) return;
    while (!box.empty && this.#under(this.#soft)) this.#write(box.shift()!);
  }

  #overflow(): void {
    this.#overflowed = true;
    this.dispose();
  }
}
