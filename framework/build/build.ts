/**
 * The island builder: bundles the boot module and every island for the
 * browser with `deno bundle` (esbuild), code-split so preact, signals and
 * any module shared by islands load once, and shared module-level signals
 * are one object on the page.
 *
 * Runs as a build step (`deno task build`): `Deno.bundle()` would need
 * `--unstable-bundle`, which Deno Deploy cannot pass, so nothing is bundled
 * at request time. The server never builds; it refuses to start without a
 * build that matches its islands (dev.ts rebuilds on change).
 */
import { gzipAsync } from "@gfx/zopfli";
import { listIslands } from "../islands.ts";
import { resolveDir, resolveRoot, toPath } from "../root.ts";
import { importGraph } from "./imports.ts";
import type { Manifest } from "./manifest.ts";

/** Options of {@linkcode build}. */
export interface BuildOptions {
  /** Project root (directory path/URL, or the URL of a file in it). */
  root: string | URL;
  /** Output directory, relative to `root` or absolute. Default `_fresh`. */
  buildDir?: string | URL;
  /** Build id; default `DENO_DEPLOYMENT_ID`, else a hash of the output. */
  buildId?: string;
  /**
   * The deno.json giving the import map and JSX settings. Default: the one
   * Deno finds from `root` upwards, as `deno run` would.
   */
  config?: string;
}

const BOOT_ENTRY = new URL("../client/boot.ts", import.meta.url);
/**
 * Zopfli's passes per file: 15 (its default) gets within a few bytes of
 * 100 on the page's bundle at a fifth of the time.
 */
const GZIP_ITERATIONS = 15;

/**
 * Bundles the client code into `<buildDir>/js/` and writes
 * `<buildDir>/manifest.json`. Returns the manifest.
 */
export async function build(options: BuildOptions): Promise<Manifest> {
  const root = resolveRoot(options.root);
  const buildDir = resolveDir(root, options.buildDir ?? "_fresh");
  const islands = await listIslands(root);

  await Deno.mkdir(buildDir, { recursive: true });
  const work = await Deno.makeTempDir({
    dir: toPath(buildDir),
    prefix: ".build-",
  });
  try {
    // Every entry is a tiny wrapper in one directory: esbuild names outputs
    // after entries relative to their common directory, so this keeps the
    // output flat, and `island_N` cannot clash with `boot` or another
    // `View.tsx`.
    const entries = [`${work}/boot.ts`];
    const files: Record<string, { file: string; src: string }> = {};
    // One island: it goes into the boot file itself, which default-exports
    // it (the boot's `import()` of the island's URL gets the boot module
    // back). One file gzips smaller than boot + shared chunk + island.
    const single = islands.length === 1;
    let bootExport = "";
    if (single) {
      bootExport = `export { default } from ${
        JSON.stringify(islands[0].url.href)
      };\n`;
      files[islands[0].name] = { file: "boot.js", src: islands[0].src };
    }
    for (const [n, island] of (single ? [] : islands).entries()) {
      const entry = `${work}/island_${n}.ts`;
      await Deno.writeTextFile(
        entry,
        `export { default } from ${JSON.stringify(island.url.href)};\n`,
      );
      entries.push(entry);
      files[island.name] = { file: `island_${n}.js`, src: island.src };
    }
    const out = `${work}/js`;
    await Deno.writeTextFile(
      entries[0],
      `import ${JSON.stringify(BOOT_ENTRY.href)};\n${bootExport}`,
    );
    await bundle(root, out, entries, options.config);
    const code = new Map<string, string>();
    for await (const entry of Deno.readDir(out)) {
      if (entry.isFile) {
        code.set(entry.name, await Deno.readTextFile(`${out}/${entry.name}`));
      }
    }
    // Each file also gzipped, once, for clients that take gzip
    // (static_files.ts): the server sends it without compressing per
    // request, about a third of the size. Zopfli writes ordinary gzip some
    // 4 % smaller than zlib's best level, for a fraction of a second here.
    for (const [name, text] of code) {
      await Deno.writeFile(
        `${out}/${name}.gz`,
        await gzipAsync(text, { numiterations: GZIP_ITERATIONS }),
      );
    }
    const manifest: Manifest = {
      buildId: options.buildId ?? deploymentId() ?? await contentHash(code),
      boot: "boot.js",
      islands: files,
      imports: importGraph(code),
    };
    // Swap the new output in whole, so a running server never sees half a build.
    const js = toPath(new URL("js", buildDir));
    await Deno.remove(js, { recursive: true }).catch(ignoreNotFound);
    await Deno.rename(out, js);
    await Deno.writeTextFile(
      new URL("manifest.json", buildDir),
      JSON.stringify(manifest, null, 2) + "\n",
    );
    return manifest;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(ignoreNotFound);
  }
}

async function bundle(
  root: URL,
  outdir: string,
  entries: string[],
  config: string | undefined,
): Promise<void> {
  // cwd = root: the project's deno.json (import map, JSX settings) is found
  // from there, as for `deno run`.
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--platform",
      "browser",
      "--minify",
      "--code-splitting",
      ...(config ? ["--config", config] : []),
      "--outdir",
      outdir,
      ...entries,
    ],
    cwd: toPath(root),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!success) {
    throw new Error(`deno bundle failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

function deploymentId(): string | undefined {
  const state = Deno.permissions.querySync({
    name: "env",
    variable: "DENO_DEPLOYMENT_ID",
  });
  return state.state === "granted"
    ? Deno.env.get("DENO_DEPLOYMENT_ID") || undefined
    : undefined;
}

async function contentHash(code: ReadonlyMap<string, string>): Promise<string> {
  const text = [...code].sort(([a], [b]) => a < b ? -1 : 1).map(([n, c]) =>
    `${n}\0${c}\0`
  ).join("");
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(text),
  );
  return [...new Uint8Array(digest).slice(0, 8)].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
}

function ignoreNotFound(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}
