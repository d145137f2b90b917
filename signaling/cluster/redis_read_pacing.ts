/**
 * How the Redis broker's reader paces the chores around its inbox stream,
 * and what it makes of an `XREAD` reply. Trimming what was read is only
 * tidying (`MAXLEN` bounds the inbox): it happens now and then while busy,
 * and once the inbox goes quiet, rather than with every read. Telling the
 * senders how far it has read likewise: now and then while busy, and after
 * every read that comes back empty; senders ask for it every `ACK_POLL_MS`
 * (`sent_until_read.ts`), so saying it after every read costs two commands
 * per batch for nothing. Pure: the caller passes the time.
 */

/** How often a busy reader trims what it has read from its inbox. */
const TRIM_EVERY_MS = 250;
/** How often a busy reader tells the senders how far it has read. */
const ACK_EVERY_MS = 20;

/** One stream entry: its id and its field/value list. */
export type StreamEntry = [id: string, fields: string[]];

/** What to do after one read, besides reading again. */
export interface AfterRead {
  /** Trim the inbox up to {@linkcode ReadPacing.last}. */
  trim: boolean;
  /** Write how far each sender has been read. */
  acknowledge: boolean;
}

/** The reader's position in its inbox and its chores; see the module doc. */
export class ReadPacing {
  #last = "0-0";
  #untrimmed = false;
  #trimmedAt = -Infinity;
  #ackedAt = -Infinity;

  /** The id of the last entry read; reading goes on after it. */
  get last(): string {
    return this.#last;
  }

  /** A read at `now` returned `entries` (none when it timed out). */
  read(entries: readonly StreamEntry[], now: number): AfterRead {
    if (entries.length > 0) {
      this.#last = entries[entries.length - 1][0];
      this.#untrimmed = true;
    }
    const quiet = entries.length === 0;
    const trim = this.#untrimmed &&
      (quiet || now - this.#trimmedAt >= TRIM_EVERY_MS);
    if (trim) {
      this.#trimmedAt = now;
      this.#untrimmed = false;
    }
    const acknowledge = quiet || now - this.#ackedAt >= ACK_EVERY_MS;
    if (acknowledge) this.#ackedAt = now;
    return { trim, acknowledge };
  }
}

/** The entries of an `XREAD` reply (none when it timed out). */
export function streamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const [, stream] of reply as [string, StreamEntry[]][]) {
    for (const entry of stream) entries.push(entry);
  }
  return entries;
}

/** The stream id right after `id`: `XTRIM MINID` of it keeps nothing up to `id`. */
export function idAfter(id: string): string {
  const [ms, seq] = id.split("-");
  return `${ms}-${Number(seq) + 1}`;
}

/** The message an entry carries in its `d` field, if it has one. */
export function entryPayload(fields: readonly string[]): string | null {
  const at = fields.indexOf("d");
  return at >= 0 ? fields[at + 1] : null;
}
