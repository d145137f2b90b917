/**
 * Reads `getStats()` of a peer connection every so often and turns each pair
 * of successive readings into a {@link Quality} (see `quality.ts`).
 */
import {
  computeQuality,
  type Quality,
  readStats,
  statsEntries,
  type StatsEntry,
  type StatsReading,
} from "./quality.ts";
import { realTimers, type Timers } from "./timers.ts";

/** Anything with a `getStats()` like `RTCPeerConnection`'s. */
export interface StatsSource {
  getStats(): Promise<{ forEach(fn: (value: StatsEntry) => void): void }>;
}

/** Options of {@link sampleQuality}. */
export interface SamplerOptions {
  timers?: Timers;
  /** Time between readings; 1.5 s follows changes without costing much. */
  intervalMs?: number;
  /** Every new summary (null while no candidate pair is selected). */
  onQuality(quality: Quality | null): void;
}

/**
 * Starts sampling at once and then every `intervalMs`. The next reading is
 * only scheduled after the previous one finished, so a slow `getStats()`
 * never piles up. Returns a function that stops it.
 */
export function sampleQuality(
  source: StatsSource,
  options: SamplerOptions,
): () => void {
  const timers = options.timers ?? realTimers;
  const intervalMs = options.intervalMs ?? 1_500;
  let previous: StatsReading | null = null;
  let timer: number | undefined;
  let stopped = false;

  const sample = async () => {
    timer = undefined;
    let reading: StatsReading | null = null;
    try {
      reading = readStats(statsEntries(await source.getStats()));
    } catch {
      // A closed connection throws; the call is ending, nothing to show.
    }
    if (stopped) return;
    if (reading) {
      options.onQuality(computeQuality(previous, reading));
      previous = reading;
    }
    timer = timers.setTimeout(() => void sample(), intervalMs);
  };
  void sample();

  return () => {
    stopped = true;
    timers.clearTimeout(timer);
  };
}
