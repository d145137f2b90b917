/**
 * Island discovery: every default-exported component of a module under
 * `<root>/islands/` is an island, except modules in a file or folder whose
 * name starts with `_` (`islands/_parts/View.tsx`): those are plain modules
 * that islands import, bundled into the islands that use them. The server
 * and the builder both name islands here, so their names always agree.
 */
import type { ComponentType } from "preact";
import type { IslandNames } from "./render/island_hook.ts";
import { fileIn, listModules } from "./walk.ts";

/** One island module: its name, and its path relative to `islands/`. */
export interface IslandFile {
  name: string;
  src: string;
  url: URL;
}

/** Lists island modules under `<root>/islands/`, named from their paths. */
export async function listIslands(root: URL): Promise<IslandFile[]> {
  const dir = new URL("islands/", root);
  const used = new Set<string>();
  const modules = (await listModules(dir)).filter((src) =>
    !src.split("/").some((part) => part.startsWith("_"))
  );
  return modules.map((src) => {
    // `call/View.tsx` -> `call_View`: safe in marker comments and URLs.
    const base = src.replace(/\.[^./]+$/, "").replace(/[^A-Za-z0-9_$]/g, "_");
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return { name, src, url: fileIn(dir, src) };
  });
}

/**
 * Imports the island modules. Route modules import the same URLs, so the
 * component objects here are the ones pages render.
 */
export async function loadIslands(files: IslandFile[]): Promise<IslandNames> {
  const modules = await Promise.all(files.map((f) => import(f.url.href)));
  const names = new Map<ComponentType<never>, string>();
  files.forEach((file, i) => {
    const component = modules[i].default;
    if (typeof component !== "function") {
      throw new Error(
        `islands/${file.src} must default-export a component (got ${typeof component})`,
      );
    }
    names.set(component, file.name);
  });
  return names;
}
