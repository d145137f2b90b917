/**
 * A logged-in user's life as one state: `live` on a socket, `detached`
 * (its socket dropped; frames for it wait in an outbox for a resume),
 * `ending` (its outbox overflowed: the session ends before the next input),
 * and `gone`. {@linkcode stepLife} is the whole set of moves between them;
 * the session lifecycle (`session_lifecycle.ts`) is the only caller.
 */

import type { PriorityOutbox } from "./outbox.ts";

/** Where a session stands, with what only that state has. */
export type MemberLife<Conn> =
  | { readonly state: "live"; readonly conn: Conn }
  | {
    readonly state: "detached";
    /** The address it dropped from: detached sessions are capped per address. */
    readonly address: string;
    /** Frames held for the resume; `null` until the first one. */
    outbox: PriorityOutbox | null;
  }
  | { readonly state: "ending" }
  | { readonly state: "gone" };

/** What can happen to a session. */
export type LifeEvent<Conn> =
  /** A socket presented the session's token (or logged in fresh). */
  | { readonly type: "resume"; readonly conn: Conn }
  /** The socket dropped in a way that may come back. */
  | { readonly type: "detach"; readonly address: string }
  /** More call frames waited than a resume could deliver whole. */
  | { readonly type: "overflow" }
  /** Left, timed out, evicted, shed or over-queued: the end. */
  | { readonly type: "end" };

/** The session's life on a socket. */
export function liveOn<Conn>(conn: Conn): MemberLife<Conn> {
  return { state: "live", conn };
}

/** The one `gone` state, shared: it holds nothing. */
const GONE = Object.freeze({ state: "gone" as const });
const ENDING = Object.freeze({ state: "ending" as const });

/**
 * The state after `event`, or `null` when the event does not apply in
 * `life` (a late timer, a resume of a session already ending): the caller
 * then does nothing.
 */
export function stepLife<Conn>(
  life: MemberLife<Conn>,
  event: LifeEvent<Conn>,
): MemberLife<Conn> | null {
  switch (event.type) {
    case "resume":
      return life.state === "live" || life.state === "detached"
        ? liveOn(event.conn)
        : null;
    case "detach":
      return life.state === "live"
        ? { state: "detached", address: event.address, outbox: null }
        : null;
    case "overflow":
      return life.state === "detached" ? ENDING : null;
    case "end":
      return life.state === "gone" ? null : GONE;
  }
}
