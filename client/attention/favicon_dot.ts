/**
 * The favicon with a dot while a call rings in a background tab: the
 * `<link rel=icon>` points at `static/favicon-ringing.svg` (same origin, so
 * `img-src 'self'` allows it; no data URL needed) and back afterwards.
 */

/** The dotted variant, served from `static/`. */
export const DOTTED_FAVICON = "/favicon-ringing.svg";

/** The slice of `document` used. */
export interface IconDocument {
  querySelector(selector: string): { href: string } | null;
}

/** See the module doc; {@link FaviconDot.set} is idempotent. */
export class FaviconDot {
  #original: string | null = null;

  constructor(private readonly doc: IconDocument) {}

  /** Shows the dotted icon (true) or the page's own (false). */
  set(dot: boolean): void {
    const link = this.doc.querySelector("link[rel~=icon]");
    if (!link || dot === (this.#original !== null)) return;
    if (dot) {
      this.#original = link.href;
      link.href = DOTTED_FAVICON;
    } else {
      link.href = this.#original!;
      this.#original = null;
    }
  }

  /** Puts the page's own icon back. */
  dispose(): void {
    this.set(false);
  }
}
