/**
 * What a KV inbox entry holds, and how queued messages become entries and
 * entries messages again. One entry holds a batch of whole messages
 * (`string[]`), or one piece of a message too large for a value; one
 * commit holds as many entries as KV lets it. Pure: no I/O.
 *
 * KV's limits (checked on Deno 2.9): a value ≤ 65,536 bytes, a commit ≤
 * 819,200 bytes, ≤ 1,000 mutations and ≤ 100 checks; `getMany` and `watch`
 * take ≤ 10 keys. A string can serialize at two bytes per character (V8
 * keeps strings as Latin-1 or UTF-16), so sizes are estimated at that.
 */

import type { InstanceId } from "./broker.ts";

/** An inbox value: a batch of whole messages, or one piece of a large one. */
export type InboxValue = string[] | { part: string; last: boolean };

const VALUE_BYTES = 60 * 1024;
const COMMIT_BYTES = 760 * 1024;
/** Mutations in one commit at most. */
export const MAX_MUTATIONS = 1000;
/** Checks in one commit at most. */
export const MAX_CHECKS = 100;
/** Keys one `getMany` takes at most. */
export const MANY = 10;
const FRAGMENT_CHARS = VALUE_BYTES / 2 - 64;
/** Per-string serialization overhead, generously. */
const STRING_OVERHEAD = 16;

/** One commit's worth of a queue, from {@linkcode packBatch}. */
export interface Batch {
  /** The entries' values, in order. */
  values: InboxValue[];
  /** How many messages from the queue's start they hold or skipped. */
  taken: number;
}

/**
 * Packs the longest prefix of `queue` that fits one commit into values
 * under the value size; a message too large for one value becomes pieces
 * in consecutive entries of the same commit. A message too large for any
 * commit is skipped (counted in `taken`) and its length passed to
 * `tooLarge`.
 */
export function packBatch(
  queue: readonly string[],
  tooLarge: (chars: number) => void,
): Batch {
  const values: InboxValue[] = [];
  let current: string[] = [];
  let currentBytes = 0;
  let commitBytes = 0;
  let taken = 0;
  for (; taken < queue.length; taken++) {
    const message = queue[taken];
    const bytes = message.length * 2 + STRING_OVERHEAD;
    if (bytes > VALUE_BYTES) {
      const pieces = Math.ceil(message.length / FRAGMENT_CHARS);
      const need = bytes + pieces * STRING_OVERHEAD;
      if (need > COMMIT_BYTES) {
        tooLarge(message.length);
        continue;
      }
      if (commitBytes + currentBytes + need > COMMIT_BYTES) break;
      if (current.length > 0) values.push(current);
      commitBytes += currentBytes + need;
      current = [];
      currentBytes = 0;
      for (let i = 0; i < pieces; i++) {
        const part = message.slice(
          i * FRAGMENT_CHARS,
          (i + 1) * FRAGMENT_CHARS,
        );
        values.push({ part, last: i === pieces - 1 });
      }
      continue;
    }
    if (currentBytes + bytes > VALUE_BYTES) {
      values.push(current);
      commitBytes += currentBytes;
      current = [];
      currentBytes = 0;
    }
    if (
      commitBytes + currentBytes + bytes > COMMIT_BYTES ||
      values.length + 2 >= MAX_MUTATIONS
    ) break;
    current.push(message);
    currentBytes += bytes;
  }
  if (current.length > 0) values.push(current);
  return { values, taken };
}

/** Puts large messages back together from their pieces, per sender. */
export class Reassembly {
  /** Pieces of a large message from each sender, until its last piece. */
  readonly #partial = new Map<InstanceId, string[]>();

  /** The whole messages `value` from `from` completes, in order. */
  messages(from: InstanceId, value: InboxValue): readonly string[] {
    if (Array.isArray(value)) return value;
    const pieces = this.#partial.get(from) ?? [];
    pieces.push(value.part);
    if (!value.last) {
      this.#partial.set(from, pieces);
      return [];
    }
    this.#partial.delete(from);
    return [pieces.join("")];
  }
}
