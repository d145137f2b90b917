/**
 * Who gets a TURN credential, over real sockets: a browser page (its upgrade
 * carries an `Origin`, which the server allows) gets one that lives ten
 * minutes by default; a script that sends no `Origin` gets the STUN entries
 * only, at login and when it asks again.
 */
import assert from "node:assert/strict";
import { needsNet } from "../helpers/permissions.ts";
import { type Frame, startServer, WsClient } from "./ws_helpers.ts";

const TURN = {
  urls: ["turn:turn.test:3478"],
  secret: "coturn-shared-secret",
  ttlSeconds: 600,
};
const STUN = { urls: "stun:stun.test:3478" };

function turnEntries(iceServers: Frame[]): Frame[] {
  return iceServers.filter((s) => "credential" in s);
}

Deno.test({
  name:
    "a socket without Origin gets no TURN credential, neither in welcome nor on ice-servers",
  ignore: needsNet,
  async fn() {
    const server = await startServer({ iceServers: [STUN], turn: TURN });
    try {
      const script = await WsClient.open(server.url, "parley.v1");
      script.send({ type: "login", name: "bot" });
      const welcome = await script.next("welcome");
      assert.deepEqual(welcome.iceServers, [STUN]);
      script.send({ type: "ice-servers" });
      const again = await script.next("ice-servers");
      assert.deepEqual(again.iceServers, [STUN]);
      await script.close();
    } finally {
      await server.close();
    }
  },
});

Deno.test({
  name:
    "a socket from an allowed Origin gets a TURN credential that expires about ten minutes from now",
  ignore: needsNet,
  async fn() {
    const server = await startServer({ iceServers: [STUN], turn: TURN });
    try {
      const page = await WsClient.open(server.url, "parley.v1", {
        origin: `http://127.0.0.1:${server.port}`,
      });
      page.send({ type: "login", name: "ann" });
      const before = Date.now() / 1000;
      const welcome = await page.next("welcome");
      const after = Date.now() / 1000;
      assert.deepEqual(welcome.iceServers[0], STUN);
      const [entry] = turnEntries(welcome.iceServers);
      assert.deepEqual(entry.urls, TURN.urls);
      const [expiry, label] = entry.username.split(":");
      assert.equal(label, "ann");
      assert.ok(
        Number(expiry) >= Math.floor(before) + 600 &&
          Number(expiry) <= Math.ceil(after) + 600,
        `expiry ${expiry} is now + 600 s (${before}…${after})`,
      );
      page.send({ type: "ice-servers" });
      const again = await page.next("ice-servers");
      assert.equal(turnEntries(again.iceServers).length, 1);
      await page.close();
    } finally {
      await server.close();
    }
  },
});
