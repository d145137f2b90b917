/**
 * The Content-Security-Policy in real Chromium: the app's pages carry it and
 * work under it (every browser test fails on a violation, see
 * `tests/helpers/csp_watch.ts`), and what it is there to stop is stopped and
 * reported, so that watch is known to be able to fail.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { startApp } from "../helpers/app_server.ts";
import { launchBrowser } from "../helpers/browser.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import { takeCspViolations } from "../helpers/csp_watch.ts";
import { closeUsers, openUser, type User } from "./helpers.ts";

Deno.test({
  name:
    "the lobby and a room page carry the policy, and people join both without a violation",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    const users: User[] = [];
    try {
      for (const path of ["/", "/r/csp-room"]) {
        const res = await fetch(new URL(path, app.url));
        await res.body?.cancel();
        assert.equal(res.status, 200, path);
        const policy = res.headers.get("content-security-policy") ?? "";
        assert.match(policy, /script-src 'self'(;|$)/, path);
        assert.match(policy, /style-src 'self'(;|$)/, path);
        assert.match(policy, /frame-ancestors 'none'/, path);
        assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/, path);
      }
      browser = await launch("chromium");
      // Joining needs the hydrated islands (external module scripts), the
      // stylesheet and the page's own WebSocket (`connect-src 'self'`).
      users.push(await openUser(browser, app.url, "ann"));
      users.push(
        await openUser(browser, app.url, "bob", { path: "/r/csp-room" }),
      );
      for (const user of users) {
        const status = await user.page.getAttribute(
          "[data-testid=connection-status]",
          "data-status",
        );
        assert.equal(status, "connected", user.name);
      }
      assert.deepEqual(browser.takeCspViolations(), []);
    } finally {
      await closeUsers(...users);
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name:
    "an injected inline script, inline handler, style attribute and foreign socket are blocked and reported",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage();
      await page.goto(app.url);
      // The same server under another name is another origin.
      const foreign = new URL("/ws", app.url);
      foreign.protocol = "ws:";
      foreign.hostname = foreign.hostname === "localhost"
        ? "127.0.0.1"
        : "localhost";
      const ran = await page.evaluate(async (foreignSocket) => {
        const g = globalThis as unknown as Record<string, unknown>;
        const script = document.createElement("script");
        script.textContent = "globalThis.__injectedScript = true";
        document.body.append(script);
        const holder = document.createElement("div");
        holder.innerHTML =
          '<img src="/no-such-image" onerror="globalThis.__injectedHandler = true">';
        document.body.append(holder);
        const styled = document.createElement("p");
        styled.setAttribute("style", "color: rgb(255, 0, 0)");
        document.body.append(styled);
        const socket = new WebSocket(foreignSocket);
        await new Promise<void>((resolve) => {
          socket.onclose = () => resolve();
          setTimeout(resolve, 2_000);
        });
        // The image's error (and its blocked handler) comes after the 404.
        await new Promise((resolve) => setTimeout(resolve, 300));
        return {
          script: g.__injectedScript === true,
          handler: g.__injectedHandler === true,
          red: getComputedStyle(styled).color === "rgb(255, 0, 0)",
          socketOpened: socket.readyState === WebSocket.OPEN,
        };
      }, foreign.href);
      assert.deepEqual(ran, {
        script: false,
        handler: false,
        red: false,
        socketOpened: false,
      });
      const directives = new Set(
        takeCspViolations(browser).map((v) => v.directive),
      );
      for (
        const directive of [
          "script-src-elem",
          "script-src-attr",
          "style-src-attr",
          "connect-src",
        ]
      ) {
        assert.ok(
          directives.has(directive),
          `${directive} reported (got ${[...directives].join(", ")})`,
        );
      }
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name: "no other page can frame the app",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: Browser | undefined;
    try {
      browser = await launchBrowser();
      const page = await browser.newPage();
      const target = new URL("/", app.url).href;
      const failed = page.waitForEvent(
        "requestfailed",
        (request) => request.url() === target,
      );
      await page.setContent(`<iframe src="${target}"></iframe>`);
      // Refused because of the response (frame-ancestors), not the network.
      assert.equal(
        (await failed).failure()?.errorText,
        "net::ERR_BLOCKED_BY_RESPONSE",
      );
      const frame = page.frames().find((f) => f !== page.mainFrame());
      assert.equal(await frame?.$("[data-testid=join]"), null);
    } finally {
      await browser?.close();
      await app.shutdown();
    }
  },
});
