/**
 * One benchmark figure, as printed in the table and written to
 * `bench/results.json`, so a script can read every run the same way.
 */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same measure for the baseline, taken in the same run; null when none. */
  baseline: number | null;
  /** value / baseline; null without a baseline. */
  ratio: number | null;
  /** Human-readable target such as "< 20000" or "≥ 0.9× baseline"; null when none. */
  target: string | null;
  /** Whether the target is met; null without a target. */
  met: boolean | null;
}

/** What a figure must satisfy: a bound on the value or on the ratio. */
export type Target =
  | { max: number }
  | { min: number }
  | { maxRatio: number }
  | { minRatio: number };

/** Builds a figure, computing the ratio and checking the target. */
export function figure(
  name: string,
  value: number,
  unit: string,
  options: { baseline?: number | null; target?: Target } = {},
): Figure {
  const baseline = options.baseline ?? null;
  const ratio = baseline ? round(value / baseline, 3) : null;
  const target = options.target;
  let text: string | null = null;
  let met: boolean | null = null;
  if (target) {
    if ("max" in target) {
      text = `≤ ${target.max} ${unit}`;
      met = value <= target.max;
    } else if ("min" in target) {
      text = `≥ ${target.min} ${unit}`;
      met = value >= target.min;
    } else if ("maxRatio" in target) {
      text = `≤ ${target.maxRatio}× baseline`;
      met = ratio !== null && ratio <= target.maxRatio;
    } else {
      text = `≥ ${target.minRatio}× baseline`;
      met = ratio !== null && ratio >= target.minRatio;
    }
  }
  return {
    name,
    value: round(value, 3),
    unit,
    baseline: baseline === null ? null : round(baseline, 3),
    ratio,
    target: text,
    met,
  };
}

/** The figures as a fixed-width table, one line each. */
export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${f.value} ${f.unit}`,
    f.baseline === null ? "" : `${f.baseline} ${f.unit}`,
    f.ratio === null ? "" : `${f.ratio}×`,
    f.target ?? "",
    f.met === null ? "" : f.met ? "met" : "MISSED",
  ]);
  const head = ["figure", "value", "baseline", "ratio", "target", ""];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)]
    .join("\n");
}

/**
 * The value at quantile `q` (0–1) of an ascending list, by nearest rank, so
 * the p99 of 100 values is the 99th: every bench's percentiles use it. NaN
 * when empty.
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * The machine's 1-minute load average (Linux `/proc/loadavg`), noted next
 * to figures so a reader can tell a quiet run from one sharing the cores.
 */
export function loadAverage(): number {
  return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
}

/**
 * `defaults` with every option `options` sets. An explicit `undefined`
 * (a command-line flag left out, say) keeps the default.
 */
export function withDefaults<T extends object>(
  defaults: T,
  options: Partial<T>,
): T {
  const merged = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}
