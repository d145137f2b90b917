/**
 * The address a connection comes from, for per-address limits: the TCP
 * peer, or, when that peer is a reverse proxy the operator trusts
 * (`TRUSTED_PROXIES`), the client it names in `X-Forwarded-For`.
 *
 * Only the rightmost entries can be believed: each trusted proxy appends the
 * address it received from, and anything further left was written by the
 * client. So the walk goes right to left past trusted proxies and stops at
 * the first address that is not one.
 */

/** Strips an IPv4-mapped IPv6 prefix, so `::ffff:127.0.0.1` is `127.0.0.1`. */
function plain(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith("::ffff:") && trimmed.includes(".")
    ? trimmed.slice(7)
    : trimmed;
}

/**
 * The client's address for `peer` (the socket's remote address) and the
 * request's `X-Forwarded-For` header.
 *
 * @param trusted proxies whose `X-Forwarded-For` is believed; empty: none
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: ReadonlySet<string>,
): string | undefined {
  let address = peer === undefined ? undefined : plain(peer);
  if (address === undefined || !trusted.has(address) || !forwardedFor) {
    return address;
  }
  const hops = [forwardedFor].flat().join(",").split(",").map(plain)
    .filter((hop) => hop !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    address = hops[i];
    if (!trusted.has(address)) break;
  }
  return address;
}
