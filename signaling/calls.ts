/**
 * Call records. A call is always between two members of one room and one
 * dialect; each party points at its (single) current call.
 */

/** `ringing` until the callee accepts (or, for the tutorial, answers). */
export type CallState = "ringing" | "active";

/** A 1:1 call between two parties. */
export interface Call<Party> {
  readonly id: string;
  readonly caller: Party;
  readonly callee: Party;
  state: CallState;
  readonly audioOnly: boolean;
  readonly openedAt: number;
  answeredAt: number | null;
}

const BASE64URL =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A fresh, unguessable call id: 128 random bits in 22 base64url characters.
 * Every `signal` carries it both ways, and a UUID's 36 characters made
 * relayed frames about 5% larger for 6 fewer random bits.
 */
export function newCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let id = "";
  // 16 bytes = 5 groups of 3 (4 characters each) + 1 byte (2 characters).
  for (let i = 0; i < 15; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    id += BASE64URL[n >> 18] + BASE64URL[(n >> 12) & 63] +
      BASE64URL[(n >> 6) & 63] + BASE64URL[n & 63];
  }
  return id + BASE64URL[bytes[15] >> 2] + BASE64URL[(bytes[15] & 3) << 4];
}

/** The other party of `call`. */
export function peerOf<Party>(call: Call<Party>, party: Party): Party {
  return call.caller === party ? call.callee : call.caller;
}

/**
 * A call a user says it was in when its connection to a previous server
 * process broke (`login.call`): the server restores it once the peer claims
 * the same call from its side.
 */
export interface CallClaim {
  readonly callId: string;
  /** The other party's name, as the claimant knew it. */
  readonly peer: string;
  /** The claimant's role, if it said: the callee is polite. */
  readonly polite?: boolean;
}

/**
 * Whether two claims are the same call seen from both ends: the same id, and
 * each names the other. The id is an unguessable 128-bit id the old server handed
 * out, so a third user cannot pose as either party.
 *
 * @param aKey name key of `a`'s claimant, `bKey` of `b`'s
 * @param keyOf name → name key
 */
export function claimsMatch(
  a: CallClaim,
  aKey: string,
  b: CallClaim,
  bKey: string,
  keyOf: (name: string) => string,
): boolean {
  return a.callId === b.callId && keyOf(a.peer) === bKey &&
    keyOf(b.peer) === aKey;
}

/**
 * Which of two matching claims was the caller (the impolite party, which
 * sends offers). The clients keep their roles across the restart; this keeps
 * the server's record (and a later `welcome.call.polite`) in line when they
 * say. Without a word from either, the claim that waited is the caller.
 */
export function restoredCallerIsFirst(
  waiting: CallClaim,
  arriving: CallClaim,
): boolean {
  if (waiting.polite === false || arriving.polite === true) return true;
  if (waiting.polite === true || arriving.polite === false) return false;
  return true;
}
