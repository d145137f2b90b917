/**
 * Where the KV broker keeps what:
 *
 * - Inbox entries: `["parley","inbox",<to>,<from>,<seq>]`, `seq` counting
 *   up per sender and receiver, so listing the range yields each sender's
 *   entries in order (`kv_inbox_values.ts` says what one holds). Entries
 *   expire after `inboxTtlMs`, so a dead instance's inbox goes away.
 * - `["parley","inbox-version",<to>]` is rewritten in the same commit as
 *   the entries; the receiver watches only this key (`kv_inbox.ts`).
 * - Leases `["parley","room",<room>]` = `{ owner, until }` and liveness
 *   `["parley","alive",<id>]` = `{ until }` (`kv_leases.ts`). KV expires keys
 *   lazily, so a value whose `until` has passed counts as absent; `expireIn`
 *   only cleans up.
 */

import type { InstanceId } from "./broker.ts";

type Key = Deno.KvKey;

/** What a lease key holds. */
export interface Lease {
  owner: InstanceId;
  until: number;
}

/** What a liveness key holds. */
export interface AliveMark {
  until: number;
}

/** One entry of `to`'s inbox. */
export function inboxKey(to: InstanceId, from: InstanceId, seq: number): Key {
  return ["parley", "inbox", to, from, seq];
}

/** Every entry of `to`'s inbox. */
export function inboxPrefix(to: InstanceId): Key {
  return ["parley", "inbox", to];
}

/** The key `to` watches for new entries. */
export function versionKey(to: InstanceId): Key {
  return ["parley", "inbox-version", to];
}

/** `room`'s lease. */
export function roomKey(room: string): Key {
  return ["parley", "room", room];
}

/** `id`'s liveness mark. */
export function aliveKey(id: InstanceId): Key {
  return ["parley", "alive", id];
}

/** The value if it has not expired yet (KV deletes expired keys lazily). */
export function current<T extends { until: number }>(
  value: T | null,
  now: number,
): T | null {
  return value !== null && value.until > now ? value : null;
}
