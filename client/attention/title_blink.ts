/**
 * The document title alternating with a message ("Ana is calling…"), so a
 * background tab's label catches the eye; the page's own title comes back
 * when it stops. Owns its one timer.
 */
import type { Timers } from "../timers.ts";

/** How long each of the two titles shows. */
export const TITLE_BLINK_MS = 1_000;

/** The slice of `document` used. */
export interface TitleTarget {
  title: string;
}

/** See the module doc; {@link TitleBlink.set} is idempotent. */
export class TitleBlink {
  #message: string | null = null;
  #original = "";
  #timer: number | undefined;

  constructor(
    private readonly doc: TitleTarget,
    private readonly timers: Timers,
  ) {}

  /** Starts alternating with `message`, or stops (null) and restores. */
  set(message: string | null): void {
    if (message === this.#message) return;
    if (this.#message === null) this.#original = this.doc.title;
    this.#message = message;
    this.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (message === null) {
      this.doc.title = this.#original;
      return;
    }
    this.#show(true);
  }

  /** Stops and restores the title. */
  dispose(): void {
    this.set(null);
  }

  #show(alternate: boolean): void {
    this.doc.title = alternate ? this.#message! : this.#original;
    this.#timer = this.timers.setTimeout(
      () => this.#show(!alternate),
      TITLE_BLINK_MS,
    );
  }
}
