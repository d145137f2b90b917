/**
 * The two numbers the framework promises: the gzip size of what a page with
 * one trivial island downloads (< 10 KB), and start-up to first served
 * request after a build (target < 300 ms in-process). Both are printed.
 */
import assert from "node:assert/strict";
import { App, build, staticFiles } from "fresh";
import { needsRun } from "../helpers/permissions.ts";
import { buildFixture, FIXTURE, gzipSize, INFO } from "./helpers.ts";

const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

Deno.test({
  name: "a page with one trivial island downloads < 10 KB of gzipped JS",
  ignore: needsRun,
  async fn() {
    // A project with exactly one island, as an app with one island would be.
    const root = await Deno.makeTempDir({ prefix: "one-island-" });
    try {
      await Deno.mkdir(`${root}/islands`);
      await Deno.mkdir(`${root}/routes`);
      await Deno.copyFile(
        new URL("islands/Trivial.tsx", FIXTURE),
        `${root}/islands/Trivial.tsx`,
      );
      await Deno.writeTextFile(
        `${root}/routes/index.tsx`,
        `import Trivial from "../islands/Trivial.tsx";\nexport default () => <Trivial />;\n`,
      );
      await build({ root, config: CONFIG });
      const handler = new App({ root }).use(staticFiles()).fsRoutes().handler();
      const get = (path: string) =>
        handler(new Request(`http://localhost${path}`), INFO);

      const html = await (await get("/")).text();
      const urls = [...html.matchAll(/(?:src|href)="(\/_fresh\/js\/[^"]+)"/g)]
        .map((m) => m[1]);
      let total = 0;
      const sizes: string[] = [];
      for (const url of new Set(urls)) {
        const res = await get(url);
        assert.equal(res.status, 200, url);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const gz = await gzipSize(bytes);
        total += gz;
        sizes.push(`${url.split("/").pop()} ${bytes.length} B -> ${gz} B gzip`);
      }
      console.log(
        `one-island page JS: ${total} B gzip (${urls.length} files)\n  ${
          sizes.join("\n  ")
        }`,
      );
      // A single island is bundled into the boot file: one script, which the
      // island data names as the island's module.
      assert.ok(urls.length >= 1, "the boot script is loaded");
      assert.match(html, /"Trivial":"\/_fresh\/js\/[^"]+\/boot\.js"/);
      assert.ok(total < 10 * 1024, `${total} B gzip`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "start-up to first served request after a build",
  ignore: needsRun,
  async fn() {
    const buildDir = await buildFixture();
    try {
      // In-process: what the app itself costs (route/island imports, manifest).
      const started = performance.now();
      const app = new App({ root: FIXTURE, buildDir }).use(staticFiles())
        .fsRoutes();
      const server = await app.listen({
        port: 0,
        hostname: "127.0.0.1",
        onListen() {},
      });
      const res = await fetch(`http://127.0.0.1:${server.addr.port}/`);
      await res.text();
      const inProcess = performance.now() - started;
      await server.shutdown();

      // A fresh `deno run` of the fixture's main.ts: includes Deno's own
      // start-up and module loading from the (warm) cache.
      const spawned = performance.now();
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("main.ts", FIXTURE).pathname],
        env: { FIXTURE_BUILD_DIR: buildDir, PORT: "0" },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      let processTotal = NaN;
      try {
        const reader = child.stdout.pipeThrough(new TextDecoderStream())
          .getReader();
        let out = "";
        while (!/listening \d+/.test(out)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`fixture exited: ${out}`);
          out += value;
        }
        const port = out.match(/listening (\d+)/)![1];
        const first = await fetch(`http://127.0.0.1:${port}/`);
        assert.equal(first.status, 200);
        await first.text();
        processTotal = performance.now() - spawned;
        reader.releaseLock();
      } finally {
        child.kill("SIGTERM");
        await child.status;
        await child.stdout.cancel().catch(() => {});
      }
      console.log(
        `start-up to first response: in-process ${inProcess.toFixed(0)} ms,` +
          ` new deno process ${processTotal.toFixed(0)} ms`,
      );
      assert.ok(inProcess < 300, `${inProcess} ms in-process`);
    } finally {
      await Deno.remove(buildDir, { recursive: true });
    }
  },
});
