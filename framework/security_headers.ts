/**
 * Security headers for every response the app serves (pages, static files,
 * error pages, `/healthz`, `/metrics`), added by one middleware that sits
 * first in the chain.
 *
 * The policy allows nothing inline: the framework renders no inline script
 * (the island boot is an external module and island props travel in a
 * non-executing `<script type="application/json">` block) and no `style`
 * attribute, so an injected `<script>`, `onerror=` handler or `style=` is
 * refused by the browser even if it ever got into the markup.
 */
import type { Middleware } from "./types.ts";

/**
 * The `Content-Security-Policy`. `'self'` in `connect-src` also covers the
 * page's own `ws:`/`wss:` socket on the same host and port (CSP Level 3,
 * checked in Chromium by `tests/e2e/csp_test.ts`). Video elements take their
 * streams through `srcObject`, which no directive governs, and the app makes
 * no `blob:` or `data:` URLs, so neither scheme is allowed. The service
 * worker (`/sw.js`) needs no directive of its own: without `worker-src` or
 * `child-src`, `script-src 'self'` governs its registration.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "media-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Powerful features the call needs, for this origin only (never for a
 * frame of another origin), and a few it never needs, for no one.
 */
export const PERMISSIONS_POLICY = [
  "camera=(self)",
  "microphone=(self)",
  "display-capture=(self)",
  "fullscreen=(self)",
  "picture-in-picture=(self)",
  "geolocation=()",
  "payment=()",
  "usb=()",
].join(", ");

/** Every header the middleware adds, by name. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object
  .freeze({
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "permissions-policy": PERMISSIONS_POLICY,
    // Room URLs (`/r/<room>`) are the only key to a private room: no
    // request, link or resource load may carry them to another site.
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
  });

/**
 * Middleware adding {@linkcode SECURITY_HEADERS} to every response that does
 * not already set that header (a route may choose its own). A WebSocket
 * upgrade (101) is passed through untouched.
 */
export function securityHeaders<State>(): Middleware<State> {
  return async (ctx) => {
    const response = await ctx.next();
    if (response.status === 101) return response;
    try {
      addMissing(response.headers);
      return response;
    } catch {
      // Immutable headers (e.g. `Response.redirect`): copy into a new response.
      const copy = new Response(response.body, response);
      addMissing(copy.headers);
      return copy;
    }
  };
}

function addMissing(headers: Headers): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (!headers.has(name)) headers.set(name, value);
  }
}
