/**
 * What a call that just ended leaves behind for the person: a notice (its
 * tone), a missed-call line in the chat log, how long it lasted, and whether
 * the person can call again. Pure, so the session only carries it out.
 */
import type { CallEndReason, CallSnapshot } from "./call.ts";
import { endReasonText } from "./text.ts";

/** The notice group of call outcomes: a new one replaces the one before. */
export const OUTCOME_GROUP = "call-outcome";

/**
 * Reasons that are something going wrong, shown as errors. The rest
 * (declined, cancelled, busy, no answer, hang-up, the peer leaving) are what
 * people do, told neutrally.
 */
const ERROR_REASONS: ReadonlySet<CallEndReason> = new Set<CallEndReason>([
  "media-error",
  "failed",
  "unavailable",
  "interrupted",
  "not-restored",
]);

/** A call nobody picked up, as the callee's chat log keeps it. */
export interface MissedCall {
  peer: string;
  audioOnly: boolean;
}

/** What the session does once a call has ended. */
export interface CallOutcome {
  notice: { tone: "info" | "error"; text: string };
  /** A line for the chat log, on the callee's side of an unanswered call. */
  missed: MissedCall | null;
  /** How long media was connected (ms), null if it never was. */
  durationMs: number | null;
}

/** Whether the end of a call is told as an error rather than as news. */
export function isErrorEnd(reason: CallEndReason | null): boolean {
  return reason !== null && ERROR_REASONS.has(reason);
}

/**
 * Whether `snap` (ended) is a call that rang us and stopped before we
 * picked up: the caller gave up (`cancelled`) or it rang out (`no-answer`).
 * Not one we declined, nor one refused as busy (it never rang here), nor a
 * crossing call we took instead (that one connects).
 */
export function isMissed(snap: CallSnapshot): boolean {
  return snap.phase === "ended" && snap.direction === "incoming" &&
    snap.peer !== null &&
    (snap.endReason === "no-answer" || snap.endReason === "cancelled");
}

/**
 * The outcome of the call `snap` that just ended, whose media connected at
 * `connectedAt` (null: never), at `now`.
 */
export function outcomeOf(
  snap: CallSnapshot,
  connectedAt: number | null,
  now: number,
): CallOutcome {
  return {
    notice: {
      tone: isErrorEnd(snap.endReason) ? "error" : "info",
      text: endReasonText(snap.endReason, snap.peer, snap.endedByMe),
    },
    missed: isMissed(snap)
      ? { peer: snap.peer!, audioOnly: snap.audioOnly }
      : null,
    durationMs: connectedAt === null ? null : Math.max(0, now - connectedAt),
  };
}

/**
 * Whether a call to `peer` can be placed from a view right now: they are in
 * the room and no call of ours is under way (an ended one does not count;
 * a call ringing us from `peer` does, as calling them answers it).
 */
export function canCallBack(
  snap: CallSnapshot,
  peer: string,
  present: boolean,
): boolean {
  if (!present) return false;
  if (snap.phase === "idle" || snap.phase === "ended") return true;
  return snap.phase === "incoming" && snap.peer === peer;
}
