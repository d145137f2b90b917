/**
 * The messages a broker was asked to send and has not handed to its store
 * yet: per receiver, in send order, bounded in messages (the broker's
 * {@linkcode OutageLog} decides, and counts and logs what it refuses) and,
 * when the caller says so, in characters. Both brokers queue their sends
 * here; pure bookkeeping, no I/O.
 */

import type { InstanceId } from "./broker.ts";
import type { OutageLog } from "./outage_log.ts";

/** See the module doc. */
export class PendingSends {
  readonly #outage: Pick<OutageLog, "admits">;
  readonly #charsLimit: number;
  #queues = new Map<InstanceId, string[]>();
  #count = 0;
  #chars = 0;

  /**
   * @param outage admits a send beside the ones queued, or refuses it
   * @param charsLimit characters queued at most, where the caller asks
   */
  constructor(outage: Pick<OutageLog, "admits">, charsLimit = Infinity) {
    this.#outage = outage;
    this.#charsLimit = charsLimit;
  }

  /** Messages queued, over all receivers. */
  get count(): number {
    return this.#count;
  }

  /** Characters queued, over all receivers. */
  get chars(): number {
    return this.#chars;
  }

  /**
   * Queues `message` for `to` unless the buffer is full; says whether it
   * did. `bounded`: whether the character bound applies to this send.
   */
  add(to: InstanceId, message: string, bounded = true): boolean {
    const full = bounded && this.#chars + message.length > this.#charsLimit;
    if (!this.#outage.admits(full ? Infinity : this.#count)) return false;
    const queue = this.#queues.get(to);
    if (queue) queue.push(message);
    else this.#queues.set(to, [message]);
    this.#count++;
    this.#chars += message.length;
    return true;
  }

  /** What is queued for `to`, oldest first; empty when nothing is. */
  peek(to: InstanceId): readonly string[] {
    return this.#queues.get(to) ?? [];
  }

  /** Lets go of the `count` oldest messages queued for `to`. */
  drop(to: InstanceId, count: number): void {
    const queue = this.#queues.get(to);
    if (!queue || count <= 0) return;
    const gone = queue.splice(0, count);
    this.#count -= gone.length;
    for (const message of gone) this.#chars -= message.length;
    if (queue.length === 0) this.#queues.delete(to);
  }

  /** Takes everything queued, per receiver in send order. */
  takeAll(): Map<InstanceId, string[]> {
    const queues = this.#queues;
    this.#queues = new Map();
    this.#count = this.#chars = 0;
    return queues;
  }
}
