/**
 * Finds the static imports of bundled files, so pages can `modulepreload`
 * every chunk an island needs instead of discovering them one round trip at
 * a time.
 */

// esbuild puts static imports first, minified: `import{a as b}from"./c.js";`.
// Dynamic `import("./x.js")` does not match (a paren follows `import`), and is
// left out on purpose: those chunks are only loaded when needed.
const LEADING_IMPORT =
  /^\s*import\s*(?:[^"'();]*?from\s*)?["']\.\/([^"']+)["'];?/;

/** Direct relative static imports at the top of one bundled module. */
export function directImports(code: string): string[] {
  const found: string[] = [];
  let rest = code;
  for (let m = LEADING_IMPORT.exec(rest); m; m = LEADING_IMPORT.exec(rest)) {
    found.push(m[1]);
    rest = rest.slice(m[0].length);
  }
  return found;
}

/** For each file, all files it statically imports, directly or not. */
export function importGraph(
  files: ReadonlyMap<string, string>,
): Record<string, string[]> {
  const direct = new Map(
    [...files].map(([name, code]) => [name, directImports(code)]),
  );
  const out: Record<string, string[]> = {};
  for (const name of files.keys()) {
    const seen = new Set<string>();
    const stack = [...(direct.get(name) ?? [])];
    while (stack.length) {
      const dep = stack.pop()!;
      if (seen.has(dep) || !files.has(dep)) continue;
      seen.add(dep);
      stack.push(...(direct.get(dep) ?? []));
    }
    out[name] = [...seen].sort();
  }
  return out;
}
