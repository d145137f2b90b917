/**
 * The arithmetic of the calls-per-second benchmark (`calls_bench.ts`),
 * apart from sockets and processes so that it can be tested: the rates a
 * ramp tries, what one step's reports from the load generators add up to,
 * whether a step held, and the highest rate that held.
 */
import { median, quantile } from "./figures.ts";

/** What one load generator reports for one rate step. */
export interface GeneratorReport {
  /** Calls it began (their two sockets opened), completed or not. */
  started: number;
  /** Calls whose whole script finished in time. */
  completed: number;
  /** `call` sent → last of the 20 candidates delivered, ms, one per completed call. */
  latencies: number[];
  /** How late each call's start was against its schedule, ms (the generator's own lag). */
  startLags: number[];
  /** CPU seconds the generator process used during the step. */
  cpuSeconds: number;
  /** Wall time of the step, from the first scheduled start to the last call settled, ms. */
  elapsedMs: number;
  /** The first few reasons calls failed (error frames, timeouts, closes). */
  errors: string[];
}

/** One rate step, all generators together. */
export interface StepResult {
  /** Calls per second asked for (all generators together). */
  rate: number;
  started: number;
  completed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** 99th percentile of how late the generators started calls, ms. */
  startLagP99Ms: number;
  /** Busiest generator's CPU during the step, in cores. */
  generatorCpu: number;
  /** Whether every call completed and the p99 stayed within the limit. */
  held: boolean;
  errors: string[];
}

/**
 * The rates of a ramp: `start`, then each `factor` times the one before
 * (rounded to whole calls per second, always rising), up to `max`.
 */
export function rampRates(
  start: number,
  factor: number,
  max: number,
): number[] {
  if (!(start > 0) || !(factor > 1) || !(max >= start)) {
    throw new Error("a ramp needs 0 < start ≤ max and a factor above 1");
  }
  const rates: number[] = [];
  let rate = start;
  while (rate <= max) {
    rates.push(rate);
    rate = Math.max(rate + 1, Math.round(rate * factor));
  }
  return rates;
}

/**
 * Adds up the generators' reports of one step and judges it: it held when
 * every call started completed and the p99 latency is at most `limitMs`.
 */
export function judgeStep(
  rate: number,
  reports: GeneratorReport[],
  limitMs: number,
): StepResult {
  const latencies = Float64Array.from(reports.flatMap((r) => r.latencies))
    .sort();
  const lags = Float64Array.from(reports.flatMap((r) => r.startLags)).sort();
  const started = reports.reduce((n, r) => n + r.started, 0);
  const completed = reports.reduce((n, r) => n + r.completed, 0);
  const p99Ms = quantile(latencies, 0.99);
  const generatorCpu = reports.reduce(
    (most, r) =>
      Math.max(most, r.elapsedMs > 0 ? r.cpuSeconds / (r.elapsedMs / 1000) : 0),
    0,
  );
  return {
    rate,
    started,
    completed,
    p50Ms: quantile(latencies, 0.5),
    p99Ms,
    maxMs: latencies.length ? latencies[latencies.length - 1] : NaN,
    startLagP99Ms: quantile(lags, 0.99),
    generatorCpu,
    held: started > 0 && completed === started && p99Ms <= limitMs,
    errors: reports.flatMap((r) => r.errors).slice(0, 5),
  };
}

/**
 * The highest rate of a ramp that held. A rate may be tried twice (a step
 * that missed is run once more before the ramp stops, as one late call on a
 * shared machine is not the server's limit): it held if any try held. The
 * first rate that missed on every try ends the ramp; 0 when that is the
 * first rate.
 */
export function highestHeld(steps: StepResult[]): number {
  let best = 0;
  for (let i = 0; i < steps.length;) {
    let j = i;
    while (j < steps.length && steps[j].rate === steps[i].rate) j++;
    if (!steps.slice(i, j).some((step) => step.held)) break;
    best = Math.max(best, steps[i].rate);
    i = j;
  }
  return best;
}

/** The last step that held (the one at the highest rate); undefined if none. */
export function topHeldStep<T extends StepResult>(steps: T[]): T | undefined {
  const held = highestHeld(steps);
  return steps.findLast((step) => step.held && step.rate === held);
}

/**
 * How a step's calls are spread over `generators` processes: each gets an
 * equal share of the rate, started `1 / rate` apart from the next, so that
 * together they start one call every `1 / rate` seconds.
 */
export function shareOfRate(
  rate: number,
  generators: number,
  index: number,
): { rate: number; offsetMs: number } {
  return { rate: rate / generators, offsetMs: (index * 1000) / rate };
}

/** Smallest, median and largest of a non-empty list: a spread to report. */
export function spread(
  values: number[],
): { min: number; median: number; max: number } {
  return {
    min: Math.min(...values),
    median: median(values),
    max: Math.max(...values),
  };
}

/** What a ramp remembers between steps. */
export interface RampState {
  /** The rate that has missed once (NaN: none). */
  missedAt: number;
  /** Steps re-run because the generators fell behind their schedule. */
  voids: number;
}

/** What a ramp does after a step: the next rate, the same again, or stop. */
export type RampMove = "next" | "again" | "stop";

/** How lenient a ramp is with a machine that other work slows down. */
export interface RampRules {
  /**
   * A missed step whose calls started later than this (p99) did not get
   * the load asked for: the generators, not the server, fell behind, so it
   * is run again without counting as a miss…
   */
  maxStartLagMs: number;
  /** …at most this many times in a ramp; after that it is a miss like any other. */
  maxVoids: number;
}

/** The ramp's rule after each step, as a pure step function. */
export function afterStep(
  state: RampState,
  step: StepResult,
  rules: RampRules,
): { state: RampState; move: RampMove } {
  if (step.held) return { state: { ...state, missedAt: NaN }, move: "next" };
  if (
    step.startLagP99Ms > rules.maxStartLagMs && state.voids < rules.maxVoids
  ) {
    return { state: { ...state, voids: state.voids + 1 }, move: "again" };
  }
  if (state.missedAt === step.rate) return { state, move: "stop" };
  return { state: { ...state, missedAt: step.rate }, move: "again" };
}
