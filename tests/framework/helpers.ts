/** Shared bits for the framework tests. */
import { gzipSync } from "node:zlib";
import type { ClientAssets } from "../../framework/render/page.ts";

/** A `Deno.ServeHandlerInfo` for calling `app.handler()` directly. */
export const INFO: Deno.ServeHandlerInfo = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 40000 },
  completed: Promise.resolve(),
} as Deno.ServeHandlerInfo;

/** Client assets for rendering islands without a real build. */
export function fakeAssets(...names: string[]): ClientAssets {
  return {
    boot: {
      url: "/_fresh/js/test/boot.js",
      imports: ["/_fresh/js/test/chunk.js"],
    },
    islands: new Map(
      names.map((n) => [n, { url: `/_fresh/js/test/${n}.js`, imports: [] }]),
    ),
  };
}

/** The text of the island data script in a rendered page. */
export function islandData(html: string): string {
  const open = '<script type="application/json" id="__frsh_state">';
  const start = html.indexOf(open);
  if (start === -1) throw new Error("no island data in page");
  const end = html.indexOf("</script>", start);
  return html.slice(start + open.length, end);
}

/** The fixture app's root directory URL. */
export const FIXTURE = new URL("./fixture/", import.meta.url);

/**
 * Writes a stand-in client build for the fixture into `dir`: a manifest that
 * lists every fixture island and one small file, without running a bundler.
 */
export async function fakeBuild(
  dir: string,
  buildId = "testbuild",
): Promise<void> {
  const { listIslands } = await import("../../framework/islands.ts");
  const islands = await listIslands(FIXTURE);
  await Deno.mkdir(`${dir}/js`, { recursive: true });
  await Deno.writeTextFile(`${dir}/js/boot.js`, "console.log('boot');\n");
  await Deno.writeFile(
    `${dir}/js/boot.js.gz`,
    gzipSync("console.log('boot');\n"),
  );
  await Deno.writeTextFile(
    `${dir}/manifest.json`,
    JSON.stringify({
      buildId,
      boot: "boot.js",
      islands: Object.fromEntries(
        islands.map((i) => [i.name, { file: "boot.js", src: i.src }]),
      ),
      imports: {},
    }),
  );
}

/** Gzipped size of `bytes` (CompressionStream's default level). */
export async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** Builds the fixture's client code into a new temp dir; returns its path. */
export async function buildFixture(): Promise<string> {
  const { build } = await import("../../framework/build/build.ts");
  const buildDir = await Deno.makeTempDir({ prefix: "fixture-build-" });
  await build({ root: FIXTURE, buildDir });
  return buildDir;
}
