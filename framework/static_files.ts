/**
 * `staticFiles()`: serves `<root>/static/` and the client build under
 * `/_fresh/js/<BUILD_ID>/`. Anything it does not find goes on to the next
 * handler, so it can sit first in the middleware chain.
 */
import { constants, gzipSync } from "node:zlib";
import { BUILD_URL_PREFIX } from "./build/manifest.ts";
import type { AppConfig } from "./context.ts";
import { contentType } from "./mime.ts";
import { safeSegments } from "./safe_path.ts";
import type { Middleware } from "./types.ts";
import { fileIn } from "./walk.ts";

/** Build output never changes under a given build id. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** Other files may change at any deploy: always revalidate (cheap: 304). */
const REVALIDATE = "no-cache";

interface Target {
  dir: URL;
  segments: string[];
  cacheControl: string;
}

function target(config: AppConfig, pathname: string): Target | null {
  const segments = safeSegments(pathname);
  if (!segments || segments.length === 0) return null;
  if (pathname.startsWith(BUILD_URL_PREFIX)) {
    // `/_fresh/js/<id>/<file>`: only the current build, and it is flat.
    const [, , id, file, ...more] = segments;
    if (!config.buildId || id !== config.buildId || !file || more.length) {
      return null;
    }
    return {
      dir: new URL("js/", config.buildDir),
      segments: [file],
      cacheControl: IMMUTABLE,
    };
  }
  return {
    dir: new URL("static/", config.root),
    segments,
    cacheControl: REVALIDATE,
  };
}

async function realDir(dir: URL): Promise<string | null> {
  try {
    return await Deno.realPath(dir);
  } catch {
    return null;
  }
}

/** Opens a regular file inside `dir`, refusing symlinks that lead out. */
async function openInside(
  t: Target,
): Promise<{ file: Deno.FsFile; info: Deno.FileInfo; path: string } | null> {
  const url = fileIn(t.dir, t.segments.join("/"));
  if (!url.href.startsWith(t.dir.href)) return null;
  let real: string;
  try {
    real = await Deno.realPath(url);
  } catch {
    return null; // missing, or a path through a file: not ours to serve
  }
  const base = await realDir(t.dir);
  if (!base || !real.startsWith(base + "/")) return null;
  const file = await Deno.open(real);
  const info = await file.stat();
  if (info.isFile) return { file, info, path: real };
  file.close();
  return null;
}

async function etagFor(
  path: string,
  info: Deno.FileInfo,
  cache: Map<string, string>,
): Promise<string> {
  if (info.mtime) {
    return `W/"${info.size.toString(16)}-${info.mtime.getTime().toString(16)}"`;
  }
  // Without mtimes (some deploy file systems), hash the content once.
  const key = `${path}:${info.size}`;
  let tag = cache.get(key);
  if (!tag) {
    const digest = await crypto.subtle.digest(
      "SHA-1",
      await Deno.readFile(path),
    );
    const hex = [...new Uint8Array(digest).slice(0, 10)].map((b) =>
      b.toString(16).padStart(2, "0")
    ).join("");
    cache.set(key, tag = `W/"${hex}"`);
  }
  return tag;
}

/**
 * True when an `Accept-Encoding` value takes gzip: listed without `q=0`, or
 * not listed but `*` is (RFC 9110, section 12.5.3).
 */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  let any = false;
  for (const item of acceptEncoding?.split(",") ?? []) {
    const [coding, ...params] = item.split(";").map((p) => p.trim());
    const q = params.find((p) => /^q=/i.test(p));
    const ok = !q || Number(q.slice(2)) > 0;
    const name = coding.toLowerCase();
    if (name === "gzip" || name === "x-gzip") return ok;
    if (name === "*") any = ok;
  }
  return any;
}

/** True when `If-None-Match` names `etag` (weak comparison, RFC 9110). */
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((t) =>
    t.trim().replace(/^W\//, "") === opaque
  );
}

/**
 * Middleware serving `<root>/static/` (revalidated with a weak ETag, 304
 * on `If-None-Match`) and the current client build (immutable). Only GET
 * and HEAD; everything else, and every miss, falls through to `ctx.next()`.
 * Traversal (`..`, `%2e%2e`, encoded slashes, dot-files, symlinks leading
 * out of the directory) is never served.
 */
export function staticFiles<State = Record<string, unknown>>(): Middleware<
  State
> {
  const hashes = new Map<string, string>();
  const zipped = new Map<
    string,
    { etag: string; bytes: Uint8Array<ArrayBuffer> }
  >();
  return async (ctx) => {
    const method = ctx.req.method;
    if (method !== "GET" && method !== "HEAD") return ctx.next();
    const t = target(ctx.config, ctx.url.pathname);
    let found = t && await openInside(t);
    if (!t || !found) return ctx.next();
    const takesGzip = acceptsGzip(ctx.req.headers.get("accept-encoding"));
    // A gzip twin (`<file>.gz`, as the build writes) for clients taking gzip.
    const twin = takesGzip && await openInside({
      ...t,
      segments: [...t.segments.slice(0, -1), `${t.segments.at(-1)}.gz`],
    });
    if (twin) {
      found.file.close();
      found = twin;
    }
    const { file, info } = found;
    const type = contentType(t.segments.at(-1)!);
    let etag = await etagFor(found.path, info, hashes);
    // Without a twin, text is gzipped here, once per version of the file.
    let body: Uint8Array<ArrayBuffer> | null = null;
    if (
      takesGzip && !twin && compressible(type) &&
      info.size >= GZIP_MIN_BYTES && info.size <= GZIP_MAX_BYTES
    ) {
      let cached = zipped.get(found.path);
      if (cached?.etag !== etag) {
        const bytes = new Uint8Array(
          gzipSync(await Deno.readFile(found.path), {
            level: constants.Z_BEST_COMPRESSION,
          }),
        );
        zipped.set(found.path, cached = { etag, bytes });
      }
      file.close();
      body = cached.bytes;
      etag = etag.replace(/"$/, '-gz"');
    }
    const headers = new Headers({
      etag,
      "cache-control": t.cacheControl,
      "x-content-type-options": "nosniff",
      vary: "accept-encoding",
    });
    if (twin || body) headers.set("content-encoding", "gzip");
    const ifNoneMatch = ctx.req.headers.get("if-none-match");
    if (ifNoneMatch && etagMatches(ifNoneMatch, etag)) {
      if (!body) file.close();
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-type", type);
    headers.set("content-length", String(body?.length ?? info.size));
    if (method === "HEAD") {
      if (!body) file.close();
      return new Response(null, { status: 200, headers });
    }
    return new Response(body ?? file.readable, { status: 200, headers });
  };
}

/** Smaller files gain too little from gzip to be worth it. */
const GZIP_MIN_BYTES = 1024;
/** Larger ones are not kept in memory. */
const GZIP_MAX_BYTES = 1 << 20;

/** Types that are text, which gzip shrinks (images and fonts are packed). */
function compressible(type: string): boolean {
  return type.startsWith("text/") || type.startsWith("image/svg") ||
    type.includes("json") || type.includes("xml");
}
