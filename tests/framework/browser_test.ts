/**
 * The whole island path in headless Chromium: build the fixture, serve it on
 * a free port, load pages, and check that islands hydrate and react.
 */
import assert from "node:assert/strict";
import { App, staticFiles } from "fresh";
import { launchBrowser } from "../helpers/browser.ts";
import { needsBrowsers } from "../helpers/browsers.ts";
import { buildFixture, FIXTURE } from "./helpers.ts";

Deno.test({
  name:
    "islands hydrate in Chromium: props, signals, shared module state, nesting",
  ignore: needsBrowsers("chromium"),
  async fn(t) {
    const buildDir = await buildFixture();
    const app = new App({ root: FIXTURE, buildDir }).use(staticFiles())
      .fsRoutes();
    const server = await app.listen({
      port: 0,
      hostname: "127.0.0.1",
      onListen() {},
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const browser = await launchBrowser([]);
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("response", (r) => {
        if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
      });

      await t.step(
        "islands hydrate and a click changes what they show",
        async () => {
          await page.goto(`${base}/`);
          await page.waitForSelector('.counter[data-hydrated="yes"] >> nth=1');
          const first = page.locator(".counter").nth(0);
          const second = page.locator(".counter").nth(1);
          // The label contained </script>: it shows as text, nothing broke out.
          assert.equal(
            await first.locator(".label").textContent(),
            "</script><b>x</b>",
          );
          assert.equal(await first.locator(".count").textContent(), "5");
          await first.locator("button").click();
          await page.waitForFunction(() =>
            document.querySelector(".counter .count")?.textContent === "6"
          );
          // `total` was one server signal passed to both: one client signal.
          assert.equal(await first.locator(".total").textContent(), "11");
          assert.equal(await second.locator(".total").textContent(), "11");
          assert.equal(await second.locator(".count").textContent(), "0");
        },
      );

      await t.step(
        "a module-level signal is shared between islands",
        async () => {
          await page.click("#shared-button");
          // SharedView renders inside the Outer island (nested: hydrated by Outer).
          await page.waitForFunction(() =>
            document.querySelector("#shared-view")?.textContent === "seen 1"
          );
          assert.equal(await page.textContent("#shared-button"), "shared 1");
          await page.click("#outer-toggle");
          await page.waitForFunction(() =>
            !document.querySelector("#shared-view")
          );
          assert.equal(await page.textContent("#outer-toggle"), "open");
        },
      );

      await t.step("a page without islands ships no script", async () => {
        await page.goto(`${base}/plain`);
        assert.equal(await page.evaluate(() => document.scripts.length), 0);
        assert.equal(await page.textContent("#plain"), "no islands here");
      });

      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
      await Deno.remove(buildDir, { recursive: true });
    }
  },
});
