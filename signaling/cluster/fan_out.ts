/**
 * Sending to other instances, for sockets there in rooms that run here.
 *
 * The relay sends one frame object to a whole room in a row (a presence
 * delta, a chat line): such a run goes to each instance as one `sendMany`
 * message naming all its sockets, so a room of 1,000 costs one message per
 * instance, not 1,000. Any other message to an instance goes behind the
 * frames already queued for it, so the order the relay chose holds.
 */

import type { InstanceId } from "./broker.ts";
import { encodeWire, sendWire } from "./wire.ts";

/** The frame being sent to a run of one instance's sockets. */
interface Run {
  frame: string;
  /** The first socket; most runs (a frame for one peer) have no other. */
  first: number;
  /** The others, in order, once there are any. */
  more: Set<number> | null;
}

/** Batches frames per instance into `send`/`sendMany` messages. */
export class FanOut {
  readonly #send: (to: InstanceId, message: string) => void;
  readonly #runs = new Map<InstanceId, Run>();
  #scheduled = false;

  /** `send` hands one wire message to the broker. */
  constructor(send: (to: InstanceId, message: string) => void) {
    this.#send = send;
  }

  /**
   * Queues `frame` for socket `edgeConn` on instance `to`; what is still
   * queued at the end of the current task goes out then.
   */
  frame(to: InstanceId, edgeConn: number, frame: string): void {
    const run = this.#runs.get(to);
    if (
      run && run.frame === frame && run.first !== edgeConn &&
      !run.more?.has(edgeConn)
    ) {
      (run.more ??= new Set()).add(edgeConn);
      return;
    }
    if (run) this.#flushRun(to, run);
    this.#runs.set(to, { frame, first: edgeConn, more: null });
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        this.flush();
      });
    }
  }

  /** Sends any other wire message to `to`, behind the frames queued for it. */
  message(to: InstanceId, message: string): void {
    const run = this.#runs.get(to);
    if (run) this.#flushRun(to, run);
    this.#send(to, message);
  }

  /** Sends every queued run now. */
  flush(): void {
    for (const [to, run] of this.#runs) this.#flushRun(to, run);
  }

  #flushRun(to: InstanceId, run: Run): void {
    this.#runs.delete(to);
    this.#send(
      to,
      run.more === null ? sendWire(run.first, run.frame) : encodeWire({
        kind: "sendMany",
        conns: [run.first, ...run.more],
        frame: run.frame,
      }),
    );
  }
}
