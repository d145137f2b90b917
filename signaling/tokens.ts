/** Random opaque tokens handed to clients, and their text form. */

/** `bytes` as base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * `bytes` random bytes (by default 16: 128 bits) as base64url without
 * padding (22 characters for 16).
 */
export function randomToken(bytes = 16): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}
