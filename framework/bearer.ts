/**
 * `Authorization: Bearer <token>` checks (RFC 6750) in constant time, for
 * endpoints meant for operators' tools rather than people (`/metrics`).
 */

/** What a request's credentials amount to. */
export type BearerCheck = "ok" | "missing" | "wrong";

const encoder = new TextEncoder();

/**
 * Whether `req` carries `Authorization: Bearer <expected>`. The scheme is
 * case-insensitive; the token is compared in constant time.
 */
export async function checkBearer(
  req: Request,
  expected: string,
): Promise<BearerCheck> {
  const header = req.headers.get("authorization");
  const match = header?.match(/^Bearer +(\S+) *$/i);
  if (!match) return "missing";
  return await sameSecret(match[1], expected) ? "ok" : "wrong";
}

/**
 * Compares two secrets without leaking, through timing, how much of a guess
 * was right or how long the secret is: both sides are hashed to 32 bytes,
 * and every byte of the digests is looked at whatever the first difference.
 */
export async function sameSecret(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= x[i] ^ y[i];
  return difference === 0;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(text)),
  );
}
