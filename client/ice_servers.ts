/**
 * When the TURN credentials from `welcome.iceServers` need replacing.
 *
 * The server mints them in coturn's REST scheme: the username starts with
 * the expiry as Unix seconds (`<expiry>:<name>`). coturn refuses an expired
 * username with 401 and the browser then quietly gathers no relay
 * candidates, so a call that starts (or restarts ICE) on old credentials
 * loses its relay without any error a person would see. Asking for fresh
 * ones (`{type: "ice-servers"}`) before that happens is cheap.
 *
 * Times are compared with the page's clock; a badly skewed clock only makes
 * refreshes happen earlier or later, never breaks a call on its own.
 */

/** Refresh when less than this is left of a credential's life. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** Never refresh more often than this during a call. */
export const MIN_REFRESH_GAP_MS = 10_000;

const EXPIRY_PREFIX = /^(\d{9,12}):/;

/**
 * Earliest expiry (ms since the epoch) of the time-limited credentials in
 * `servers`, or null when none carries an expiry (STUN only, static TURN
 * passwords).
 */
export function credentialExpiry(
  servers: readonly RTCIceServer[],
): number | null {
  let earliest: number | null = null;
  for (const server of servers) {
    const match = typeof server.username === "string"
      ? EXPIRY_PREFIX.exec(server.username)
      : null;
    if (!match) continue;
    const at = Number(match[1]) * 1000;
    if (earliest === null || at < earliest) earliest = at;
  }
  return earliest;
}

/**
 * Whether a call starting at `now` should ask for fresh servers first:
 * past half of the credentials' life as received at `receivedAt`, or within
 * {@link REFRESH_MARGIN_MS} of their expiry.
 */
export function staleForNewCall(
  servers: readonly RTCIceServer[],
  receivedAt: number,
  now: number,
): boolean {
  const expiry = credentialExpiry(servers);
  if (expiry === null) return false;
  const halfLife = receivedAt + (expiry - receivedAt) / 2;
  return now >= halfLife || expiry - now < REFRESH_MARGIN_MS;
}

/**
 * When to refresh during a long call, so that an ICE restart late in the
 * call still gets a relay: {@link REFRESH_MARGIN_MS} before expiry, but not
 * before half of the life (short lifetimes would otherwise refresh in a
 * loop) and never sooner than {@link MIN_REFRESH_GAP_MS} after `receivedAt`.
 * Null when nothing expires.
 */
export function refreshDueAt(
  servers: readonly RTCIceServer[],
  receivedAt: number,
): number | null {
  const expiry = credentialExpiry(servers);
  if (expiry === null) return null;
  const life = expiry - receivedAt;
  const due = receivedAt + Math.max(life / 2, life - REFRESH_MARGIN_MS);
  return Math.max(due, receivedAt + MIN_REFRESH_GAP_MS);
}
