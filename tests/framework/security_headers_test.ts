import assert from "node:assert/strict";
import { App, HttpError } from "fresh";
import {
  CONTENT_SECURITY_POLICY,
  SECURITY_HEADERS,
  securityHeaders,
} from "../../framework/security_headers.ts";
import { INFO } from "./helpers.ts";
import { needsApp, openApp } from "./metrics_app.ts";

function call(app: App, path: string): Promise<Response> {
  return app.handler()(new Request(`http://localhost${path}`), INFO);
}

function assertSecured(res: Response, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(res.headers.get(name), value, `${what}: ${name}`);
  }
}

/** The directives of a policy, by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(";").map((d) => d.trim().split(/\s+/)).map((
      [name, ...values],
    ) => [name, values]),
  );
}

Deno.test("the policy allows nothing inline, nothing evaluated, and no framing", () => {
  const policy = directives(CONTENT_SECURITY_POLICY);
  for (const name of ["default-src", "script-src", "style-src"]) {
    assert.deepEqual(policy.get(name), ["'self'"], name);
  }
  assert.ok(!CONTENT_SECURITY_POLICY.includes("unsafe"));
  assert.deepEqual(policy.get("frame-ancestors"), ["'none'"]);
  assert.deepEqual(policy.get("object-src"), ["'none'"]);
  assert.deepEqual(policy.get("base-uri"), ["'none'"]);
  assert.match(SECURITY_HEADERS["permissions-policy"], /camera=\(self\)/);
  assert.match(SECURITY_HEADERS["permissions-policy"], /microphone=\(self\)/);
  assert.match(
    SECURITY_HEADERS["permissions-policy"],
    /display-capture=\(self\)/,
  );
});

Deno.test("every response gets the headers: handlers, 404s, 405s and thrown errors", async () => {
  const original = console.error;
  console.error = () => {}; // the thrown error is logged; not this test's concern
  try {
    const app = new App()
      .use(securityHeaders())
      .get("/", () => new Response("home"))
      .get("/gone", () => {
        throw new HttpError(410);
      })
      .get("/boom", () => {
        throw new Error("broken");
      });
    for (const path of ["/", "/missing", "/gone", "/boom"]) {
      const res = await call(app, path);
      await res.body?.cancel();
      assertSecured(res, path);
    }
    const post = await app.handler()(
      new Request("http://localhost/", { method: "POST" }),
      INFO,
    );
    await post.body?.cancel();
    assert.equal(post.status, 405);
    assertSecured(post, "POST /");
  } finally {
    console.error = original;
  }
});

Deno.test("a header the route set itself is kept; immutable headers are copied", async () => {
  const app = new App()
    .use(securityHeaders())
    .get("/embed", () =>
      new Response("ok", {
        headers: { "content-security-policy": "frame-ancestors 'self'" },
      }))
    .get("/old", () => Response.redirect("http://localhost/new", 308));
  const embed = await call(app, "/embed");
  await embed.body?.cancel();
  assert.equal(
    embed.headers.get("content-security-policy"),
    "frame-ancestors 'self'",
  );
  assert.equal(embed.headers.get("referrer-policy"), "no-referrer");
  const old = await call(app, "/old");
  assert.equal(old.status, 308);
  assert.equal(old.headers.get("location"), "http://localhost/new");
  assertSecured(old, "a redirect");
});

Deno.test({
  name:
    "the app's pages, static files, build output and error pages carry the headers",
  ignore: needsApp,
  async fn() {
    const app = await openApp();
    try {
      const page = await app.get("/");
      const html = await page.text();
      const boot = html.match(/<script type="module" src="([^"]+)"/)?.[1];
      assert.ok(boot, "the lobby loads its boot module");
      for (
        const path of [
          "/",
          "/r/team-1",
          "/styles.css",
          "/icons.svg",
          "/sw.js",
          "/favicon-ringing.svg",
          boot,
          "/nope",
          "/r/bad%20room",
          "/healthz",
        ]
      ) {
        const res = await app.get(path);
        await res.body?.cancel();
        assertSecured(res, path);
      }
      // A service worker must come as JavaScript, or registering it fails.
      const worker = await app.get("/sw.js");
      await worker.body?.cancel();
      assert.match(
        worker.headers.get("content-type") ?? "",
        /^text\/javascript/,
      );
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name:
    "pages render no inline script, no event-handler attribute and no style attribute",
  ignore: needsApp,
  async fn() {
    const app = await openApp();
    try {
      for (const path of ["/", "/r/team-1", "/nope"]) {
        const html = await (await app.get(path)).text();
        const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)].map((m) =>
          m[1]
        );
        for (const attributes of scripts) {
          assert.ok(
            /\bsrc="/.test(attributes) ||
              /\btype="application\/json"/.test(attributes),
            `${path}: an inline script <script${attributes}>`,
          );
        }
        assert.doesNotMatch(html, /<[^>]+\sstyle=/i, `${path}: style=`);
        assert.doesNotMatch(html, /<[^>]+\son[a-z]+=/i, `${path}: on…=`);
      }
    } finally {
      await app.close();
    }
  },
});
