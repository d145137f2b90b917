import assert from "node:assert/strict";
import { DEFAULT_TURN_TTL_SECONDS } from "../../signaling/config.ts";
import { IceServerList } from "../../signaling/ice.ts";
import { mintTurnCredentialSync } from "../../signaling/turn_credentials.ts";
import { Harness } from "./harness.ts";

const SECRET = "coturn-shared-secret";
const turn = {
  urls: ["turn:turn.test:3478", "turns:turn.test:5349"],
  secret: SECRET,
  ttlSeconds: 600,
};

Deno.test("with TURN configured each login gets the STUN entries plus a TURN credential minted for it", () => {
  const h = new Harness({ iceServers: [{ urls: "stun:stun.test" }], turn });
  const welcome = h.login("Zoë").one();
  const now = h.clock.now() / 1000;
  const minted = mintTurnCredentialSync(SECRET, "Zoë", now, 600);
  assert.deepEqual(welcome.iceServers, [
    { urls: "stun:stun.test" },
    {
      urls: turn.urls,
      username: minted.username,
      credential: minted.credential,
    },
  ]);
  assert.equal(minted.username, `${Math.floor(now) + 600}:Zoë`);
});

Deno.test("ice-servers answers fresh credentials after login, and not-logged-in before", () => {
  const h = new Harness({ turn });
  const c = h.connect();
  c.send({ type: "ice-servers" });
  assert.equal(c.one().code, "not-logged-in");
  c.send({ type: "login", name: "ann" });
  const first = c.one().iceServers[0];
  h.clock.advance(500_000);
  c.send({ type: "ice-servers" });
  const reply = c.one();
  assert.equal(reply.type, "ice-servers");
  const fresh = reply.iceServers[0];
  assert.equal(
    Number(fresh.username.split(":")[0]) - Number(first.username.split(":")[0]),
    500,
  );
  assert.equal(
    fresh.credential,
    mintTurnCredentialSync(SECRET, "ann", h.clock.now() / 1000, 600)
      .credential,
  );
});

Deno.test("without TURN, ice-servers repeats the configured list", () => {
  const h = new Harness({
    iceServers: [{ urls: ["stun:a.test", "stun:b.test"] }],
  });
  const [ann] = h.users(["ann"]);
  ann.send({ type: "ice-servers" });
  assert.deepEqual(ann.one(), {
    type: "ice-servers",
    iceServers: [{ urls: ["stun:a.test", "stun:b.test"] }],
  });
});

Deno.test("a resumed welcome carries a freshly minted credential", () => {
  const h = new Harness({ turn });
  const ann = h.login("ann");
  const welcome = ann.one();
  ann.drop();
  h.clock.advance(20_000);
  const back = h.relogin("ann", { resume: welcome.resume }).one();
  assert.equal(back.resumed, true);
  assert.notEqual(back.iceServers[0].username, welcome.iceServers[0].username);
});

Deno.test("the TURN secret and minted credentials never reach the logs", () => {
  const h = new Harness({ turn });
  const [ann] = h.users(["ann"]);
  ann.send({ type: "ice-servers" });
  const credential = ann.one().iceServers[0].credential;
  ann.drop();
  const text = JSON.stringify(h.logs);
  assert.ok(!text.includes(SECRET));
  assert.ok(!text.includes(credential));
});

Deno.test("the ICE list without TURN is built once; with TURN the entry is appended", () => {
  const none = new IceServerList([], null);
  assert.equal(none.json("a", 0, true), "[]");
  const only = new IceServerList([], turn);
  assert.equal(JSON.parse(only.json("a", 0, true)).length, 1);
  assert.equal(only.json("a", 0, false), "[]");
  const both = new IceServerList([{ urls: "stun:s" }], turn);
  const list = JSON.parse(both.json("a:b", 1_000_000, true));
  assert.deepEqual(list[0], { urls: "stun:s" });
  assert.equal(list[1].username, "1600:a_b", "a colon cannot move the expiry");
});

Deno.test("a socket that sent no Origin gets the STUN entries but no TURN credential, in welcome and on ice-servers", () => {
  const h = new Harness({ iceServers: [{ urls: "stun:stun.test" }], turn });
  const script = h.connect("parley", "", { hasOrigin: false });
  script.send({ type: "login", name: "bot" });
  const welcome = script.one();
  assert.equal(welcome.type, "welcome");
  assert.deepEqual(welcome.iceServers, [{ urls: "stun:stun.test" }]);
  script.send({ type: "ice-servers" });
  assert.deepEqual(script.one().iceServers, [{ urls: "stun:stun.test" }]);
  // Not a setting of the relay: the same relay still serves a browser page.
  const page = h.login("ann").one();
  assert.equal(page.iceServers.length, 2);
});

Deno.test("an anonymous socket that resumes a browser's session gets no TURN credential either", () => {
  const h = new Harness({ turn });
  const welcome = h.login("ann").one();
  assert.equal(welcome.iceServers.length, 1);
  h.clock.advance(1_000);
  const script = h.connect("parley", "", { hasOrigin: false });
  script.send({ type: "login", name: "ann", resume: welcome.resume });
  const back = script.one();
  assert.equal(back.resumed, true);
  assert.deepEqual(back.iceServers, []);
});

Deno.test("a browser page's credential expires ten minutes after it is handed out by default", () => {
  const h = new Harness({
    turn: {
      urls: turn.urls,
      secret: SECRET,
      ttlSeconds: DEFAULT_TURN_TTL_SECONDS,
    },
  });
  h.clock.advance(1_234_567);
  const [server] = h.login("ann").one().iceServers;
  const expiry = Number(server.username.split(":")[0]);
  assert.equal(expiry, Math.floor(h.clock.now() / 1000) + 600);
});
