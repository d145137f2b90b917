/**
 * One entry of a Redis inbox stream: the messages one sender queued for one
 * receiver in one go, with the number of the first in that sender →
 * receiver order (see `redis_outbox.ts`).
 *
 * `<sender>\n<first number>\n` and then each message as `<length>:<text>`,
 * the length in UTF-16 code units. The messages are mostly JSON frames: put
 * into a JSON array they would be escaped on the way out and unescaped on
 * the way in, which costs more than the rest of the entry's handling; here
 * they are concatenated and sliced out as they are.
 */

import type { HeldEntry } from "./unacked.ts";

/** A decoded entry. */
export interface InboxEntry {
  /** The sending instance. */
  from: string;
  /** The number of the first message in the sender → receiver order. */
  first: number;
  messages: string[];
}

/**
 * Encodes `messages[start, end)` from `sender`, numbered from `first`
 * (`messages[start]`'s number).
 */
export function encodeEntry(
  sender: string,
  first: number,
  messages: readonly string[],
  start = 0,
  end = messages.length,
): string {
  let text = `${sender}\n${first}\n`;
  for (let i = start; i < end; i++) {
    text += `${messages[i].length}:${messages[i]}`;
  }
  return text;
}

/**
 * `messages` from `sender`, numbered from `first`, as entries of at most
 * `maxChars` characters of messages each, or of one longer message.
 */
export function encodeEntries(
  sender: string,
  first: number,
  messages: readonly string[],
  maxChars: number,
): HeldEntry[] {
  const entries: HeldEntry[] = [];
  for (let start = 0, end = 0; start < messages.length; start = end) {
    let chars = 0;
    do chars += messages[end++].length; while (
      end < messages.length && chars + messages[end].length <= maxChars
    );
    const seq = first + start;
    const payload = encodeEntry(sender, seq, messages, start, end);
    entries.push({ first: seq, count: end - start, payload });
  }
  return entries;
}

/**
 * Decodes an entry, or returns `null` when `text` is not one (something
 * else wrote to the stream): the caller drops it.
 */
export function decodeEntry(text: string): InboxEntry | null {
  const first = text.indexOf("\n");
  const second = first < 0 ? -1 : text.indexOf("\n", first + 1);
  if (first <= 0 || second < 0) return null;
  const number = digits(text, first + 1, second);
  if (number < 1) return null;
  const messages: string[] = [];
  let at = second + 1;
  while (at < text.length) {
    const colon = text.indexOf(":", at);
    const length = colon < 0 ? -1 : digits(text, at, colon);
    const end = colon + 1 + length;
    if (length < 0 || end > text.length) return null;
    messages.push(text.slice(colon + 1, end));
    at = end;
  }
  return { from: text.slice(0, first), first: number, messages };
}

/** The decimal number in `text[start, end)`, or -1 if it is not one. */
function digits(text: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
