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
