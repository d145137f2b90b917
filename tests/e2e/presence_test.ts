/**
 * Presence that tells the truth, in real Chromium against the real app:
 *
 * 1. a person whose page lost its connection without a goodbye (a crash,
 *    a dead network) shows as "Reconnecting…" to the others, with the call
 *    buttons off and saying why; a call that reaches the server anyway is
 *    refused at once with a sentence saying so;
 * 2. a reload during a call rejoins it: media flows again, and the other
 *    side saw "Reconnecting…" meanwhile, never "ended the call".
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import {
  callStatus,
  closeUsers,
  connect,
  cutOff,
  notices,
  openUser,
  type User,
  waitForCallState,
  waitForMediaFlow,
  waitForPerson,
} from "./helpers.ts";

/** Records every `data-user-state` `name`'s row takes from now on. */
async function recordStates(user: User, name: string): Promise<void> {
  await user.page.evaluate((who) => {
    const seen: string[] = [];
    (globalThis as { __e2eStates?: string[] }).__e2eStates = seen;
    const note = () => {
      const li = document.querySelector(
        `li[data-user=${JSON.stringify(who)}]`,
      );
      const state = li?.getAttribute("data-user-state") ?? "gone";
      if (seen[seen.length - 1] !== state) seen.push(state);
    };
    note();
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["data-user-state"],
    });
  }, name);
}

function recordedStates(user: User): Promise<string[]> {
  return user.page.evaluate(() =>
    (globalThis as { __e2eStates?: string[] }).__e2eStates ?? []
  );
}

Deno.test({
  name:
    "a person cut off without a goodbye shows as reconnecting, and a call to them is refused with a sentence saying so",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    let ana: User | undefined;
    let cleo: User | undefined;
    try {
      browser = await launch("chromium");
      ana = await openUser(browser, app.url, "ana");
      cleo = await openUser(browser, app.url, "cleo");
      await waitForPerson(ana, "cleo");

      await cutOff(cleo);
      await waitForPerson(ana, "cleo", "reconnecting");
      const row = 'li[data-user="cleo"]';
      assert.equal(
        (await ana.page.textContent(`${row} .person__state`))?.trim(),
        "Reconnecting…",
      );
      assert.equal(
        await ana.page.getAttribute(`${row} .person__name`, "dir"),
        "auto",
      );
      for (const kind of ["user", "audio"]) {
        const button = `[data-testid="${kind}-cleo"]`;
        assert.ok(await ana.page.isDisabled(button), `${kind} button is off`);
        assert.match(
          (await ana.page.getAttribute(button, "aria-label")) ?? "",
          /cleo is reconnecting; try again in a moment/,
        );
      }

      // A list a moment out of date (the click made just before the row
      // changed): the server refuses at once, and the caller is told why.
      await ana.page.evaluate(() => {
        const button = document.querySelector<HTMLButtonElement>(
          '[data-testid="user-cleo"]',
        )!;
        button.disabled = false;
        button.click();
      });
      await waitForCallState(ana, "ended", "reconnecting");
      const sentence = "cleo is reconnecting; try again in a moment.";
      assert.equal(await callStatus(ana), sentence);
      assert.ok((await notices(ana)).includes(sentence));
      assert.deepEqual(ana.problems, []);
    } finally {
      await closeUsers(ana, cleo);
      await browser?.close();
      await app.shutdown();
    }
  },
});

Deno.test({
  name:
    "a reload during a call rejoins it with media flowing, and the other side sees reconnecting, not an ended call",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const app = await startApp();
    let browser: TestBrowser | undefined;
    let hana: User | undefined;
    let ivo: User | undefined;
    try {
      browser = await launch("chromium");
      for (
        const [callerName, calleeName] of [["hana", "ivo"], ["ivo", "hana"]]
      ) {
        // Both roles reload: the caller (impolite) and the callee (polite).
        hana ??= await openUser(browser, app.url, "hana");
        ivo ??= await openUser(browser, app.url, "ivo");
        const caller = callerName === "hana" ? hana : ivo;
        const callee = calleeName === "hana" ? hana : ivo;
        await connect(caller, callee);
        await Promise.all([waitForMediaFlow(hana), waitForMediaFlow(ivo)]);
        await recordStates(ivo, "hana");

        const reloadAt = Date.now();
        await hana.page.reload();
        await hana.page.waitForSelector("[data-testid=my-name]");
        await waitForCallState(hana, "connected");
        await Promise.all([waitForMediaFlow(hana), waitForMediaFlow(ivo)]);
        const backMs = Date.now() - reloadAt;

        assert.equal(
          await hana.page.textContent("[data-testid=my-name]"),
          "hana",
        );
        const seen = await recordedStates(ivo);
        assert.ok(seen.includes("reconnecting"), `ivo saw ${seen.join(" → ")}`);
        assert.ok(!seen.includes("gone"), `ivo saw ${seen.join(" → ")}`);
        await waitForCallState(ivo, "connected");
        assert.ok(
          (await notices(ivo)).every((n) =>
            !/hana (ended the call|left)/.test(n)
          ),
          `ivo was told: ${await notices(ivo)}`,
        );
        console.log(
          `reload as the ${caller === hana ? "caller" : "callee"}: ` +
            `media flowing both ways again ${backMs} ms after the reload; ` +
            `ivo saw hana as ${seen.join(" → ")}`,
        );
        await ivo.page.click("[data-testid=hangup]");
        await Promise.all([
          waitForCallState(ivo, "ended", "hangup"),
          waitForCallState(hana, "ended", "hangup"),
        ]);
        for (const u of [hana, ivo]) {
          await u.page.click("[data-testid=dismiss-call]");
          await waitForCallState(u, "idle");
        }
      }
      assert.deepEqual(ivo?.problems, []);
      assert.deepEqual(hana?.problems, []);
    } finally {
      await closeUsers(hana, ivo);
      await browser?.close();
      await app.shutdown();
    }
  },
});
