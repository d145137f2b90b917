/**
 * Where the project lives. `root` may be a directory path or URL, or the URL
 * of a file in it (`import.meta.url` of `main.ts`), so callers can pass
 * whatever they have.
 */

const SOURCE_FILE = /\.(m?[jt]sx?)$/;

/** Resolves a project root to a directory `file:` URL ending in `/`. */
export function resolveRoot(root: string | URL): URL {
  let url: URL;
  if (root instanceof URL) url = new URL(root.href);
  else if (/^file:/.test(root)) url = new URL(root);
  else url = pathToUrl(root);
  // A source file (main.ts) names its directory; anything else is a directory.
  if (SOURCE_FILE.test(url.pathname)) return new URL("./", url);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

/** Resolves `target` (absolute, or relative to `root`) to a directory URL. */
export function resolveDir(root: URL, target: string | URL): URL {
  const url = target instanceof URL
    ? new URL(target.href)
    : /^file:/.test(target)
    ? new URL(target)
    : target.startsWith("/")
    ? pathToUrl(target)
    : new URL(target, root);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

function pathToUrl(path: string): URL {
  // Relative paths are relative to the working directory, as on a shell.
  const absolute = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  const url = new URL("file:///");
  url.pathname = absolute;
  return url;
}

/** A `file:` URL as a file system path (percent-decoded). */
export function toPath(url: URL): string {
  return decodeURIComponent(url.pathname);
}
