/**
 * Accessibility checks in browser tests: axe-core run inside a
 * {@linkcode TestPage}, its violations reduced to what a failure message
 * needs (rule, impact, help, and the elements at fault).
 *
 * The library goes in through the driver (`evaluateScript`), not a
 * `<script>` tag: the app's Content-Security-Policy allows no inline script,
 * and the browsers' CSP watch would fail the test on the attempt.
 */
import type { TestPage } from "./test_page.ts";

/** How bad axe-core says a violation is. */
export type Impact = "minor" | "moderate" | "serious" | "critical";

/** One broken rule and where it breaks. */
export interface AxeViolation {
  /** The rule, e.g. `color-contrast`. */
  id: string;
  impact: Impact | null;
  /** One line saying what the rule asks. */
  help: string;
  /** Each failing element: its CSS selector and what axe found wrong. */
  nodes: { target: string; summary: string }[];
}

/**
 * The library's source text. Imported on first use: axe-core reads
 * `process.env` as it loads, which a plain `deno test` (no permissions, so
 * every browser test skipped) refuses, failing the whole file.
 */
async function axeSource(): Promise<string> {
  const { default: axe } = await import("axe-core");
  return axe.source;
}

/** The impacts the suite refuses: the ones that stop people using the app. */
const BLOCKING: readonly Impact[] = ["serious", "critical"];

/**
 * Runs axe-core on the page as it is now and returns its violations of
 * serious or critical impact ({@link BLOCKING}). The library is injected
 * once per document.
 */
export async function axeViolations(
  page: TestPage,
): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => "axe" in globalThis);
  if (!loaded) await page.evaluateScript(await axeSource());
  const all = await page.evaluate(async () => {
    const g = globalThis as unknown as {
      axe: {
        run(
          context: Document,
          options: Record<string, unknown>,
        ): Promise<{
          violations: {
            id: string;
            impact: string | null;
            help: string;
            nodes: { target: unknown[]; failureSummary?: string }[];
          }[];
        }>;
      };
    };
    const result = await g.axe.run(document, {
      // Only violations: passes and incomplete results are most of axe's
      // work to serialise and nothing here reads them.
      resultTypes: ["violations"],
      // Experimental in axe, but it is how a voice-control user is let
      // down: a button must be callable by the words it shows (WCAG 2.5.3).
      rules: { "label-content-name-mismatch": { enabled: true } },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(String).join(" "),
        summary: n.failureSummary ?? "",
      })),
    }));
  });
  return (all as AxeViolation[]).filter((v) =>
    v.impact !== null && BLOCKING.includes(v.impact)
  );
}

/** Violations as lines a person can act on: rule, impact, help, elements. */
export function describeViolations(violations: AxeViolation[]): string {
  return violations.map((v) =>
    [
      `${v.id} (${v.impact}): ${v.help}`,
      ...v.nodes.map((n) =>
        `  at ${n.target}\n    ${n.summary.replaceAll("\n", "\n    ")}`
      ),
    ].join("\n")
  ).join("\n");
}
