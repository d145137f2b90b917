import assert from "node:assert/strict";
import { checkBearer, sameSecret } from "../../framework/bearer.ts";

const TOKEN = "s3cret-token-for-tests";

function request(authorization?: string): Request {
  const headers: Record<string, string> = authorization === undefined
    ? {}
    : { authorization };
  return new Request("http://localhost/metrics", { headers });
}

Deno.test("the right bearer token passes, in any case of the scheme", async () => {
  assert.equal(await checkBearer(request(`Bearer ${TOKEN}`), TOKEN), "ok");
  assert.equal(await checkBearer(request(`bearer ${TOKEN}`), TOKEN), "ok");
});

Deno.test("no token, another scheme or an empty one count as missing", async () => {
  for (
    const header of [undefined, "", `Basic ${btoa(`x:${TOKEN}`)}`, "Bearer "]
  ) {
    assert.equal(
      await checkBearer(request(header), TOKEN),
      "missing",
      String(header),
    );
  }
});

Deno.test("a wrong token, a prefix of the right one, or the right one with more is wrong", async () => {
  for (const guess of ["nope", TOKEN.slice(0, -1), `${TOKEN}x`, `${TOKEN},`]) {
    assert.equal(
      await checkBearer(request(`Bearer ${guess}`), TOKEN),
      "wrong",
      guess,
    );
  }
});

Deno.test("sameSecret tells equal strings from different ones of any length", async () => {
  assert.equal(await sameSecret("abc", "abc"), true);
  assert.equal(await sameSecret("abc", "abd"), false);
  assert.equal(await sameSecret("", "a"), false);
  assert.equal(await sameSecret("a".repeat(1000), "a".repeat(999)), false);
});
