/**
 * {@linkcode TestBrowser} and {@linkcode TestPage} over playwright-core, for
 * Chromium.
 */
import type * as Playwright from "playwright-core";
import { type CspViolation, takeCspViolations } from "./csp_watch.ts";
import {
  type Loose,
  type PagePermission,
  STEP_TIMEOUT_MS,
  type TestBrowser,
  type TestPage,
} from "./test_page.ts";

/** A Chromium launched by `launchBrowser` (which watches it for CSP violations). */
export class ChromiumBrowser implements TestBrowser {
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
  evaluateScript(source: string): Promise<unknown> {
    return this.page.evaluate(source);
  }
  async colorScheme(scheme: "light" | "dark") {
    await this.page.emulateMedia({ colorScheme: scheme });
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
  async grant(permissions: PagePermission[], origin: string) {
    await this.context.grantPermissions(permissions, { origin });
  }
  async evaluateInServiceWorker<R, A>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
  ): Promise<R> {
    const worker = this.context.serviceWorkers()[0] ??
      await this.context.waitForEvent("serviceworker");
    return await worker.evaluate(fn as Loose, arg) as R;
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
