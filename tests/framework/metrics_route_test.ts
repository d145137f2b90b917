import assert from "node:assert/strict";
import { ConfigError } from "../../signaling/mod.ts";
import { needsApp, openApp, openConfiguredApp } from "./metrics_app.ts";

const TOKEN = "9f86d081884c7d659a2feaa0c55ad015";

Deno.test({
  name: "without METRICS_TOKEN, /metrics is off: 404 saying how to turn it on",
  ignore: needsApp,
  async fn() {
    const app = await openApp({});
    try {
      const res = await app.get("/metrics", {
        authorization: `Bearer ${TOKEN}`,
      });
      assert.equal(res.status, 404);
      const body = await res.text();
      assert.match(body, /METRICS_TOKEN/);
      assert.match(body, /Authorization: Bearer/);
      assert.ok(!body.includes("parley_"), "no metric leaks out");
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name:
    "with METRICS_TOKEN, a scrape without a token is refused with a Bearer challenge",
  ignore: needsApp,
  async fn() {
    const app = await openApp({ METRICS_TOKEN: TOKEN });
    try {
      const res = await app.get("/metrics");
      assert.equal(res.status, 401);
      assert.equal(
        res.headers.get("www-authenticate"),
        'Bearer realm="metrics"',
      );
      assert.ok(!(await res.text()).includes("parley_"));
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name:
    "with METRICS_TOKEN, a scrape with a wrong token is refused as invalid_token",
  ignore: needsApp,
  async fn() {
    const app = await openApp({ METRICS_TOKEN: TOKEN });
    try {
      const guesses = [
        [`Bearer ${TOKEN.slice(0, -1)}`, /error="invalid_token"/],
        [`Bearer ${TOKEN}0`, /error="invalid_token"/],
        // Another scheme is no token at all: the plain challenge.
        [`Basic ${btoa(`metrics:${TOKEN}`)}`, /^Bearer realm="metrics"$/],
      ] as const;
      for (const [header, challenge] of guesses) {
        const res = await app.get("/metrics", { authorization: header });
        assert.equal(res.status, 401, header);
        assert.match(res.headers.get("www-authenticate")!, challenge);
        assert.ok(!(await res.text()).includes("parley_"), header);
      }
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name: "with METRICS_TOKEN, a scrape with the token gets the metrics",
  ignore: needsApp,
  async fn() {
    const app = await openApp({ METRICS_TOKEN: TOKEN });
    try {
      const res = await app.get("/metrics", {
        authorization: `Bearer ${TOKEN}`,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /version=0\.0\.4/);
      assert.match(await res.text(), /^parley_connections 0$/m);
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name:
    "an app built from a configuration serves /metrics only with a token in it",
  ignore: needsApp,
  async fn() {
    const off = await openConfiguredApp({ signaling: {}, metricsToken: null });
    const on = await openConfiguredApp({ signaling: {}, metricsToken: TOKEN });
    try {
      const refused = await off.get("/metrics", {
        authorization: `Bearer ${TOKEN}`,
      });
      await refused.body?.cancel();
      assert.equal(refused.status, 404);
      const scraped = await on.get("/metrics", {
        authorization: `Bearer ${TOKEN}`,
      });
      await scraped.body?.cancel();
      assert.equal(scraped.status, 200);
    } finally {
      await off.close();
      await on.close();
    }
  },
});

Deno.test({
  name:
    "a short METRICS_TOKEN stops the start with a message that does not quote it",
  ignore: needsApp,
  async fn() {
    const weak = "hunter2";
    await assert.rejects(
      () => openApp({ METRICS_TOKEN: weak }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, /METRICS_TOKEN must be at least 16/);
        assert.ok(!error.message.includes(weak));
        return true;
      },
    );
  },
});
