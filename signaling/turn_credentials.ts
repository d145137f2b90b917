/**
 * Short-lived TURN credentials in coturn's "REST API" scheme
 * (`use-auth-secret` + `static-auth-secret`): the username is
 * `<expiry unix time>:<user>` and the password is
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC with the
 * same secret and refuses the username once its time has passed, so nothing
 * needs to be stored and a leaked credential dies on its own.
 */

import { hmacSha1 } from "./sha1.ts";

/** The longest lifetime we hand out: a leaked credential is useful for at most this long. */
export const MAX_TURN_TTL_SECONDS = 3600;

/** A minted TURN credential: the `username`/`credential` of an ICE server entry. */
export interface TurnCredential {
  username: string;
  credential: string;
  /** Unix time (seconds) after which coturn refuses it. */
  expiresAt: number;
}

/**
 * Mints a credential for `user`, valid until `nowSeconds + ttlSeconds`.
 * `user` is only a label in coturn's logs; callers pass the session's name.
 * Synchronous (see `sha1.ts` for why), so the relay can put it straight into
 * the `welcome` it is building.
 *
 * @throws {Error} for an empty secret or a lifetime outside 1..3600 s.
 */
export function mintTurnCredentialSync(
  secret: string,
  user: string,
  nowSeconds: number,
  ttlSeconds: number,
): TurnCredential {
  if (secret === "") throw new Error("The TURN secret must not be empty.");
  if (!(ttlSeconds > 0 && ttlSeconds <= MAX_TURN_TTL_SECONDS)) {
    throw new Error(
      `The TURN credential lifetime must be 1 to ${MAX_TURN_TTL_SECONDS} seconds; got ${ttlSeconds}.`,
    );
  }
  const expiresAt = Math.floor(nowSeconds) + Math.floor(ttlSeconds);
  // A ':' in the label would shift where coturn looks for the expiry.
  const username = `${expiresAt}:${user.replaceAll(":", "_")}`;
  const encoder = new TextEncoder();
  const mac = hmacSha1(encoder.encode(secret), encoder.encode(username));
  return { username, credential: toBase64(mac), expiresAt };
}

/**
 * {@linkcode mintTurnCredentialSync} behind a Promise, for callers written
 * against the earlier WebCrypto-based version.
 */
export function mintTurnCredential(
  secret: string,
  user: string,
  nowSeconds: number,
  ttlSeconds: number,
): Promise<TurnCredential> {
  try {
    return Promise.resolve(
      mintTurnCredentialSync(secret, user, nowSeconds, ttlSeconds),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
