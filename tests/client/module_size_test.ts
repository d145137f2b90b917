/**
 * The browser side stays in small modules: a file that grows past the limit
 * has taken on a second concern and should be split.
 */
import assert from "node:assert/strict";
import { granted } from "../helpers/permissions.ts";

const MAX_LINES = 400;
const ROOT = new URL("../../", import.meta.url);

async function sourceFiles(dir: URL): Promise<URL[]> {
  const files: URL[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) files.push(...await sourceFiles(url));
    else if (/\.tsx?$/.test(entry.name)) files.push(url);
  }
  return files;
}

Deno.test({
  name: `no module in client/ or islands/ is over ${MAX_LINES} lines`,
  ignore: !granted("read"),
  async fn() {
    const tooLong: string[] = [];
    for (const dir of ["client/", "islands/"]) {
      for (const file of await sourceFiles(new URL(dir, ROOT))) {
        const lines = (await Deno.readTextFile(file)).split("\n").length - 1;
        if (lines > MAX_LINES) {
          tooLong.push(
            `${file.pathname.slice(ROOT.pathname.length)}: ${lines}`,
          );
        }
      }
    }
    assert.deepEqual(tooLong, [], "split these modules");
  },
});
