import assert from "node:assert/strict";
import { HttpError } from "fresh";
import type { Context } from "../../framework/context.ts";
import type { State } from "../../define.ts";
import { handler as newRoom } from "../../routes/new.ts";
import { handler as qr } from "../../routes/r/[room]/qr.svg.ts";

/** Just what these handlers read of a request context. */
function fakeContext(url: string, params: Record<string, string> = {}) {
  return { url: new URL(url), params } as unknown as Context<State>;
}

Deno.test("GET /new redirects with 303 to a fresh room, never cached", async () => {
  const first = await newRoom.GET();
  const second = await newRoom.GET();
  assert.equal(first.status, 303);
  assert.equal(first.headers.get("cache-control"), "no-store");
  const location = first.headers.get("location")!;
  assert.match(location, /^\/r\/[A-Za-z0-9_-]{22}$/);
  assert.notEqual(second.headers.get("location"), location);
});

Deno.test("the QR code route draws an SVG image for a valid room", async () => {
  const res = await qr.GET(
    fakeContext("http://parley.test/r/team-1/qr.svg", { room: "team-1" }),
  );
  assert.equal(res.status, 200);
  assert.equal(
    res.headers.get("content-type"),
    "image/svg+xml; charset=utf-8",
  );
  const svg = await res.text();
  assert.match(svg, /^<svg [^>]*viewBox="0 0 \d+ \d+"/);
  // Attributes only, no style: the page's CSP allows no inline styles.
  assert.ok(!svg.includes("style"), "no style in the SVG");
  assert.ok(!svg.includes("<script"), "no script in the SVG");
});

Deno.test("the QR code route answers 404 for a name that is no room", async () => {
  for (const room of ["", "a b", "x".repeat(65), "../etc"]) {
    await assert.rejects(
      async () =>
        await qr.GET(
          fakeContext("http://parley.test/r/x/qr.svg", { room }),
        ),
      (err: unknown) => err instanceof HttpError && err.status === 404,
      JSON.stringify(room),
    );
  }
});
