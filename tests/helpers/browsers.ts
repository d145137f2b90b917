/**
 * The browsers of the end-to-end tests behind one small interface, so that a
 * test names the browsers it wants and nothing else: Chromium is driven by
 * playwright-core, Firefox by puppeteer-core (WebDriver BiDi). Every page is
 * in a context of its own (its own window, storage and camera), and every
 * page is watched for Content-Security-Policy violations: closing the
 * browser fails if any page reported one.
 */
import type * as Playwright from "playwright-core";
import type * as Puppeteer from "puppeteer-core";
import {
  assertNoCspViolations,
  CSP_BINDING,
  type CspViolation,
  reportViolations,
  takeCspViolations,
  violationSink,
} from "./csp_watch.ts";
import {
  CHROMIUM_PATH,
  chromiumPresent,
  FAKE_MEDIA_ARGS,
  launchBrowser,
  onCI,
} from "./browser.ts";
import { FIREFOX_PATH, firefoxPresent, launchFirefox } from "./firefox.ts";
import { granted } from "./permissions.ts";

export type BrowserName = "chromium" | "firefox";

/** Steps wait this long by default before failing with what they waited for. */
export const STEP_TIMEOUT_MS = 15_000;

/** A page of the app as a test drives it, whichever browser it runs in. */
export interface TestPage {
  /** The browser the page runs in. */
  readonly browserName: BrowserName;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (JSON-able) result. */
  evaluate<R, A = undefined>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
  ): Promise<R>;
  /** Waits until `fn(arg)` returns something truthy in the page; returns it. */
  waitForFunction<R, A = undefined>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
    options?: { timeout?: number },
  ): Promise<R>;
  /**
   * Waits until an element matching `selector` is visible (or, with
   * `state: "detached"`, until none is in the document).
   */
  waitForSelector(
    selector: string,
    options?: { timeout?: number; state?: "visible" | "detached" },
  ): Promise<void>;
  /** Whether an element matches `selector` now. */
  exists(selector: string): Promise<boolean>;
  /** Clicks the element, once it is visible and enabled. */
  click(selector: string): Promise<void>;
  /** Replaces the text of an input. */
  fill(selector: string, text: string): Promise<void>;
  /** Focuses the element and presses `key` (e.g. `Enter`). */
  press(selector: string, key: string): Promise<void>;
  focus(selector: string): Promise<void>;
  textContent(selector: string): Promise<string | null>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  inputValue(selector: string): Promise<string>;
  isDisabled(selector: string): Promise<boolean>;
  /** `fn` over the first element matching `selector` (which must exist). */
  $eval<R>(selector: string, fn: (element: HTMLElement) => R): Promise<R>;
  /** `fn` over every element matching `selector`. */
  $$eval<R>(selector: string, fn: (elements: HTMLElement[]) => R): Promise<R>;
  screenshot(path: string, options?: { fullPage?: boolean }): Promise<void>;
  /** Runs `fn(arg)` in every document the page loads, before its scripts. */
  addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void>;
  /** Uncaught errors and console errors, as one line each. */
  onProblem(listener: (line: string) => void): void;
  /** `alert`/`confirm`/`prompt`: the listener gets the message; it is dismissed. */
  onDialog(listener: (message: string) => void): void;
  isClosed(): boolean;
  /** Closes the page and its context. */
  close(): Promise<void>;
}

/** A running browser that makes pages, each in a context of its own. */
export interface TestBrowser {
  readonly name: BrowserName;
  newPage(
    options?: { viewport?: { width: number; height: number } },
  ): Promise<TestPage>;
  /** The CSP violations its pages reported so far; clears the record. */
  takeCspViolations(): CspViolation[];
  /** Closes the browser; fails if any of its pages broke the CSP. */
  close(): Promise<void>;
}

function present(name: BrowserName): boolean {
  return name === "firefox" ? firefoxPresent() : chromiumPresent();
}

/**
 * `ignore` value for a test that drives the named browsers: skipped without
 * permissions, or when one is missing outside CI. On CI (`CI=true`) a
 * missing browser is a failure, never a skip.
 */
export function needsBrowsers(...names: BrowserName[]): boolean {
  if (!granted("net", "read", "write", "env", "run")) return true;
  return !onCI() && !names.every(present);
}

/** Where each browser is expected, for messages. */
export const BROWSER_PATHS: Record<BrowserName, string> = {
  chromium: CHROMIUM_PATH,
  firefox: FIREFOX_PATH,
};

/**
 * Launches `name` headless with a fake camera and microphone. For Chromium,
 * `chromiumArgs` replace the fake-media flags (e.g. a browser without a
 * camera).
 */
export async function launch(
  name: BrowserName,
  options: { chromiumArgs?: string[] } = {},
): Promise<TestBrowser> {
  if (name === "chromium") {
    return new ChromiumBrowser(
      await launchBrowser(options.chromiumArgs ?? FAKE_MEDIA_ARGS),
    );
  }
  if (options.chromiumArgs) {
    throw new Error("chromiumArgs apply to Chromium only");
  }
  return new FirefoxBrowser(await launchFirefox());
}

/** A page function with its types erased, as the drivers' typings want it. */
type Loose = (arg: unknown) => unknown;

class ChromiumBrowser implements TestBrowser {
  readonly name = "chromium";
  constructor(private readonly browser: Playwright.Browser) {}

  async newPage(
    options: { viewport?: { width: number; height: number } } = {},
  ): Promise<TestPage> {
    const context = await this.browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    return new ChromiumPage(context, await context.newPage());
  }

  takeCspViolations(): CspViolation[] {
    return takeCspViolations(this.browser);
  }

  close(): Promise<void> {
    // launchBrowser's close checks the CSP record.
    return this.browser.close();
  }
}

class ChromiumPage implements TestPage {
  readonly browserName = "chromium";
  constructor(
    private readonly context: Playwright.BrowserContext,
    private readonly page: Playwright.Page,
  ) {}

  async goto(url: string) {
    await this.page.goto(url);
  }
  async reload() {
    await this.page.reload();
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.page.evaluate(fn as Loose, arg) as Promise<R>;
  }
  async waitForFunction<R, A>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
    options?: { timeout?: number },
  ): Promise<R> {
    const handle = await this.page.waitForFunction(fn as Loose, arg, options);
    const value = await handle.jsonValue() as R;
    await handle.dispose();
    return value;
  }
  async waitForSelector(
    selector: string,
    options: { timeout?: number; state?: "visible" | "detached" } = {},
  ) {
    await this.page.waitForSelector(selector, options);
  }
  async exists(selector: string) {
    return (await this.page.$(selector)) !== null;
  }
  click(selector: string) {
    return this.page.click(selector);
  }
  fill(selector: string, text: string) {
    return this.page.fill(selector, text);
  }
  press(selector: string, key: string) {
    return this.page.press(selector, key);
  }
  focus(selector: string) {
    return this.page.focus(selector);
  }
  textContent(selector: string) {
    return this.page.textContent(selector);
  }
  getAttribute(selector: string, name: string) {
    return this.page.getAttribute(selector, name);
  }
  inputValue(selector: string) {
    return this.page.inputValue(selector);
  }
  isDisabled(selector: string) {
    return this.page.isDisabled(selector);
  }
  $eval<R>(selector: string, fn: (element: HTMLElement) => R) {
    return this.page.$eval(selector, fn as (e: Element) => R);
  }
  $$eval<R>(selector: string, fn: (elements: HTMLElement[]) => R) {
    return this.page.$$eval(selector, fn as (e: Element[]) => R);
  }
  async screenshot(path: string, options: { fullPage?: boolean } = {}) {
    await this.page.screenshot({
      path,
      fullPage: options.fullPage,
      animations: "disabled",
    });
  }
  async addInitScript<A>(fn: (arg: A) => void, arg: A) {
    await this.page.addInitScript(fn as Loose, arg);
  }
  onProblem(listener: (line: string) => void) {
    this.page.on("pageerror", (e) => listener(`pageerror: ${e.message}`));
    this.page.on("console", (m) => {
      if (m.type() === "error") listener(`console: ${m.text()}`);
    });
  }
  onDialog(listener: (message: string) => void) {
    this.page.on("dialog", (d) => {
      listener(d.message());
      void d.dismiss().catch(() => {});
    });
  }
  isClosed() {
    return this.page.isClosed();
  }
  close() {
    return this.context.close();
  }
}

class FirefoxBrowser implements TestBrowser {
  readonly name = "firefox";
  readonly #violations: CspViolation[];
  constructor(private readonly browser: Puppeteer.Browser) {
    this.#violations = violationSink(this);
  }

  async newPage(
    options: { viewport?: { width: number; height: number } } = {},
  ): Promise<TestPage> {
    const context = await this.browser.createBrowserContext();
    // A window, not a tab: a tab behind another one is hidden, and a hidden
    // page throttles its timers and stops rendering video.
    const page = await context.newPage({ type: "window" });
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.setViewport(options.viewport ?? { width: 1280, height: 800 });
    const sink = this.#violations;
    await page.exposeFunction(CSP_BINDING, (v: CspViolation) => {
      sink.push(v);
    });
    await page.evaluateOnNewDocument(reportViolations, CSP_BINDING);
    return new FirefoxPage(context, page);
  }

  takeCspViolations(): CspViolation[] {
    return takeCspViolations(this);
  }

  async close(): Promise<void> {
    await this.browser.close();
    assertNoCspViolations(this);
  }
}

class FirefoxPage implements TestPage {
  readonly browserName = "firefox";
  constructor(
    private readonly context: Puppeteer.BrowserContext,
    private readonly page: Puppeteer.Page,
  ) {}

  async goto(url: string) {
    await this.page.goto(url);
  }
  async reload() {
    await this.page.reload();
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.page.evaluate(fn as Loose, arg) as Promise<R>;
  }
  async waitForFunction<R, A>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
    options: { timeout?: number } = {},
  ): Promise<R> {
    const handle = await this.page.waitForFunction(fn as Loose, options, arg);
    const value = await handle.jsonValue() as R;
    await handle.dispose();
    return value;
  }
  async waitForSelector(
    selector: string,
    options: { timeout?: number; state?: "visible" | "detached" } = {},
  ) {
    const { timeout, state = "visible" } = options;
    if (state === "visible") {
      await this.page.waitForSelector(selector, { timeout, visible: true });
    } else {
      await this.waitForFunction(
        (s) => document.querySelector(s) === null,
        selector,
        { timeout },
      );
    }
  }
  async exists(selector: string) {
    const handle = await this.page.$(selector);
    await handle?.dispose();
    return handle !== null;
  }
  click(selector: string) {
    return this.page.locator(selector).click();
  }
  fill(selector: string, text: string) {
    return this.page.locator(selector).fill(text);
  }
  async press(selector: string, key: string) {
    await this.page.focus(selector);
    await this.page.keyboard.press(key as Puppeteer.KeyInput);
  }
  async focus(selector: string) {
    await this.page.waitForSelector(selector);
    await this.page.focus(selector);
  }
  async textContent(selector: string) {
    await this.page.waitForSelector(selector);
    return await this.page.$eval(selector, (e) => e.textContent);
  }
  async getAttribute(selector: string, name: string) {
    await this.page.waitForSelector(selector);
    return await this.page.$eval(selector, (e, n) => e.getAttribute(n), name);
  }
  async inputValue(selector: string) {
    await this.page.waitForSelector(selector);
    return await this.page.$eval(
      selector,
      (e) => (e as HTMLInputElement).value,
    );
  }
  async isDisabled(selector: string) {
    await this.page.waitForSelector(selector);
    return await this.page.$eval(
      selector,
      (e) => (e as HTMLButtonElement).disabled === true,
    );
  }
  $eval<R>(selector: string, fn: (element: HTMLElement) => R) {
    return this.page.$eval(selector, fn as (e: Element) => R) as Promise<R>;
  }
  $$eval<R>(selector: string, fn: (elements: HTMLElement[]) => R) {
    return this.page.$$eval(selector, fn as (e: Element[]) => R) as Promise<R>;
  }
  async screenshot(path: string, options: { fullPage?: boolean } = {}) {
    await this.page.screenshot({
      path: path as `${string}.png`,
      fullPage: options.fullPage,
    });
  }
  async addInitScript<A>(fn: (arg: A) => void, arg: A) {
    await this.page.evaluateOnNewDocument(fn as Loose, arg);
  }
  onProblem(listener: (line: string) => void) {
    this.page.on("pageerror", (e) => listener(`pageerror: ${String(e)}`));
    this.page.on("console", (m) => {
      if (m.type() === "error") listener(`console: ${m.text()}`);
    });
  }
  onDialog(listener: (message: string) => void) {
    this.page.on("dialog", (d) => {
      listener(d.message());
      void d.dismiss().catch(() => {});
    });
  }
  isClosed() {
    return this.page.isClosed();
  }
  close() {
    return this.context.close();
  }
}
