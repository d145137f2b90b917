/**
 * The room's user list, kept sorted by name as presence deltas arrive. The
 * list used to be rebuilt and re-sorted with `localeCompare` on every delta:
 * with thousands of users and a delta per presence tick, that alone kept a
 * lobby tab's main thread busy most of the time. Here a delta costs a
 * binary search per entry it names (O(log n) comparisons each, with one
 * shared `Intl.Collator`) plus one copy of the array, which the page's
 * signal needs anyway as its new value. Pure functions: the session holds
 * the list.
 */
import {
  USER_STATES,
  type UserInfo,
  type UserState,
  type WireUser,
} from "./protocol.ts";

/** Past this many entries in one delta, one merge beats splicing each. */
const SPLICE_LIMIT = 16;

/** One collator for every comparison: `localeCompare` builds one per call. */
const COLLATOR = new Intl.Collator();

/**
 * The list's order: by the page locale's collation, ties (names the locale
 * treats as equal) broken by code units so the order is total and a binary
 * search finds every name.
 */
export function compareNames(a: string, b: string): number {
  return COLLATOR.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A user list entry as the server sends it (`available` left out). A state
 * this client does not know (a newer server's) reads as `busy`: the server
 * left it out only for someone who can be called, so anything else is not
 * that, and the list must not offer a call it cannot explain.
 */
export function fromWire(user: WireUser): UserInfo {
  const state = user.state ?? "available";
  return {
    name: user.name,
    state: USER_STATES.has(state) ? state as UserState : "busy",
  };
}

/** The `welcome` snapshot as a sorted list. */
export function sortedUsers(users: readonly WireUser[]): UserInfo[] {
  return users.map(fromWire).sort((a, b) => compareNames(a.name, b.name));
}

/** One `presence` frame's changes. */
export interface PresenceChanges {
  joined?: readonly WireUser[];
  left?: readonly string[];
  changed?: readonly WireUser[];
}

/**
 * `list` (sorted by {@linkcode compareNames}) with one delta applied, in the
 * protocol's order (left, then joined, then changed), as a new sorted array;
 * `list` itself is left as it was. Entries naming `me` are skipped: the
 * list holds the others.
 */
export function applyPresence(
  list: readonly UserInfo[],
  { joined = [], left = [], changed = [] }: PresenceChanges,
  me: string | null,
): UserInfo[] {
  let next = list.slice();
  if (left.length > SPLICE_LIMIT) {
    const gone = new Set(left);
    next = next.filter((u) => !gone.has(u.name));
  } else {
    for (const name of left) {
      const at = find(next, name);
      if (at >= 0) next.splice(at, 1);
    }
  }
  const entries = [...joined, ...changed].filter((u) => u.name !== me);
  if (entries.length <= SPLICE_LIMIT) {
    for (const user of entries) {
      const at = find(next, user.name);
      if (at >= 0) next[at] = fromWire(user);
      else next.splice(~at, 0, fromWire(user));
    }
    return next;
  }
  const added: UserInfo[] = [];
  for (const user of entries) {
    const at = find(next, user.name);
    if (at >= 0) next[at] = fromWire(user);
    else added.push(fromWire(user));
  }
  if (added.length === 0) return next;
  added.sort((a, b) => compareNames(a.name, b.name));
  return insertAll(next, dedupe(added));
}

/**
 * Index of `name` in sorted `list`, or `~insertionPoint` (negative) when it
 * is not there.
 */
function find(list: readonly UserInfo[], name: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const order = compareNames(list[mid].name, name);
    if (order === 0) return mid;
    if (order < 0) lo = mid + 1;
    else hi = mid;
  }
  return ~lo;
}

/** Sorted `users` with a repeated name kept once (its last entry). */
function dedupe(users: UserInfo[]): UserInfo[] {
  const out: UserInfo[] = [];
  for (const user of users) {
    if (out.length && out[out.length - 1].name === user.name) {
      out[out.length - 1] = user;
    } else out.push(user);
  }
  return out;
}

/**
 * Sorted `list` with sorted `added` (no name in common) put in: each new
 * entry's place found by binary search, so a storm-sized delta costs
 * k·log n comparisons rather than a comparison per listed user.
 */
function insertAll(
  list: readonly UserInfo[],
  added: readonly UserInfo[],
): UserInfo[] {
  const out: UserInfo[] = [];
  let from = 0;
  for (const user of added) {
    const at = ~find(list, user.name);
    for (let i = from; i < at; i++) out.push(list[i]);
    out.push(user);
    from = at;
  }
  for (let i = from; i < list.length; i++) out.push(list[i]);
  return out;
}
