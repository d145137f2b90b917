/**
 * Content-Security-Policy violations in browser tests: every page of a
 * watched browser reports its `securitypolicyviolation` events here, and
 * closing the browser fails when any was reported. `launchBrowser` watches
 * every browser it starts, so no browser test can pass while the app (or
 * anything it loads) breaks its own policy.
 */
import assert from "node:assert/strict";
import type { Browser, BrowserContext } from "playwright-core";

/** One `securitypolicyviolation` event, as the page saw it. */
export interface CspViolation {
  /** The document whose policy was broken. */
  page: string;
  /** The directive that refused it, e.g. `script-src-elem`. */
  directive: string;
  /** What was refused: a URL, or `inline` / `eval`. */
  blocked: string;
  /** The start of the refused inline code, when the policy reports it. */
  sample: string;
}

/** The name of the function pages call to report a violation. */
export const CSP_BINDING = "__e2eCspViolation";

const recorded = new WeakMap<object, CspViolation[]>();

/**
 * Where the pages of `browser` (a playwright or puppeteer browser) record
 * their violations; made on first use.
 */
export function violationSink(browser: object): CspViolation[] {
  let sink = recorded.get(browser);
  if (!sink) recorded.set(browser, sink = []);
  return sink;
}

/**
 * Runs in the page before its own scripts (an init script): reports every
 * violation through the function named `binding`.
 */
export function reportViolations(binding: string): void {
  // Capture phase on the window: the event bubbles from the element (or
  // document) that broke the policy, and page code cannot stop it first.
  addEventListener("securitypolicyviolation", (e) => {
    const report = (globalThis as unknown as Record<
      string,
      (v: unknown) => void
    >)[binding];
    report?.({
      page: e.documentURI,
      directive: e.effectiveDirective,
      blocked: e.blockedURI,
      sample: e.sample,
    });
  }, true);
}

/** Makes every page of `context` report its CSP violations into `sink`. */
export async function watchContext(
  context: BrowserContext,
  sink: CspViolation[],
): Promise<void> {
  await context.exposeBinding(CSP_BINDING, (_source, v: CspViolation) => {
    sink.push(v);
  });
  await context.addInitScript(reportViolations, CSP_BINDING);
}

/**
 * Watches every context (and so every page) `browser` opens from now on, and
 * makes `browser.close()` throw, once the browser is closed, if any page
 * reported a violation that {@linkcode takeCspViolations} did not take.
 */
export function watchBrowser(browser: Browser): void {
  const sink = violationSink(browser);
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await watchContext(context, sink);
    return context;
  };
  const close = browser.close.bind(browser);
  browser.close = async (options) => {
    await close(options);
    assertNoCspViolations(browser);
  };
}

/** The violations `browser`'s pages reported so far; clears the record. */
export function takeCspViolations(browser: object): CspViolation[] {
  const sink = recorded.get(browser);
  if (!sink) throw new Error("this browser is not watched (watchBrowser)");
  return sink.splice(0);
}

/** Fails, listing them, if `browser`'s pages reported any violation. */
export function assertNoCspViolations(browser: object): void {
  const violations = takeCspViolations(browser);
  assert.deepEqual(
    violations,
    [],
    `pages broke the Content-Security-Policy ${violations.length} time(s)`,
  );
}
