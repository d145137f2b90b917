/**
 * staticFiles(): ETag/304, content types, immutable build files, misses
 * falling through, and no way out of static/. Reads the fixture and writes
 * a stand-in build, so it is ignored without permissions (except the pure
 * path checks).
 */
import assert from "node:assert/strict";
import { App, staticFiles } from "fresh";
import { safeSegments } from "../../framework/safe_path.ts";
import { gunzipSync } from "node:zlib";
import { acceptsGzip, etagMatches } from "../../framework/static_files.ts";
import { needsRun } from "../helpers/permissions.ts";
import { fakeBuild, FIXTURE, INFO } from "./helpers.ts";

Deno.test("safeSegments refuses traversal and odd encodings", () => {
  assert.deepEqual(safeSegments("/css/site.css"), ["css", "site.css"]);
  assert.deepEqual(safeSegments("/a%20b.txt"), ["a b.txt"]);
  for (
    const bad of [
      "/../secret.txt",
      "/a/../../secret.txt",
      "/%2e%2e/secret.txt",
      "/%2E%2E%2Fsecret.txt",
      "/..%2fsecret.txt",
      "/..%5csecret.txt",
      "/a%00.txt",
      "//etc/passwd",
      "/dir/",
      "/.hidden",
      "/%2ehidden",
      "/%zz",
      "relative.txt",
    ]
  ) assert.equal(safeSegments(bad), null, bad);
});

Deno.test("etagMatches compares weakly and understands lists and *", () => {
  assert.ok(etagMatches('W/"abc"', 'W/"abc"'));
  assert.ok(etagMatches('"abc"', 'W/"abc"'));
  assert.ok(etagMatches('"x", W/"abc"', 'W/"abc"'));
  assert.ok(etagMatches("*", 'W/"abc"'));
  assert.ok(!etagMatches('W/"abd"', 'W/"abc"'));
});

Deno.test("acceptsGzip reads Accept-Encoding lists, q-values and *", () => {
  assert.ok(acceptsGzip("gzip"));
  assert.ok(acceptsGzip("br, GZIP;q=0.5"));
  assert.ok(acceptsGzip("deflate, *"));
  assert.ok(!acceptsGzip(null));
  assert.ok(!acceptsGzip(""));
  assert.ok(!acceptsGzip("br, deflate"));
  assert.ok(!acceptsGzip("gzip;q=0"));
  assert.ok(!acceptsGzip("gzip; q=0.000, *"), "explicit gzip wins over *");
  assert.ok(!acceptsGzip("*;q=0"));
});

/** An app over the fixture with a stand-in build; `fn` gets a GET helper. */
async function withApp(
  fn: (
    get: (path: string, headers?: HeadersInit) => Promise<Response>,
    buildDir: string,
  ) => Promise<void>,
) {
  const buildDir = await Deno.makeTempDir();
  try {
    await fakeBuild(buildDir, "b1");
    const app = new App({ root: FIXTURE, buildDir }).use(staticFiles())
      .fsRoutes();
    const handler = app.handler();
    await fn(
      (path, headers) =>
        handler(new Request(`http://localhost${path}`, { headers }), INFO),
      buildDir,
    );
  } finally {
    await Deno.remove(buildDir, { recursive: true });
  }
}

Deno.test({
  name: "static file: 200 with weak ETag and type, 304 on If-None-Match",
  ignore: needsRun,
  async fn() {
    await withApp(async (get) => {
      const res = await get("/hello.txt");
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "hello static\n");
      assert.equal(
        res.headers.get("content-type"),
        "text/plain; charset=utf-8",
      );
      assert.equal(res.headers.get("cache-control"), "no-cache");
      const etag = res.headers.get("etag")!;
      assert.match(etag, /^W\/"[0-9a-f-]+"$/);

      const again = await get("/hello.txt", { "if-none-match": etag });
      assert.equal(again.status, 304);
      assert.equal(again.headers.get("etag"), etag);
      assert.equal(again.body, null);

      const changed = await get("/hello.txt", { "if-none-match": 'W/"other"' });
      assert.equal(changed.status, 200);
      await changed.body?.cancel();

      const css = await get("/style.css");
      assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
      await css.body?.cancel();
    });
  },
});

Deno.test({
  name: "build files are immutable; other build ids and unknown paths 404",
  ignore: needsRun,
  async fn() {
    await withApp(async (get) => {
      const res = await get("/_fresh/js/b1/boot.js");
      assert.equal(res.status, 200);
      assert.equal(
        res.headers.get("cache-control"),
        "public, max-age=31536000, immutable",
      );
      assert.equal(
        res.headers.get("content-type"),
        "text/javascript; charset=utf-8",
      );
      assert.match(res.headers.get("etag")!, /^W\//);
      await res.body?.cancel();

      for (
        const path of [
          "/_fresh/js/old/boot.js",
          "/_fresh/js/b1/nope.js",
          "/nope.txt",
          "/_fresh/manifest.json",
        ]
      ) {
        const miss = await get(path);
        assert.equal(miss.status, 404, path);
        assert.match(
          await miss.text(),
          /Fixture: page not found/,
          "falls through to the app's 404",
        );
      }
    });
  },
});

Deno.test({
  name:
    "a file's gzip twin goes to clients that take gzip, with its own ETag; others get the file",
  ignore: needsRun,
  async fn() {
    await withApp(async (get, buildDir) => {
      const plain = await Deno.readFile(`${buildDir}/js/boot.js`);
      const path = "/_fresh/js/b1/boot.js";
      const zipped = await get(path, { "accept-encoding": "br, gzip" });
      assert.equal(zipped.headers.get("content-encoding"), "gzip");
      assert.equal(zipped.headers.get("vary"), "accept-encoding");
      assert.equal(
        zipped.headers.get("content-type"),
        "text/javascript; charset=utf-8",
      );
      const body = new Uint8Array(await zipped.arrayBuffer());
      assert.equal(Number(zipped.headers.get("content-length")), body.length);
      assert.deepEqual(gunzipSync(body), Buffer.from(plain));

      const others: HeadersInit[] = [{}, { "accept-encoding": "gzip;q=0, br" }];
      for (const headers of others) {
        const res = await get(path, headers);
        assert.equal(res.headers.get("content-encoding"), null);
        assert.equal(res.headers.get("vary"), "accept-encoding");
        assert.deepEqual(new Uint8Array(await res.arrayBuffer()), plain);
        assert.notEqual(
          res.headers.get("etag"),
          zipped.headers.get("etag"),
          "each encoding has its own ETag",
        );
      }
      const again = await get(path, {
        "accept-encoding": "gzip",
        "if-none-match": zipped.headers.get("etag")!,
      });
      assert.equal(again.status, 304);
      // Without a twin, gzip-taking clients get the file as it is.
      const txt = await get("/hello.txt", { "accept-encoding": "gzip" });
      assert.equal(txt.headers.get("content-encoding"), null);
      assert.equal(await txt.text(), "hello static\n");
    });
  },
});

Deno.test({
  name: "no traversal out of static/ (.., %2e%2e, encoded slashes, dot-files)",
  ignore: needsRun,
  async fn() {
    await withApp(async (get) => {
      for (
        const path of [
          "/../secret.txt",
          "/%2e%2e/secret.txt",
          "/..%2fsecret.txt",
          "/%2e%2e%2fsecret.txt",
          "/..%5csecret.txt",
          "/static/../secret.txt",
          "/.hidden",
          "//work/main/tests/framework/fixture/secret.txt",
          "/%2fetc%2fpasswd",
        ]
      ) {
        const res = await get(path);
        const body = await res.text();
        assert.equal(res.status, 404, path);
        assert.ok(
          !body.includes("TOP-SECRET") && !body.includes("dotfile-secret"),
          path,
        );
      }
    });
  },
});

Deno.test({
  name:
    "static text without a twin is gzipped once per version for clients that take it; small files and images are sent as they are",
  ignore: needsRun,
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${root}/static`);
      const css = ".a { color: red; }\n".repeat(200);
      await Deno.writeTextFile(`${root}/static/big.css`, css);
      await Deno.writeTextFile(`${root}/static/small.css`, ".b{}\n");
      await Deno.writeFile(`${root}/static/pic.png`, new Uint8Array(4096));
      const handler = new App({ root }).use(staticFiles()).handler();
      const get = (p: string, headers: HeadersInit = {}) =>
        handler(new Request(`http://localhost${p}`, { headers }), INFO);
      const gzip = { "accept-encoding": "gzip, br" };

      const zipped = await get("/big.css", gzip);
      assert.equal(zipped.headers.get("content-encoding"), "gzip");
      assert.equal(
        zipped.headers.get("content-type"),
        "text/css; charset=utf-8",
      );
      const body = new Uint8Array(await zipped.arrayBuffer());
      assert.equal(Number(zipped.headers.get("content-length")), body.length);
      assert.ok(body.length < css.length / 10, `${body.length} B`);
      assert.equal(new TextDecoder().decode(gunzipSync(body)), css);
      const etag = zipped.headers.get("etag")!;
      assert.match(etag, /-gz"$/);
      const plain = await get("/big.css");
      assert.equal(plain.headers.get("content-encoding"), null);
      assert.equal(await plain.text(), css);
      assert.notEqual(plain.headers.get("etag"), etag);
      const again = await get("/big.css", { ...gzip, "if-none-match": etag });
      assert.equal(again.status, 304);

      // A new version of the file is gzipped again, not served stale.
      const changed = css.replace(/red/g, "blue");
      await Deno.writeTextFile(`${root}/static/big.css`, changed);
      const now = new Date(Date.now() + 5_000);
      await Deno.utime(`${root}/static/big.css`, now, now);
      const fresh = await get("/big.css", gzip);
      assert.equal(
        new TextDecoder().decode(
          gunzipSync(new Uint8Array(await fresh.arrayBuffer())),
        ),
        changed,
      );

      for (const path of ["/small.css", "/pic.png"]) {
        const res = await get(path, gzip);
        assert.equal(res.headers.get("content-encoding"), null, path);
        await res.body?.cancel();
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "a symlink leading out of static/ is not followed",
  ignore: needsRun,
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${root}/static`);
      await Deno.writeTextFile(`${root}/outside.txt`, "OUTSIDE");
      await Deno.writeTextFile(`${root}/static/inside.txt`, "INSIDE");
      await Deno.symlink(`${root}/outside.txt`, `${root}/static/link.txt`);
      const handler = new App({ root }).use(staticFiles()).handler();
      const get = (p: string) =>
        handler(new Request(`http://localhost${p}`), INFO);
      const inside = await get("/inside.txt");
      assert.equal(await inside.text(), "INSIDE");
      const link = await get("/link.txt");
      assert.equal(link.status, 404);
      assert.ok(!(await link.text()).includes("OUTSIDE"));
      const post = await handler(
        new Request("http://localhost/inside.txt", { method: "POST" }),
        INFO,
      );
      assert.equal(post.status, 404, "only GET and HEAD are served");
      await post.body?.cancel();
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
