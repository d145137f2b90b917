/**
 * The built-in error page, used when the app has no `_404`/`_500` route or
 * when that page itself fails. It never includes error details: those go to
 * the server log only.
 */

const TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  426: "Upgrade Required",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Short reason phrase for a status. */
export function statusText(status: number): string {
  return TEXT[status] ?? (status >= 500 ? "Server Error" : "Error");
}

/** A minimal HTML error response. */
export function builtinErrorPage(
  status: number,
  headers?: HeadersInit,
): Response {
  const title = `${status} ${statusText(status)}`;
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${title}</title></head><body><h1>${title}</h1></body></html>`;
  const h = new Headers(headers);
  h.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { status, headers: h });
}
