/**
 * `deno task build`: bundles the islands of the project in the working
 * directory (or the directory given as the first argument) into `_fresh/`.
 */
import { build } from "./build/build.ts";

const root = Deno.args[0] ?? Deno.cwd();
const started = performance.now();
const manifest = await build({ root });
const islands = Object.keys(manifest.islands);
console.log(
  `Built ${islands.length} island(s) [${
    islands.join(", ")
  }] as ${manifest.buildId}` +
    ` in ${Math.round(performance.now() - started)} ms`,
);
