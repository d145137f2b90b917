/**
 * The numbers that order what one sender sends one receiver, on both sides:
 * the sender numbers each receiver's messages (or entries) on from the last,
 * and the receiver keeps, per sender, the next number it expects, so that it
 * can skip what it already has (a retry or a resend that landed twice) and
 * notice what never arrived. Both brokers keep one of each; pure
 * bookkeeping, no I/O.
 */

import type { InstanceId } from "./broker.ts";

/** The sender's side: the next number per receiver. */
export class OutgoingNumbers {
  readonly #first: number;
  readonly #next = new Map<InstanceId, number>();
  /** Sends refused since the last {@linkcode OutgoingNumbers.skipRefused}. */
  readonly #refused = new Map<InstanceId, number>();

  /** @param first the number of each receiver's first message */
  constructor(first: number) {
    this.#first = first;
  }

  /** Numbers the next `count` for `to`; returns the first of them. */
  take(to: InstanceId, count: number): number {
    const first = this.#next.get(to) ?? this.#first;
    this.#next.set(to, first + count);
    return first;
  }

  /**
   * One message to `to` was refused. Its number is used all the same, at
   * the next {@linkcode OutgoingNumbers.skipRefused}, so that the receiver
   * sees the loss as a gap.
   */
  refused(to: InstanceId): void {
    this.#refused.set(to, (this.#refused.get(to) ?? 0) + 1);
  }

  /** Uses up the numbers of the sends refused since last time. */
  skipRefused(): void {
    for (const [to, count] of this.#refused) this.take(to, count);
    this.#refused.clear();
  }
}

/** What {@linkcode IncomingNumbers.receive} makes of a run of numbers. */
export interface Receipt {
  /** How many at the run's start the receiver already had: skip them. */
  known: number;
  /** How many numbers before the run never arrived. */
  missed: number;
}

/** The receiver's side: the next number expected per sender. */
export class IncomingNumbers {
  readonly #first: number;
  readonly #next = new Map<InstanceId, number>();

  /** @param first the number of each sender's first message */
  constructor(first: number) {
    this.#first = first;
  }

  /** The next number expected from `from`. */
  next(from: InstanceId): number {
    return this.#next.get(from) ?? this.#first;
  }

  /**
   * `count` numbered from `first` arrived from `from`. Says which of them
   * are known already and how many before them are missing; the next
   * expected number moves past the run (never back).
   */
  receive(from: InstanceId, first: number, count: number): Receipt {
    const expected = this.next(from);
    this.#next.set(from, Math.max(expected, first + count));
    return {
      known: Math.min(count, Math.max(0, expected - first)),
      missed: Math.max(0, first - expected),
    };
  }
}
