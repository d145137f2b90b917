/**
 * Routing, middleware and error pages. The first group needs no permissions;
 * the fsRoutes group reads the fixture and writes a stand-in build.
 */
import assert from "node:assert/strict";
import { h } from "preact";
import { App, createDefine, HttpError } from "fresh";
import { compareRoutePaths, routePath } from "../../framework/fs_routes.ts";
import { needsRun } from "../helpers/permissions.ts";
import { fakeBuild, FIXTURE, INFO } from "./helpers.ts";

function call<S>(app: App<S>, path: string, init?: RequestInit) {
  return app.handler()(new Request(`http://localhost${path}`, init), INFO);
}

/** Runs `fn` with console.error silenced; returns what it would have printed. */
async function quietly<T>(fn: () => Promise<T>): Promise<[T, string]> {
  const original = console.error;
  let logged = "";
  console.error = (...args: unknown[]) => {
    logged +=
      args.map((a) => a instanceof Error ? a.stack : String(a)).join(" ") +
      "\n";
  };
  try {
    return [await fn(), logged];
  } finally {
    console.error = original;
  }
}

Deno.test("dynamic segments become decoded params", async () => {
  const app = new App()
    .get(
      "/r/:room",
      (ctx) => new Response(`room=${ctx.params.room} route=${ctx.route}`),
    )
    .get("/r/new", () => new Response("static wins when first"));
  assert.equal(
    await (await call(app, "/r/hello%20world")).text(),
    "room=hello world route=/r/:room",
  );
  assert.equal(
    await (await call(app, "/r/new")).text(),
    "room=new route=/r/:room",
  );
});

Deno.test("unknown path: built-in 404 page; wrong method: 405 with Allow", async () => {
  const app = new App().get("/", () => new Response("home"));
  const res = await call(app, "/nope");
  assert.equal(res.status, 404);
  assert.match(res.headers.get("content-type")!, /text\/html/);
  assert.match(await res.text(), /404 Not Found/);
  const post = await call(app, "/", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("a thrown error becomes a 500 without leaking details, and is logged", async () => {
  const app = new App().get("/boom", () => {
    throw new Error("database password is hunter2");
  });
  const [res, logged] = await quietly(() => call(app, "/boom"));
  assert.equal(res.status, 500);
  const body = await res.text();
  assert.match(body, /500 Internal Server Error/);
  assert.ok(!body.includes("hunter2") && !body.includes("at "), body);
  assert.match(logged, /hunter2/);
});

Deno.test("HttpError sets the status", async () => {
  const app = new App()
    .get("/teapot", () => {
      throw new HttpError(418);
    })
    .get("/gone", () => {
      throw new HttpError(404);
    });
  const res = await call(app, "/teapot");
  assert.equal(res.status, 418);
  await res.body?.cancel();
  const gone = await call(app, "/gone");
  assert.equal(gone.status, 404);
  assert.match(await gone.text(), /404 Not Found/);
});

Deno.test("middleware runs in order, around the handler, and sees 404s", async () => {
  const order: string[] = [];
  const define = createDefine<{ trail: string[] }>();
  const app = new App<{ trail: string[] }>()
    .use(define.middleware(async (ctx) => {
      order.push("a-in");
      ctx.state.trail = ["a"];
      const res = await ctx.next();
      order.push(`a-out:${res.status}`);
      res.headers.set("x-a", "1");
      return res;
    }))
    .use(async (ctx) => {
      order.push("b-in");
      ctx.state.trail.push("b");
      const res = await ctx.next();
      order.push("b-out");
      return res;
    })
    .get("/", (ctx) => {
      order.push("handler");
      return new Response(ctx.state.trail.join(","));
    });
  const res = await call(app, "/");
  assert.equal(await res.text(), "a,b");
  assert.equal(res.headers.get("x-a"), "1");
  assert.deepEqual(order, ["a-in", "b-in", "handler", "b-out", "a-out:200"]);
  order.length = 0;
  const missing = await call(app, "/missing");
  await missing.body?.cancel();
  assert.deepEqual(order, ["a-in", "b-in", "b-out", "a-out:404"]);
});

Deno.test("middleware sees the error page of a handler that throws", async () => {
  const seen: number[] = [];
  const app = new App()
    .use(async (ctx) => {
      const res = await ctx.next();
      seen.push(res.status);
      res.headers.set("x-seen", "1");
      return res;
    })
    .get("/gone", () => {
      throw new HttpError(410);
    })
    .get("/boom", () => {
      throw new Error("broken");
    });
  const gone = await call(app, "/gone");
  await gone.body?.cancel();
  const [boom] = await quietly(() => call(app, "/boom"));
  await boom.body?.cancel();
  assert.deepEqual(seen, [410, 500]);
  assert.equal(gone.headers.get("x-seen"), "1");
  assert.equal(boom.headers.get("x-seen"), "1");
});

Deno.test("middleware can answer without calling next", async () => {
  const app = new App()
    .use((ctx) =>
      ctx.url.pathname === "/blocked"
        ? new Response("no", { status: 403 })
        : ctx.next()
    )
    .get("/blocked", () => new Response("never"));
  const res = await call(app, "/blocked");
  assert.equal(res.status, 403);
  assert.equal(await res.text(), "no");
});

Deno.test("ctx.render(vnode) renders a page; HEAD answers like GET", async () => {
  const app = new App().get("/", (ctx) => ctx.render(h("p", null, "hello")));
  const res = await call(app, "/");
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(
    html,
    /^<!DOCTYPE html><html lang="en"><head>.*<body><p>hello<\/p><\/body><\/html>$/,
  );
  assert.ok(!html.includes("<script"));
  const head = await call(app, "/", { method: "HEAD" });
  assert.equal(head.status, 200);
  await head.body?.cancel();
});

Deno.test("route file names map to URL patterns, most specific first", () => {
  assert.equal(routePath("index.tsx"), "/");
  assert.equal(routePath("r/[room].tsx"), "/r/:room");
  assert.equal(routePath("r/index.tsx"), "/r");
  assert.equal(routePath("(lobby)/about.tsx"), "/about");
  assert.equal(routePath("files/[...path].ts"), "/files/:path*");
  const sorted = ["/:page", "/r/:room", "/files/:path*", "/r/new", "/"].sort(
    compareRoutePaths,
  );
  assert.deepEqual(sorted, [
    "/",
    "/r/new",
    "/r/:room",
    "/files/:path*",
    "/:page",
  ]);
});

Deno.test({
  name: "fsRoutes: pages, _app, dynamic routes, handlers, _404 and _500",
  ignore: needsRun,
  async fn() {
    const buildDir = await Deno.makeTempDir();
    try {
      await fakeBuild(buildDir);
      const app = new App({ root: FIXTURE, buildDir })
        .use((ctx) => {
          (ctx.state as Record<string, string>).who = "mw";
          return ctx.next();
        })
        .get("/healthz", () => new Response("explicit"))
        .fsRoutes();

      const home = await call(app, "/");
      const html = await home.text();
      assert.equal(home.status, 200);
      assert.match(
        html,
        /^<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"\/><title>fixture<\/title>/,
      );
      assert.match(html, /<!--frsh:island:Counter:0:-->/);
      assert.match(html, /src="\/_fresh\/js\/testbuild\/boot.js"/);

      const room = await call(app, "/r/lobby");
      assert.match(await room.text(), /<p id="room">room lobby LOBBY mw<\/p>/);

      const plain = await (await call(app, "/plain")).text();
      assert.match(plain, /no islands here/);
      assert.ok(!plain.includes("<script"));

      const health = await call(app, "/healthz");
      assert.equal(
        await health.text(),
        "explicit",
        "explicit routes win over files",
      );
      assert.equal(
        await (await call(app, "/methods", { method: "POST", body: "x" }))
          .text(),
        "post x",
      );
      const put = await call(app, "/methods", { method: "PUT" });
      assert.equal(put.status, 405);
      assert.equal(put.headers.get("allow"), "GET, POST, HEAD");
      await put.body?.cancel();

      const missing = await call(app, "/r/a/b");
      assert.equal(missing.status, 404);
      const missingHtml = await missing.text();
      assert.match(
        missingHtml,
        /<title>fixture<\/title>.*Fixture: page not found/,
      );

      const [boom, logged] = await quietly(() => call(app, "/boom"));
      assert.equal(boom.status, 500);
      const boomHtml = await boom.text();
      assert.match(boomHtml, /Fixture: error 500/);
      assert.ok(!boomHtml.includes("secret-detail"));
      assert.match(logged, /secret-detail-should-not-leak/);

      const forbidden = await call(app, "/forbidden");
      assert.equal(forbidden.status, 403);
      assert.match(await forbidden.text(), /Fixture: error 403/);
    } finally {
      await Deno.remove(buildDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "fsRoutes without a client build: listen fails and says to build",
  ignore: needsRun,
  async fn() {
    const buildDir = await Deno.makeTempDir();
    try {
      const app = new App({ root: FIXTURE, buildDir }).fsRoutes();
      await assert.rejects(() => app.listen({ port: 0 }), /deno task build/);
    } finally {
      await Deno.remove(buildDir, { recursive: true });
    }
  },
});
