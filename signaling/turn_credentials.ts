/**
 * Short-lived TURN credentials in coturn's "REST API" scheme
 * (`use-auth-secret` + `static-auth-secret`): the username is
 * `<expiry unix time>:<user>` and the password is
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC with the
 * same secret and refuses the username once its time has passed, so nothing
 * needs to be stored and a leaked credential dies on its own.
 */

/** One ICE server entry as `RTCPeerConnection` takes it. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** The longest lifetime we hand out: a leaked credential is useful for at most this long. */
export const MAX_TURN_TTL_SECONDS = 3600;

/**
 * Mints a credential for `user`, valid until `nowSeconds + ttlSeconds`.
 * `user` is only a label in coturn's logs; callers pass the session's name.
 */
export async function mintTurnCredential(
  secret: string,
  user: string,
  nowSeconds: number,
  ttlSeconds: number,
): Promise<{ username: string; credential: string; expiresAt: number }> {
  if (secret === "") throw new Error("The TURN secret must not be empty.");
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_TURN_TTL_SECONDS)) {
    throw new Error(
      `The TURN credential lifetime must be 1 to ${MAX_TURN_TTL_SECONDS} seconds; got ${ttlSeconds}.`,
    );
  }
  const expiresAt = Math.floor(nowSeconds) + Math.floor(ttlSeconds);
  // A ':' in the label would shift where coturn looks for the expiry.
  const username = `${expiresAt}:${user.replaceAll(":", "_")}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(username),
  );
  return { username, credential: toBase64(new Uint8Array(mac)), expiresAt };
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
