/**
 * Turns a raw URL pathname into file path segments, or `null` when it must
 * not map to a file: any `.`/`..` segment (plain or percent-encoded),
 * encoded slashes or backslashes, NUL, empty segments, dot-files, or
 * malformed escapes. The URL parser already folds `/../` and `%2e%2e`;
 * this re-checks because a `Request` URL may come from anywhere.
 */
export function safeSegments(pathname: string): string[] | null {
  if (!pathname.startsWith("/")) return null;
  const raw = pathname.slice(1).split("/");
  const out: string[] = [];
  for (const segment of raw) {
    if (segment === "" || /%(2f|5c|00)/i.test(segment)) return null;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    // Dot-files are refused too: `.env` or `.git` copied into static/
    // by mistake should not become public.
    if (decoded.startsWith(".") || /[\\/\0]/.test(decoded)) return null;
    out.push(decoded);
  }
  return out;
}
