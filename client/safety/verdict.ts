/**
 * What the two people concluded about their safety number, as a pure state
 * machine: nothing yet, one of them said the codes match, both did
 * (verified), or one said they differ. A code whose peer fingerprint this
 * browser already verified under that name starts verified; a different
 * one under a verified name starts with a warning.
 *
 * Each side tells the other what its person said; a browser that was
 * verified from its own memory answers a "match" once, so that a peer who
 * forgot (another browser, cleared storage) can finish too.
 */

/** Why an unconfirmed code is shown: a new person, or a changed number. */
export type Warning = "new" | "changed";

/** Where the verification of one connection is. */
export type VerdictState =
  /** No code yet; what the peer said meanwhile is kept. */
  | { kind: "pending"; peerSaid: boolean | null }
  /** A code, nobody said anything yet. */
  | { kind: "open"; code: string; peerFp: string; warning: Warning }
  /** Our person said they match; waiting for theirs. */
  | { kind: "mineSaid"; code: string; peerFp: string; warning: Warning }
  /** Their person said they match; waiting for ours. */
  | { kind: "theirsSaid"; code: string; peerFp: string; warning: Warning }
  /** Both said so now, or this browser verified the fingerprint before. */
  | { kind: "verified"; code: string; peerFp: string; told: boolean }
  /** Someone said the codes differ. */
  | { kind: "differ"; code: string; by: "me" | "peer" };

/** What happens to a verification. */
export type VerdictEvent =
  /** The code is known; `known` is the fingerprint verified before, if any. */
  | { kind: "code"; code: string; peerFp: string; known: string | null }
  /** Our person said whether the codes match. */
  | { kind: "mine"; match: boolean }
  /** The peer's person said whether they match. */
  | { kind: "theirs"; match: boolean };

/** What the I/O layer does for a verification. */
export type VerdictEffect =
  /** Tells the peer what our person said. */
  | { kind: "tell"; match: boolean }
  /** Keeps the peer's fingerprint as verified under their name. */
  | { kind: "remember"; peerFp: string }
  /** Drops what was kept for their name. */
  | { kind: "forget" };

/** The state a connection's verification starts in. */
export const VERDICT_START: VerdictState = { kind: "pending", peerSaid: null };

type Step = { state: VerdictState; effects: VerdictEffect[] };
const stay = (state: VerdictState): Step => ({ state, effects: [] });

function onCode(
  peerSaid: boolean | null,
  e: Extract<VerdictEvent, { kind: "code" }>,
): Step {
  const { code, peerFp } = e;
  if (e.known === peerFp) {
    const verified = { kind: "verified", code, peerFp, told: false } as const;
    return peerSaid === true
      ? onVerified(verified, { kind: "theirs", match: true })
      : stay(verified);
  }
  const warning: Warning = e.known === null ? "new" : "changed";
  if (peerSaid === false) return stay({ kind: "differ", code, by: "peer" });
  return stay({
    kind: peerSaid === true ? "theirsSaid" : "open",
    code,
    peerFp,
    warning,
  });
}

function onVerified(
  s: Extract<VerdictState, { kind: "verified" }>,
  e: Exclude<VerdictEvent, { kind: "code" }>,
): Step {
  if (e.match) {
    if (e.kind === "mine" || s.told) return stay(s);
    return {
      state: { ...s, told: true },
      effects: [{ kind: "tell", match: true }],
    };
  }
  const by = e.kind === "mine" ? "me" : "peer";
  return {
    state: { kind: "differ", code: s.code, by },
    effects: by === "me"
      ? [{ kind: "tell", match: false }, { kind: "forget" }]
      : [{ kind: "forget" }],
  };
}

/** The next state and what to do, for `event` in `state`. */
export function stepVerdict(state: VerdictState, event: VerdictEvent): Step {
  if (state.kind === "pending") {
    if (event.kind === "code") return onCode(state.peerSaid, event);
    if (event.kind === "theirs") {
      return stay({ kind: "pending", peerSaid: event.match });
    }
    return stay(state);
  }
  if (event.kind === "code" || state.kind === "differ") return stay(state);
  if (state.kind === "verified") return onVerified(state, event);
  const { code, peerFp, warning } = state;
  if (!event.match) {
    const by = event.kind === "mine" ? "me" : "peer";
    return {
      state: { kind: "differ", code, by },
      effects: by === "me" ? [{ kind: "tell", match: false }] : [],
    };
  }
  if (event.kind === "mine") {
    if (state.kind === "mineSaid") return stay(state);
    const tell: VerdictEffect = { kind: "tell", match: true };
    if (state.kind === "theirsSaid") {
      return {
        state: { kind: "verified", code, peerFp, told: true },
        effects: [tell, { kind: "remember", peerFp }],
      };
    }
    return {
      state: { kind: "mineSaid", code, peerFp, warning },
      effects: [tell],
    };
  }
  if (state.kind === "mineSaid") {
    return {
      state: { kind: "verified", code, peerFp, told: true },
      effects: [{ kind: "remember", peerFp }],
    };
  }
  return stay({ kind: "theirsSaid", code, peerFp, warning });
}
