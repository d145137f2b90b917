/**
 * Keeps an established call alive through network changes: `failed` triggers
 * an ICE restart at once; `disconnected` (often transient, e.g. a Wi-Fi
 * hiccup) only after a grace period. Restarts go through negotiation like any
 * other change, so perfect negotiation sorts out both sides restarting.
 */
import type { PeerConnectionLike } from "./peer.ts";
import { realTimers, type Timers } from "./timers.ts";

/** Options of {@link watchIce}. */
export interface IceWatchOptions {
  timers?: Timers;
  /** How long `disconnected` may last before restarting. */
  graceMs?: number;
  /** Restarts allowed without reaching `connected` in between. */
  maxRestarts?: number;
  /**
   * How long the connection may stay broken (disconnected or failed) before
   * giving up, even if restarts are still allowed: a restart whose offer
   * never gets an answer (the peer is gone) changes no state by itself.
   */
  giveUpMs?: number;
  /** Every ICE connection state, for the UI. */
  onState?(state: string): void;
  /** Restarts did not help; the call should end. */
  onGiveUp?(): void;
}

/**
 * Watches `pc.iceConnectionState` (through `oniceconnectionstatechange`).
 * Returns a function that stops watching and cancels a pending restart.
 */
export function watchIce(
  pc: PeerConnectionLike,
  options: IceWatchOptions = {},
): () => void {
  const timers = options.timers ?? realTimers;
  const graceMs = options.graceMs ?? 3_000;
  const maxRestarts = options.maxRestarts ?? 3;
  let restarts = 0;
  const giveUpMs = options.giveUpMs ?? 20_000;
  let graceTimer: number | undefined;
  let giveUpTimer: number | undefined;
  let stopped = false;

  const restart = () => {
    if (stopped) return;
    if (restarts >= maxRestarts) {
      options.onGiveUp?.();
      return;
    }
    restarts++;
    pc.restartIce();
  };

  pc.oniceconnectionstatechange = () => {
    if (stopped) return;
    const state = pc.iceConnectionState;
    options.onState?.(state);
    if (state !== "disconnected") {
      timers.clearTimeout(graceTimer);
      graceTimer = undefined;
    }
    const broken = state === "disconnected" || state === "failed";
    if (!broken) {
      timers.clearTimeout(giveUpTimer);
      giveUpTimer = undefined;
    } else if (giveUpTimer === undefined) {
      giveUpTimer = timers.setTimeout(() => {
        giveUpTimer = undefined;
        if (!stopped) options.onGiveUp?.();
      }, giveUpMs);
    }
    if (state === "connected" || state === "completed") restarts = 0;
    else if (state === "failed") restart();
    else if (state === "disconnected" && graceTimer === undefined) {
      graceTimer = timers.setTimeout(() => {
        graceTimer = undefined;
        if (pc.iceConnectionState === "disconnected") restart();
      }, graceMs);
    }
  };

  return () => {
    stopped = true;
    timers.clearTimeout(graceTimer);
    timers.clearTimeout(giveUpTimer);
    pc.oniceconnectionstatechange = null;
  };
}
