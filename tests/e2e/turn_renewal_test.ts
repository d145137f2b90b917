/**
 * Short-lived TURN credentials in a long call, with a real coturn: the page
 * renews them during the call (`client/ice_refresh.ts`) and hands them to
 * its peer connection, so an ICE restart after the credential the call
 * started on has expired still gathers relay candidates and reconnects.
 * Without the renewal, coturn answers that restart's allocations with 401
 * and a relay-only call cannot come back.
 */
import assert from "node:assert/strict";
import { startApp } from "../helpers/app_server.ts";
import {
  launch,
  needsBrowsers,
  type TestBrowser,
} from "../helpers/browsers.ts";
import { startCoturn } from "../helpers/coturn.ts";
import {
  connect,
  eventually,
  openUser,
  type User,
  waitForMediaFlow,
  withUsers,
} from "./helpers.ts";

/** Long enough to connect through the relay, short enough to outlive. */
const TTL_SECONDS = 20;

/** The TURN username (`<expiry>:<name>`) the page's connection uses now. */
function turnUsername(user: User): Promise<string | null> {
  return user.page.evaluate(() => {
    const pc = (globalThis as { __parleyPc?: RTCPeerConnection }).__parleyPc;
    const turn = pc?.getConfiguration().iceServers?.find((s) =>
      typeof s.username === "string"
    );
    return turn?.username ?? null;
  });
}

interface Watched {
  __parleyPc: RTCPeerConnection;
  __e2eTurnErrors: number[];
  /** `<ufrag> <type>` of every local candidate gathered. */
  __e2eCandidates: string[];
}

/** Records TURN errors and gathered candidates from now on. */
function watchConnection(user: User): Promise<void> {
  return user.page.evaluate(() => {
    const g = globalThis as unknown as Watched;
    g.__e2eTurnErrors = [];
    g.__e2eCandidates = [];
    g.__parleyPc.addEventListener("icecandidateerror", (e) => {
      g.__e2eTurnErrors.push((e as RTCPeerConnectionIceErrorEvent).errorCode);
    });
    g.__parleyPc.addEventListener("icecandidate", (e) => {
      const c = e.candidate;
      if (c?.candidate) {
        g.__e2eCandidates.push(`${c.usernameFragment} ${c.type}`);
      }
    });
  });
}

function connectionLog(user: User) {
  return user.page.evaluate(() => {
    const g = globalThis as unknown as Watched;
    return {
      errors: g.__e2eTurnErrors,
      candidates: g.__e2eCandidates,
      state: g.__parleyPc.iceConnectionState,
      ufrag: /a=ice-ufrag:(\S+)/.exec(
        g.__parleyPc.localDescription?.sdp ?? "",
      )?.[1] ?? null,
    };
  });
}

Deno.test({
  name:
    "a relayed call renews its TURN credential and restarts ICE through the relay after the first one expired",
  ignore: needsBrowsers("chromium"),
  async fn() {
    const turn = await startCoturn();
    const app = await startApp({
      turn: { urls: [turn.url], secret: turn.secret, ttlSeconds: TTL_SECONDS },
    });
    let browser: TestBrowser | undefined;
    try {
      browser = await launch("chromium");
      const chromium = browser;
      await withUsers([
        () => openUser(chromium, app.url, "ann", { path: "/?relay=1" }),
        () => openUser(chromium, app.url, "bob", { path: "/?relay=1" }),
      ], async ([a, b]) => {
        await connect(a, b);
        await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
        await Promise.all([watchConnection(a), watchConnection(b)]);
        const first = await turnUsername(a);
        assert.ok(first, "the connection has a minted TURN credential");
        const firstExpiry = Number(first.split(":")[0]) * 1000;

        // Renewed during the call, and handed to the live connection.
        const renewed = await eventually(
          "ann's connection gets a renewed TURN credential",
          () => turnUsername(a),
          (name) => name !== null && name !== first,
          TTL_SECONDS * 1000,
        );
        assert.ok(Number(renewed!.split(":")[0]) * 1000 > firstExpiry);

        // Past the first credential's expiry, a restart needs the new one.
        const wait = firstExpiry + 2_000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const before = await connectionLog(a);
        await a.page.evaluate(() =>
          (globalThis as unknown as { __parleyPc: RTCPeerConnection })
            .__parleyPc.restartIce()
        );
        // A relay candidate under the new ufrag is a new allocation, which
        // coturn grants only for a credential that has not expired.
        const after = await eventually(
          "ann's ICE restarted through a new relay allocation",
          () => connectionLog(a),
          (log) =>
            log.ufrag !== null && log.ufrag !== before.ufrag &&
            log.candidates.includes(`${log.ufrag} relay`) &&
            log.state === "connected",
          20_000,
        );
        assert.ok(Date.now() > firstExpiry, "the first credential had expired");
        assert.ok(after.candidates.length > before.candidates.length);
        await Promise.all([waitForMediaFlow(a), waitForMediaFlow(b)]);
        for (const user of [a, b]) {
          const log = await connectionLog(user);
          assert.deepEqual(
            log.errors.filter((code) => code === 401),
            [],
            `${user.name}: coturn refused a credential`,
          );
        }
      });
    } finally {
      await browser?.close();
      await app.shutdown();
      await turn.stop();
    }
  },
});
