/** Random opaque tokens handed to clients, and their text form. */

/** `bytes` as base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-")
    .replaceAll("/", "_").replace(/=+$/, "");
}

/** 128 random bits, base64url without padding (22 characters). */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(16)));
}
