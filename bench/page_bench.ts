/**
 * Page figures: bytes of HTML, JavaScript and CSS that `/` costs a browser
 * (raw and gzip), server render time of `/` (from `deno bench`), and process
 * start to first served request. Needs `deno task build` first.
 *
 * Run alone: `deno run -A bench/page_bench.ts`, or import {@linkcode runPageBench}.
 */
import { startAppProcess } from "../tests/helpers/app_process.ts";
import { freePort } from "../tests/helpers/ports.ts";
import { type Figure, figure, median } from "./figures.ts";

const ROOT = new URL("../", import.meta.url);

/** Measures everything above against a fresh server process. */
export async function runPageBench(
  log: (line: string) => void = () => {},
): Promise<Figure[]> {
  log("page: start-up");
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) startups.push(await startupMs());
  log("page: bytes");
  const server = await startAppProcess({ port: freePort() });
  let bytes: PageBytes;
  try {
    bytes = await pageBytes(server.url);
  } finally {
    await server.kill("SIGTERM");
  }
  log("page: render (deno bench)");
  const render = await renderNs();
  return [
    figure("page / HTML", bytes.html.raw, "B"),
    figure("page / HTML gzip", bytes.html.gzip, "B"),
    figure("page / JS", bytes.js.raw, "B"),
    // Raised from 20,000 with the shared name rules (issue 12) and issue 14's
    // decision that libraries stay libraries.
    figure("page / JS gzip", bytes.js.gzip, "B", { target: { max: 25_000 } }),
    figure("page / CSS", bytes.css.raw, "B"),
    figure("page / CSS gzip", bytes.css.gzip, "B"),
    // deno bench reports no median; p75 bounds it from above.
    figure("render / p75 (deno bench)", render / 1e6, "ms", {
      target: { max: 2 },
    }),
    figure("start-up to first request, median of 5", median(startups), "ms", {
      target: { max: 300 },
    }),
  ];
}

interface Size {
  raw: number;
  gzip: number;
}

interface PageBytes {
  html: Size;
  js: Size;
  css: Size;
}

async function gzipSize(bytes: Uint8Array<ArrayBuffer>): Promise<number> {
  const stream = new Blob([bytes]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return (await new Response(stream).arrayBuffer()).byteLength;
}

interface Fetched {
  body: Uint8Array<ArrayBuffer>;
  /** Bytes on the wire with gzip: as sent, or gzipped here if sent plain. */
  gzip: number;
}

/**
 * Fetches `url` as a browser would, taking gzip. What the server sends
 * gzipped (the build, from its `.gz` twins) counts as sent; what it sends
 * plain counts gzipped here, as a compressing proxy in front would send it.
 */
async function fetchAsset(url: URL): Promise<Fetched> {
  const res = await fetch(url, { headers: { "accept-encoding": "gzip" } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  // fetch hands over the body decompressed, the headers as sent.
  const body = new Uint8Array(await res.arrayBuffer());
  const sent = res.headers.get("content-encoding") === "gzip"
    ? Number(res.headers.get("content-length"))
    : await gzipSize(body);
  return { body, gzip: sent };
}

/** Sums a set of files: raw bytes, and their gzip bytes on the wire. */
function sizeOf(files: Fetched[]): Size {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    raw += file.body.byteLength;
    gzip += file.gzip;
  }
  return { raw, gzip };
}

/**
 * Follows every script the page loads and every module they import,
 * statically or dynamically (esbuild writes both as quoted relative paths).
 */
async function pageBytes(base: string): Promise<PageBytes> {
  const page = new URL("/", base);
  const html = await fetchAsset(page);
  const text = new TextDecoder().decode(html.body);
  // Script tags, modulepreload links, and the island URLs the boot script
  // reads from the page's inline state: every .js the page names.
  const scripts = [...text.matchAll(/["']((?:\/|https?:)[^"']*?\.js)["']/g)]
    .map((m) => new URL(m[1], page));
  const styles = [
    ...text.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g),
  ]
    .map((m) => new URL(m[1], page));
  const seen = new Map<string, Fetched>();
  const queue = [...scripts];
  while (queue.length) {
    const url = queue.pop()!;
    if (seen.has(url.href)) continue;
    const fetched = await fetchAsset(url);
    seen.set(url.href, fetched);
    const source = new TextDecoder().decode(fetched.body);
    for (
      const m of source.matchAll(
        /(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g,
      )
    ) {
      queue.push(new URL(m[1], url));
    }
  }
  const css = await Promise.all(styles.map(fetchAsset));
  return {
    html: sizeOf([html]),
    js: sizeOf([...seen.values()]),
    css: sizeOf(css),
  };
}

async function startupMs(): Promise<number> {
  const server = await startAppProcess({ port: freePort(), pollMs: 2 });
  await server.kill("SIGTERM");
  return server.startupMs;
}

/** p75 of rendering `/`, in ns, from `deno bench --json`. */
async function renderNs(): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["bench", "-A", "--json", "bench/render_bench.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) throw new Error("deno bench bench/render_bench.ts failed");
  const report = JSON.parse(new TextDecoder().decode(out.stdout));
  const lobby = report.benches.find((b: { name: string }) =>
    b.name.startsWith("render / ")
  );
  return lobby.results[0].ok.p75;
}

if (import.meta.main) {
  const { formatTable } = await import("./figures.ts");
  console.log(formatTable(await runPageBench(console.error)));
}
