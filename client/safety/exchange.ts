/**
 * The exchange of fresh values behind a call's safety number (`code.ts`),
 * as a pure state machine: each side sends a commitment (the hash of its
 * value) first and reveals the value only once it holds the other side's
 * commitment. Whoever sits in the middle must so fix its own value before
 * it learns ours, and cannot pick one that makes two codes agree.
 *
 * Our own value and commitment are the I/O layer's; the state holds what
 * the peer sent. Anything out of order ends the exchange as failed: an
 * honest peer runs this same code over an ordered channel.
 */

/** Where the exchange is. */
export type ExchangeState =
  /** Our commitment is not sent yet; the peer's may have come. */
  | { kind: "waiting"; peerCommit: string | null }
  /** Ours is sent; theirs has not come. */
  | { kind: "committed" }
  /** We revealed our value; theirs has not come. */
  | { kind: "revealed"; peerCommit: string }
  /** Their value came and is being checked against their commitment. */
  | { kind: "checking"; peerNonce: string }
  /** Both values are known and honest. */
  | { kind: "agreed"; peerNonce: string }
  | { kind: "failed"; reason: string };

/** What happens to an exchange. */
export type ExchangeEvent =
  /** The channel is open and our commitment is ready to send. */
  | { kind: "open" }
  | { kind: "peerCommit"; commit: string }
  | { kind: "peerReveal"; nonce: string }
  /** Whether the peer's value hashes to its commitment. */
  | { kind: "checked"; ok: boolean };

/** What the I/O layer does for the exchange. */
export type ExchangeEffect =
  | { kind: "sendCommit" }
  | { kind: "sendReveal" }
  | { kind: "check"; nonce: string; commit: string }
  | { kind: "agreed"; peerNonce: string }
  | { kind: "failed"; reason: string };

/** The state a link's exchange starts in. */
export const EXCHANGE_START: ExchangeState = {
  kind: "waiting",
  peerCommit: null,
};

const fail = (reason: string) => ({
  state: { kind: "failed", reason } as const,
  effects: [{ kind: "failed", reason } as const],
});

/** The next state and what to do, for `event` in `state`. */
export function stepExchange(
  state: ExchangeState,
  event: ExchangeEvent,
): { state: ExchangeState; effects: ExchangeEffect[] } {
  if (state.kind === "failed" || state.kind === "agreed") {
    return { state, effects: [] };
  }
  switch (event.kind) {
    case "open":
      if (state.kind !== "waiting") return { state, effects: [] };
      if (state.peerCommit === null) {
        return {
          state: { kind: "committed" },
          effects: [{ kind: "sendCommit" }],
        };
      }
      return {
        state: { kind: "revealed", peerCommit: state.peerCommit },
        effects: [{ kind: "sendCommit" }, { kind: "sendReveal" }],
      };
    case "peerCommit":
      if (state.kind === "waiting" && state.peerCommit === null) {
        return {
          state: { kind: "waiting", peerCommit: event.commit },
          effects: [],
        };
      }
      if (state.kind === "committed") {
        return {
          state: { kind: "revealed", peerCommit: event.commit },
          effects: [{ kind: "sendReveal" }],
        };
      }
      return fail("the other side committed twice");
    case "peerReveal":
      if (state.kind !== "revealed") {
        return fail("the other side revealed its value too early");
      }
      return {
        state: { kind: "checking", peerNonce: event.nonce },
        effects: [{
          kind: "check",
          nonce: event.nonce,
          commit: state.peerCommit,
        }],
      };
    case "checked":
      if (state.kind !== "checking") return { state, effects: [] };
      if (!event.ok) {
        return fail("the other side's value does not match its commitment");
      }
      return {
        state: { kind: "agreed", peerNonce: state.peerNonce },
        effects: [{ kind: "agreed", peerNonce: state.peerNonce }],
      };
  }
}
