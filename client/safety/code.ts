/**
 * The safety number of a call: a short code both people can read aloud,
 * derived from the two DTLS certificate fingerprints the connection really
 * uses and from one fresh random value each side contributed (see
 * `exchange.ts`). Each side sees its own certificate and the one it was
 * connected to; with someone in the middle the two sides see different
 * pairs, so their codes differ.
 *
 * Why the fresh values: certificates are kept across calls (so a verified
 * person stays verified), so a server in the middle knows both in advance
 * and could try certificates of its own until the two codes it causes
 * happen to agree. Each side commits to its value before learning the
 * other's, so the code cannot be steered and a short one is enough.
 *
 * Why digits: 12 digits in three groups read the same in every language,
 * need no word list in the page, and have no look-alike words to confuse.
 */

import { base64url } from "../../signaling/tokens.ts";

/** One side's part: its certificate fingerprint and its fresh value. */
export interface SafetySide {
  /** As {@link normalizeFingerprint} gives it. */
  fingerprint: string;
  /** The side's random value, base64url. */
  nonce: string;
}

/** How many digits a code has, shown in groups of {@link GROUP}. */
export const CODE_DIGITS = 12;
const GROUP = 4;
const CONTEXT = "parley safety number v1";

const HEX_PAIRS = /^[0-9A-F]{2}(:[0-9A-F]{2})+$/;

/**
 * `algorithm` and `value` as one canonical string (`sha-256 AB:CD:…`), or
 * null when they do not look like a fingerprint.
 */
export function normalizeFingerprint(
  algorithm: string,
  value: string,
): string | null {
  const alg = algorithm.trim().toLowerCase();
  const hex = value.trim().toUpperCase();
  if (!/^[a-z0-9-]+$/.test(alg) || !HEX_PAIRS.test(hex)) return null;
  return `${alg} ${hex}`;
}

/**
 * The certificate fingerprint an SDP names (`a=fingerprint:`), normalized,
 * or null. With bundling every media line names the same certificate.
 */
export function fingerprintOfSdp(sdp: string | undefined): string | null {
  const match = sdp && /^a=fingerprint:(\S+) (\S+)\s*$/m.exec(sdp);
  return match ? normalizeFingerprint(match[1], match[2]) : null;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as BufferSource),
  );
}

/** The two sides in canonical order, so both compute the same input. */
function canonical(a: SafetySide, b: SafetySide): [SafetySide, SafetySide] {
  const key = (s: SafetySide) => `${s.fingerprint}\n${s.nonce}`;
  return key(a) <= key(b) ? [a, b] : [b, a];
}

/**
 * The code for a call between sides `a` and `b`: the same whichever side
 * computes it, e.g. `"0417 2290 5863"`.
 */
export async function safetyCode(
  a: SafetySide,
  b: SafetySide,
): Promise<string> {
  const [first, second] = canonical(a, b);
  const text = [
    CONTEXT,
    first.fingerprint,
    first.nonce,
    second.fingerprint,
    second.nonce,
  ].join("\n");
  const digest = await sha256(new TextEncoder().encode(text));
  // 64 bits reduced to 12 digits: the bias is below one part in a million.
  let n = 0n;
  for (const byte of digest.subarray(0, 8)) n = (n << 8n) | BigInt(byte);
  const digits = (n % 10n ** BigInt(CODE_DIGITS)).toString()
    .padStart(CODE_DIGITS, "0");
  const groups: string[] = [];
  for (let i = 0; i < CODE_DIGITS; i += GROUP) {
    groups.push(digits.slice(i, i + GROUP));
  }
  return groups.join(" ");
}

/** A fresh random value for one side: 32 bytes, base64url. */
export function newNonce(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** What a side sends before revealing `nonce`: its SHA-256, base64url. */
export async function commitmentOf(nonce: string): Promise<string> {
  return base64url(await sha256(new TextEncoder().encode(nonce)));
}

/** Whether `value` has the shape of a nonce or a commitment (43 chars). */
export function isDigestText(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value);
}
