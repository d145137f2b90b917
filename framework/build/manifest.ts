/**
 * The build manifest (`<buildDir>/manifest.json`) links island names to the
 * bundled files, and turns into the browser URLs the renderer needs.
 */
import type { ClientAssets, ClientModule } from "../render/page.ts";
import type { IslandFile } from "../islands.ts";

/** URL prefix of built client files; the build id follows it. */
export const BUILD_URL_PREFIX = "/_fresh/js/";

/** Contents of `manifest.json`. */
export interface Manifest {
  /** Goes into bundle URLs, so a new build never hits old cached files. */
  buildId: string;
  /** The boot module's file name in `<buildDir>/js/`. */
  boot: string;
  /** Per island: its bundled file and its source path under `islands/`. */
  islands: Record<string, { file: string; src: string }>;
  /** Static imports of each bundled file (transitively), for modulepreload. */
  imports: Record<string, string[]>;
}

/** Reads the manifest; `null` when there is no build. */
export async function readManifest(buildDir: URL): Promise<Manifest | null> {
  try {
    return JSON.parse(
      await Deno.readTextFile(new URL("manifest.json", buildDir)),
    );
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Checks that the build covers exactly the islands on disk, and returns the
 * browser URLs. Throws with the fix (`deno task build`) when it does not.
 */
export function clientAssets(
  manifest: Manifest | null,
  islands: IslandFile[],
): ClientAssets | null {
  if (islands.length === 0 && !manifest) return null;
  const stale = !manifest ||
    islands.length !== Object.keys(manifest.islands).length ||
    islands.some((i) => manifest.islands[i.name]?.src !== i.src);
  if (stale) {
    throw new Error(
      `The client build is ${manifest ? "out of date" : "missing"}` +
        ` (islands: ${islands.map((i) => i.name).join(", ")}).` +
        " Run `deno task build` first (`deno task dev` rebuilds on change).",
    );
  }
  const base = `${BUILD_URL_PREFIX}${manifest.buildId}/`;
  const module = (file: string): ClientModule => ({
    url: base + file,
    imports: (manifest.imports[file] ?? []).map((f) => base + f),
  });
  return {
    boot: module(manifest.boot),
    islands: new Map(
      Object.entries(manifest.islands).map((
        [name, i],
      ) => [name, module(i.file)]),
    ),
  };
}
