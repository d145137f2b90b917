/**
 * The name and resume token of this tab, kept in `sessionStorage` so that a
 * reload joins again by itself, under the same name.
 *
 * Why the token matters on reload: a page that goes away normally closes its
 * socket cleanly and the server frees the name at once, but a reload while
 * the socket was already down (the usual reason to reload) leaves the old
 * session detached and holding the name for the grace period. Only the
 * token gets that session back instead of a "name 2".
 *
 * `sessionStorage` (not `localStorage`): it belongs to one tab, and the
 * token is single-use, so two tabs must never share one. A duplicated tab
 * does copy it; {@link loadSavedSession} callers pass `withToken: false`
 * unless the page was reloaded, so the copy joins as a new session.
 */

/** The part of `Storage` used here, so tests can pass a Map-backed fake. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What is remembered for one room. */
export interface SavedSession {
  name: string;
  resume?: string;
}

/** Storage key for a room ("" is the lobby). */
export function savedSessionKey(room: string): string {
  return `parley.session.${room}`;
}

/**
 * The saved session for `room`, or null. Storage that throws (disabled,
 * private mode) or holds something unexpected counts as empty.
 */
export function loadSavedSession(
  store: KeyValueStore | null,
  room: string,
  { withToken = true } = {},
): SavedSession | null {
  if (!store) return null;
  let value: unknown;
  try {
    value = JSON.parse(store.getItem(savedSessionKey(room)) ?? "null");
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { name, resume } = value as { name?: unknown; resume?: unknown };
  if (typeof name !== "string" || name === "") return null;
  return withToken && typeof resume === "string" && resume !== ""
    ? { name, resume }
    : { name };
}

/**
 * Key of the name last used in this tab, in any room: it fills in the name
 * form of a room not joined yet (the session of a room joined before
 * rejoins by itself).
 */
export const LAST_NAME_KEY = "parley.name";

/** The name last used in this tab, in any room, or null. */
export function loadLastName(store: KeyValueStore | null): string | null {
  try {
    return store?.getItem(LAST_NAME_KEY) || null;
  } catch {
    return null;
  }
}

/**
 * Remembers the session for `room`, and its name as the last one used;
 * storage errors are ignored.
 */
export function saveSession(
  store: KeyValueStore | null,
  room: string,
  session: SavedSession,
): void {
  try {
    store?.setItem(savedSessionKey(room), JSON.stringify(session));
    store?.setItem(LAST_NAME_KEY, session.name);
  } catch {
    // Full or disabled storage: a reload will show the name form instead.
  }
}

/** Forgets the session for `room` (e.g. the name was refused). */
export function forgetSession(store: KeyValueStore | null, room: string): void {
  try {
    store?.removeItem(savedSessionKey(room));
  } catch {
    // Nothing to forget if storage is unusable.
  }
}
