/**
 * Reading base64url back, for tests of the ids and tokens that
 * `signaling/tokens.ts` writes: the app itself never decodes them.
 */

/**
 * The bytes behind unpadded base64url `text` (RFC 4648 §5), or null where
 * `text` is not base64url.
 */
export function base64urlBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return null;
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}
