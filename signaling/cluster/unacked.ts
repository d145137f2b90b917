/**
 * What a sender keeps of the messages it handed to the store until their
 * receiver says it has read them: the store's word that it took a message
 * (an `XADD` reply) is not enough, since a store that restarts empty loses
 * what it took but nobody read yet. After such a loss the sender sends
 * everything still held again, in order, and the receiver skips the numbers
 * it already has.
 *
 * Bounded in messages and in characters. Past either bound the oldest held
 * message of the receiver holding the most goes; were it lost too, its
 * receiver sees the gap in the numbers and resyncs, as before this existed.
 * Pure bookkeeping: no timers and no I/O, so the broker decides when.
 */

import type { InstanceId } from "./broker.ts";

/** A message and its number in the sender → receiver sequence. */
export type Numbered = [seq: number, message: string];

/** Bounds on what {@linkcode UnackedMessages} holds, summed over receivers. */
export interface UnackedLimits {
  /** Messages held at most. */
  messages: number;
  /** Characters of messages held at most. */
  chars: number;
}

/** One receiver's held messages, oldest first, from `head` on. */
interface Held {
  items: Numbered[];
  head: number;
  chars: number;
  /** When the receiver's acknowledgement last moved (or the first was held). */
  progressAt: number;
  resend: boolean;
}

/** Sent but unacknowledged messages per receiver; see the module doc. */
export class UnackedMessages {
  readonly #limits: UnackedLimits;
  readonly #held = new Map<InstanceId, Held>();
  #count = 0;
  #chars = 0;
  #evicted = 0;

  constructor(limits: UnackedLimits) {
    this.#limits = limits;
  }

  /** Messages held, over all receivers. */
  get size(): number {
    return this.#count;
  }

  /** Characters held, over all receivers. */
  get chars(): number {
    return this.#chars;
  }

  /** Messages let go unacknowledged to stay within the bounds, ever. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Receivers with messages held. */
  receivers(): InstanceId[] {
    return [...this.#held.keys()];
  }

  /**
   * Holds `messages` (numbered consecutively after those held for `to`),
   * then lets the oldest go while over a bound.
   */
  add(to: InstanceId, messages: Numbered[], now: number): void {
    let held = this.#held.get(to);
    if (!held) {
      held = { items: [], head: 0, chars: 0, progressAt: now, resend: false };
      this.#held.set(to, held);
    }
    for (const numbered of messages) {
      held.items.push(numbered);
      held.chars += numbered[1].length;
      this.#chars += numbered[1].length;
    }
    this.#count += messages.length;
    while (
      this.#count > this.#limits.messages || this.#chars > this.#limits.chars
    ) {
      this.#evictOldestOfLargest();
    }
  }

  /** `to` has read every message numbered below `next`: let those go. */
  ack(to: InstanceId, next: number, now: number): void {
    const held = this.#held.get(to);
    if (!held) return;
    const before = held.head;
    while (held.head < held.items.length && held.items[held.head][0] < next) {
      this.#dropHead(held);
    }
    if (held.head === before) return;
    held.progressAt = now;
    this.#compact(to, held);
  }

  /** Everything held, for every receiver, goes out again at the next chance. */
  resendAll(): void {
    for (const held of this.#held.values()) held.resend = true;
  }

  /** Everything held for `to` goes out again at the next chance. */
  resend(to: InstanceId): void {
    const held = this.#held.get(to);
    if (held) held.resend = true;
  }

  /** Whether some receiver's messages wait to be sent again. */
  get resendDue(): boolean {
    for (const held of this.#held.values()) if (held.resend) return true;
    return false;
  }

  /**
   * The receivers whose messages are to be sent again, each with what it
   * holds for them, oldest first; they stay held until acknowledged.
   */
  takeResends(): [InstanceId, Numbered[]][] {
    const out: [InstanceId, Numbered[]][] = [];
    for (const [to, held] of this.#held) {
      if (!held.resend) continue;
      held.resend = false;
      out.push([to, held.items.slice(held.head)]);
    }
    return out;
  }

  /**
   * Lets go of everything held for receivers whose acknowledgement has not
   * moved for `maxAgeMs`: such a receiver is gone, or so far behind that
   * its inbox would have been trimmed anyway.
   */
  forgetStale(now: number, maxAgeMs: number): void {
    for (const [to, held] of [...this.#held]) {
      if (now - held.progressAt < maxAgeMs) continue;
      this.#count -= held.items.length - held.head;
      this.#chars -= held.chars;
      this.#evicted += held.items.length - held.head;
      this.#held.delete(to);
    }
  }

  #evictOldestOfLargest(): void {
    let largest: [InstanceId, Held] | null = null;
    for (const entry of this.#held) {
      const size = entry[1].items.length - entry[1].head;
      if (!largest || size > largest[1].items.length - largest[1].head) {
        largest = entry;
      }
    }
    if (!largest) return;
    this.#dropHead(largest[1]);
    this.#evicted++;
    this.#compact(largest[0], largest[1]);
  }

  #dropHead(held: Held): void {
    const chars = held.items[held.head++][1].length;
    held.chars -= chars;
    this.#chars -= chars;
    this.#count--;
  }

  /** Forgets an emptied receiver; reclaims a queue's dropped front. */
  #compact(to: InstanceId, held: Held): void {
    if (held.head === held.items.length) {
      this.#held.delete(to);
    } else if (held.head > 1024 && held.head * 2 > held.items.length) {
      held.items = held.items.slice(held.head);
      held.head = 0;
    }
  }
}
