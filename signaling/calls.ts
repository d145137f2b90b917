/**
 * Call records. A call is always between two members of one room and one
 * dialect; each party points at its (single) current call.
 */

import type { TimerHandle } from "./clock.ts";

/** `ringing` until the callee accepts (or, for the tutorial, answers). */
export type CallState = "ringing" | "active";

/** A 1:1 call between two parties. */
export interface Call<Party> {
  readonly id: string;
  readonly caller: Party;
  readonly callee: Party;
  state: CallState;
  readonly audioOnly: boolean;
  /** Ring timeout while ringing. */
  timer: TimerHandle | null;
  readonly openedAt: number;
  answeredAt: number | null;
}

/** A fresh, unguessable call id. */
export function newCallId(): string {
  return crypto.randomUUID();
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
 * each names the other. The id is an unguessable UUID the old server handed
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
