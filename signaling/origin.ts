/**
 * The `Origin` check at upgrade: browsers send the page's origin, so this is
 * what stops another site's page from opening sockets as its visitors.
 */

/**
 * Whether a WebSocket upgrade from `origin` may proceed.
 *
 * @param origin the `Origin` header; absent for non-browser clients, which
 *   are allowed (they can forge it anyway)
 * @param host the request's `Host` header
 * @param allowed exact origins, `["*"]` for any, or `null` for same-origin
 *   only (the Origin's host equals `host`)
 */
export function originAllowed(
  origin: string | null,
  host: string | null,
  allowed: readonly string[] | null,
): boolean {
  if (origin === null) return true;
  if (allowed === null) {
    const originHost = hostOf(origin);
    return originHost !== null && host !== null &&
      originHost === host.toLowerCase();
  }
  if (allowed.includes("*")) return true;
  const normalized = normalizeOrigin(origin);
  return normalized !== null &&
    allowed.some((entry) => normalizeOrigin(entry) === normalized);
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return null; // e.g. "null" from a sandboxed iframe or file:// page
  }
}

function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? null : url.origin;
  } catch {
    return null;
  }
}
