/** Recursive directory listing for route and island discovery. */

const MODULE_FILE = /\.(tsx|jsx|ts|js|mts|mjs)$/;
const TEST_FILE = /([._]test|\.spec)\.[mc]?[jt]sx?$/;

/**
 * Lists the module files under `dir` (a directory URL) as `/`-separated
 * relative paths, sorted so every start-up sees the same order. Test files
 * are skipped; a missing directory yields an empty list.
 */
export async function listModules(dir: URL): Promise<string[]> {
  const found: string[] = [];
  const visit = async (url: URL, prefix: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(url));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    await Promise.all(entries.map(async (entry) => {
      const rel = prefix + entry.name;
      if (entry.isDirectory) {
        await visit(fileIn(url, `${entry.name}/`), `${rel}/`);
      } else if (MODULE_FILE.test(entry.name) && !TEST_FILE.test(entry.name)) {
        found.push(rel);
      }
    }));
  };
  await visit(dir, "");
  return found.sort();
}

/** The `file:` URL of relative path `rel` inside directory URL `dir`. */
export function fileIn(dir: URL, rel: string): URL {
  // Escape only what a URL would misread, and let the URL parser encode the
  // rest exactly as it does for an `import "./[room].tsx"`: module identity
  // is the URL string, so both must come out the same.
  const escaped = rel.replace(/[%#?]/g, (c) => encodeURIComponent(c));
  return new URL(`./${escaped}`, dir);
}
