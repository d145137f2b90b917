/**
 * axe-core over the app's states in the browser tests: {@link Audit} runs
 * it on a page in both colour schemes and keeps what it finds, with a
 * check that the page has one `<h1>`.
 */
import assert from "node:assert/strict";
import { axeViolations, describeViolations } from "../helpers/axe.ts";
import type { User } from "./helpers.ts";

/** A colour scheme a page can be shown in. */
export type Scheme = "light" | "dark";
const SCHEMES: readonly Scheme[] = ["light", "dark"];

/**
 * Runs axe-core on a page in both schemes and keeps what it finds, so that
 * one failure lists every state at fault rather than the first.
 */
export class Audit {
  readonly found: string[] = [];

  /**
   * `fixed` is the scheme the browser was launched in, for a browser whose
   * pages cannot switch (Firefox, see `TestPage.colorScheme`).
   */
  constructor(private readonly fixed: Scheme = "light") {}

  async check(user: User, state: string): Promise<void> {
    const h1s = await user.page.$$eval("h1", (all) => all.length);
    if (h1s !== 1) this.found.push(`${state}: ${h1s} <h1> elements`);
    const { page } = user;
    const schemes = page.colorScheme ? SCHEMES : [this.fixed];
    for (const scheme of schemes) {
      await page.colorScheme?.(scheme);
      const dark = await page.evaluate(() =>
        matchMedia("(prefers-color-scheme: dark)").matches
      );
      assert.equal(
        dark,
        scheme === "dark",
        `the page is in the ${scheme} scheme`,
      );
      const violations = await axeViolations(page);
      if (violations.length > 0) {
        this.found.push(
          `${state}, ${scheme} (${user.name}):\n${
            describeViolations(violations)
          }`,
        );
      }
    }
    await page.colorScheme?.("light");
  }

  assertClean(): void {
    assert.equal(this.found.length, 0, `\n${this.found.join("\n\n")}`);
  }
}
