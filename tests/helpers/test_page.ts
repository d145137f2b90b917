/**
 * What a browser test drives, whichever browser and driver it runs on:
 * {@linkcode TestBrowser} makes pages, each alone in its own context, and
 * {@linkcode TestPage} is the page. `browsers.ts` launches them.
 */
import type { CspViolation } from "./csp_watch.ts";

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
  /**
   * Runs a script's source text in the page through the driver, which the
   * page's Content-Security-Policy does not govern (a `<script>` tag or
   * `eval` would be refused by it); returns the value of its last
   * expression.
   */
  evaluateScript(source: string): Promise<unknown>;
  /**
   * Emulates `prefers-color-scheme` for the page from now on (Chromium
   * only: puppeteer emulates media features over CDP, which Firefox's
   * WebDriver BiDi lacks; there, launch with the pref
   * `layout.css.prefers-color-scheme.content-override`, 0 for dark).
   */
  colorScheme?(scheme: "light" | "dark"): Promise<void>;
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
  /**
   * Focuses the element and presses `key` (e.g. `Enter`, or `Shift+H` with
   * modifiers held around it).
   */
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
  /**
   * Grants `origin` these permissions in this page's context, with no
   * prompt (e.g. `Notification.requestPermission()` answers "granted").
   * Where the browser was launched without its fake permission prompt
   * (`--use-fake-ui-for-media-stream`), what is not granted is refused.
   */
  grant(permissions: PagePermission[], origin: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the service worker of the page's origin (Chromium
   * only: the drivers reach workers there); waits for it to start.
   */
  evaluateInServiceWorker?<R, A = undefined>(
    fn: (arg: A) => R | Promise<R>,
    arg?: A,
  ): Promise<R>;
  /** Uncaught errors and console errors, as one line each. */
  onProblem(listener: (line: string) => void): void;
  /** `alert`/`confirm`/`prompt`: the listener gets the message; it is dismissed. */
  onDialog(listener: (message: string) => void): void;
  isClosed(): boolean;
  /** Closes the page and its context. */
  close(): Promise<void>;
}

/**
 * A permission a test can grant a page. The clipboard ones let a page
 * write to and read back the system clipboard without a user prompt.
 */
export type PagePermission =
  | "notifications"
  | "microphone"
  | "camera"
  | "clipboard-read"
  | "clipboard-write";

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

/** A page function with its types erased, as the drivers' typings want it. */
export type Loose = (arg: unknown) => unknown;
