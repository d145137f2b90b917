/**
 * {@linkcode TestBrowser} and {@linkcode TestPage} over puppeteer-core
 * (WebDriver BiDi), for Firefox. Its pages report CSP violations like
 * Chromium's do (`csp_watch.ts`).
 */
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
  type Loose,
  type PagePermission,
  STEP_TIMEOUT_MS,
  type TestBrowser,
  type TestPage,
} from "./test_page.ts";

/** A Firefox launched by `launchFirefox`. */
export class FirefoxBrowser implements TestBrowser {
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
  evaluateScript(source: string): Promise<unknown> {
    return this.page.evaluate(source);
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
    // Playwright's form, e.g. "Shift+H": modifiers held around the key.
    const keys = key.split(/\+(?=.)/) as Puppeteer.KeyInput[];
    const last = keys.pop()!;
    for (const k of keys) await this.page.keyboard.down(k);
    await this.page.keyboard.press(last);
    for (const k of keys.reverse()) await this.page.keyboard.up(k);
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
  async grant(permissions: PagePermission[], origin: string) {
    // WebDriver BiDi's `permissions.setPermission`.
    await this.context.overridePermissions(origin, permissions);
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
