/**
 * What a sender keeps of the entries it handed to the store until their
 * receiver says it has read them: the store's word that it took an entry
 * (an `XADD` reply) is not enough, since a store that restarts empty loses
 * what it took but nobody read yet. After such a loss the sender sends
 * everything still held again, in order, and the receiver skips the numbers
 * it already has.
 *
 * Held as written, one encoded entry per `XADD`: sending again is writing
 * the same strings again, and what stays alive meanwhile is one object per
 * entry, not one per message. So an entry goes only once its receiver has
 * read all of it; one partly read is sent again whole, and the receiver
 * skips the part it has.
 *
 * Bounded in messages and in characters. Past either bound the oldest held
 * entry of the receiver holding the most goes; were it lost too, its
 * receiver sees the gap in the numbers and resyncs, as before this existed.
 * Pure bookkeeping: no timers and no I/O, so the broker decides when.
 */

import type { InstanceId } from "./broker.ts";

/** One inbox entry as written: `count` messages numbered from `first`. */
export interface HeldEntry {
  /** The number of its first message in the sender → receiver order. */
  first: number;
  /** Messages in it. */
  count: number;
  /** The entry's text, as written to the store (see `inbox_entry.ts`). */
  payload: string;
}

/** Bounds on what {@linkcode UnackedMessages} holds, summed over receivers. */
export interface UnackedLimits {
  /** Messages held at most. */
  messages: number;
  /** Characters of entries (their payloads) held at most. */
  chars: number;
}

/** What stands in for an entry let go, so that its payload is not kept. */
const GONE: HeldEntry = { first: 0, count: 0, payload: "" };

/** One receiver's held entries, oldest first, from `head` on. */
interface Held {
  entries: HeldEntry[];
  head: number;
  /** Messages in the entries from `head` on. */
  count: number;
  chars: number;
  /** When the receiver's acknowledgement last moved (or the first was held). */
  progressAt: number;
  resend: boolean;
}

/** Sent but unacknowledged entries per receiver; see the module doc. */
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

  /** Receivers with entries held. */
  receivers(): InstanceId[] {
    return [...this.#held.keys()];
  }

  /**
   * Holds `entries` (numbered on from those held for `to`), then lets the
   * oldest go while over a bound.
   */
  add(to: InstanceId, entries: readonly HeldEntry[], now: number): void {
    let held = this.#held.get(to);
    if (!held) {
      held = {
        entries: [],
        head: 0,
        count: 0,
        chars: 0,
        progressAt: now,
        resend: false,
      };
      this.#held.set(to, held);
    }
    for (const entry of entries) {
      held.entries.push(entry);
      held.count += entry.count;
      held.chars += entry.payload.length;
      this.#count += entry.count;
      this.#chars += entry.payload.length;
    }
    while (
      this.#count > this.#limits.messages || this.#chars > this.#limits.chars
    ) {
      this.#evictOldestOfLargest();
    }
  }

  /**
   * `to` has read every message numbered below `next`: let go of the
   * entries it has read all of.
   */
  ack(to: InstanceId, next: number, now: number): void {
    const held = this.#held.get(to);
    if (!held) return;
    const before = held.head;
    while (held.head < held.entries.length) {
      const entry = held.entries[held.head];
      if (entry.first + entry.count > next) break;
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

  /**
   * The receivers whose entries are to be sent again, each with what it
   * holds for them, oldest first; they stay held until acknowledged.
   */
  takeResends(): [InstanceId, HeldEntry[]][] {
    const out: [InstanceId, HeldEntry[]][] = [];
    for (const [to, held] of this.#held) {
      if (!held.resend) continue;
      held.resend = false;
      out.push([to, held.entries.slice(held.head)]);
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
      this.#count -= held.count;
      this.#chars -= held.chars;
      this.#evicted += held.count;
      this.#held.delete(to);
    }
  }

  #evictOldestOfLargest(): void {
    let largest: [InstanceId, Held] | null = null;
    for (const entry of this.#held) {
      if (!largest || entry[1].count > largest[1].count) largest = entry;
    }
    if (!largest) return;
    this.#evicted += this.#dropHead(largest[1]);
    this.#compact(largest[0], largest[1]);
  }

  /** Lets go of the oldest held entry; returns its message count. */
  #dropHead(held: Held): number {
    const { count, payload } = held.entries[held.head];
    held.entries[held.head++] = GONE;
    held.count -= count;
    held.chars -= payload.length;
    this.#count -= count;
    this.#chars -= payload.length;
    return count;
  }

  /** Forgets an emptied receiver; reclaims a queue's dropped front. */
  #compact(to: InstanceId, held: Held): void {
    if (held.head === held.entries.length) {
      this.#held.delete(to);
    } else if (held.head > 1024 && held.head * 2 > held.entries.length) {
      held.entries = held.entries.slice(held.head);
      held.head = 0;
    }
  }
}
