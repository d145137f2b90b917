/**
 * Bounds on sessions waiting out the resume grace period: per client
 * address, against the process's connection cap, and per room.
 */
import assert from "node:assert/strict";
import { type Frame, Harness, TestClient } from "./harness.ts";

/** Ids above anything the harness hands out. */
let nextId = 100_000;

/** Connects from `ip` (the harness's own connections have no address). */
function connectFrom(h: Harness, ip: string, room = ""): TestClient {
  const id = nextId++;
  h.bus.attach(id);
  h.relay.open(id, "parley", room, { ip });
  return new TestClient(id, h.relay, h.bus);
}

/** Logs `name` in from `ip`; returns the client and its welcome. */
function loginFrom(
  h: Harness,
  ip: string,
  name: string,
  fields: Record<string, unknown> = {},
  room = "",
): { client: TestClient; welcome: Frame } {
  const client = connectFrom(h, ip, room);
  client.send({ type: "login", name, ...fields });
  return { client, welcome: client.frames()[0] };
}

/** Names in the room as `watcher` sees them after everything it was sent. */
function seen(watcher: TestClient, start: string[] = []): Set<string> {
  const names = new Set(start);
  for (const f of watcher.frames()) {
    if (f.type !== "presence") continue;
    for (const n of f.left ?? []) names.delete(n);
    for (const u of f.joined ?? []) names.add(u.name);
  }
  return names;
}

Deno.test("an address that logs in and drops in a loop keeps only the configured number of detached sessions", () => {
  const h = new Harness({ maxDetachedPerAddress: 3 });
  const watcher = loginFrom(h, "10.0.0.9", "watcher").client;
  const tokens: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { client, welcome } = loginFrom(h, "10.0.0.1", `bot${i}`);
    tokens.push(welcome.resume);
    client.drop();
  }
  h.tick();
  assert.equal(h.relay.stats().detached, 3);
  assert.equal(h.relay.stats().users, 4);
  assert.deepEqual(
    [...seen(watcher)].sort(),
    ["bot17", "bot18", "bot19"],
    "only the newest three are still in presence",
  );
  // The newest can still resume; an ended one cannot.
  const back = loginFrom(h, "10.0.0.1", "bot19", { resume: tokens[19] });
  assert.equal(back.welcome.resumed, true);
  const late = loginFrom(h, "10.0.0.1", "bot0", { resume: tokens[0] });
  assert.equal(late.welcome.resumed, false);
  assert.equal(
    h.logs.filter((r) => r.event === "leave" && r.reason === "detached-cap")
      .length,
    17,
  );
});

Deno.test("one address at its cap leaves other addresses' detached sessions alone", () => {
  const h = new Harness({ maxDetachedPerAddress: 2 });
  const ann = loginFrom(h, "192.0.2.7", "ann");
  ann.client.drop();
  for (let i = 0; i < 10; i++) {
    loginFrom(h, "10.0.0.1", `bot${i}`).client.drop();
  }
  assert.equal(h.relay.stats().detached, 3);
  const back = loginFrom(h, "192.0.2.8", "ann", { resume: ann.welcome.resume });
  assert.equal(back.welcome.resumed, true, "a resume may come from anywhere");
});

Deno.test("at the cap, a detached session in a call is spared while the address has others", () => {
  const h = new Harness({ maxDetachedPerAddress: 2 });
  const ann = loginFrom(h, "10.0.0.1", "ann").client;
  const bob = loginFrom(h, "10.0.0.2", "bob").client;
  h.acceptedCall(ann, bob, "bob");
  ann.drop();
  for (let i = 0; i < 5; i++) loginFrom(h, "10.0.0.1", `bot${i}`).client.drop();
  assert.equal(h.relay.stats().detached, 2);
  assert.equal(h.relay.stats().calls, 1, "ann's call is still up");
  assert.deepEqual(bob.frames().filter((f) => f.type === "ended"), []);
});

Deno.test("when every detached session at the address is in a call, the oldest ends and its peer is told", () => {
  const h = new Harness({ maxDetachedPerAddress: 1 });
  const ann = loginFrom(h, "10.0.0.1", "ann").client;
  const bob = loginFrom(h, "10.0.0.2", "bob").client;
  const cat = loginFrom(h, "10.0.0.1", "cat").client;
  const dan = loginFrom(h, "10.0.0.3", "dan").client;
  h.acceptedCall(ann, bob, "bob");
  h.acceptedCall(cat, dan, "dan");
  ann.drop();
  cat.drop();
  assert.equal(h.relay.stats().detached, 1);
  assert.equal(
    bob.frames().find((f) => f.type === "ended")?.reason,
    "peer-left",
  );
  assert.deepEqual(dan.frames().filter((f) => f.type === "ended"), []);
});

Deno.test("connections whose address is unknown share one bucket", () => {
  const h = new Harness({ maxDetachedPerAddress: 4 });
  for (let i = 0; i < 9; i++) h.login(`u${i}`).drop();
  assert.equal(h.relay.stats().detached, 4);
});

Deno.test("detached sessions count against the connection cap; a full process ends the heaviest address's oldest to admit a socket", () => {
  const h = new Harness({ maxConnections: 10, maxDetachedPerAddress: 8 });
  const watcher = loginFrom(h, "10.0.0.9", "watcher").client;
  const bots: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { client, welcome } = loginFrom(h, "10.0.0.1", `bot${i}`);
    bots.push(welcome.resume);
    client.drop();
  }
  const ann = loginFrom(h, "10.0.0.2", "ann");
  ann.client.drop();
  const bob = loginFrom(h, "10.0.0.3", "bob");
  bob.client.drop();
  h.tick();
  watcher.frames();
  assert.equal(h.relay.stats().detached, 7);

  // 2 open sockets + 7 detached leave room for one more.
  assert.equal(h.relay.admitSocket(2), true);
  assert.equal(
    h.relay.stats().detached,
    7,
    "nothing ended while there was room",
  );
  // 3 open + 7 detached = the cap: bot0 (oldest of the heaviest) makes room.
  assert.equal(h.relay.admitSocket(3), true);
  assert.equal(h.relay.stats().detached, 6);
  h.tick();
  assert.deepEqual(watcher.one(), { type: "presence", left: ["bot0"] });
  assert.equal(
    loginFrom(h, "10.0.0.1", "bot0", { resume: bots[0] }).welcome.resumed,
    false,
  );
  // Open sockets alone at the cap: refused, and no session is ended for it.
  assert.equal(h.relay.admitSocket(10), false);
  assert.equal(h.relay.stats().detached, 6);
  // A process nearly full of sockets sheds as many as it takes; the single
  // sessions of ann and bob go last.
  assert.equal(h.relay.admitSocket(5), true);
  assert.equal(h.relay.stats().detached, 4);
  assert.equal(
    loginFrom(h, "10.0.0.2", "ann", { resume: ann.welcome.resume }).welcome
      .resumed,
    true,
  );
  assert.equal(
    loginFrom(h, "10.0.0.3", "bob", { resume: bob.welcome.resume }).welcome
      .resumed,
    true,
  );
});

Deno.test("a login past the room's member limit gets room-full and the room is unchanged", () => {
  const h = new Harness({ maxRoomMembers: 3 });
  const [ann] = h.users(["ann", "bob", "cat"], "parley", "r");
  const dan = h.login("dan", "parley", "r");
  assert.deepEqual(dan.frames().map((f) => [f.type, f.code]), [[
    "error",
    "room-full",
  ]]);
  h.tick();
  assert.deepEqual(ann.frames(), [], "nobody joined");
  assert.equal(h.relay.stats().users, 3);
  // Another room is not affected.
  assert.equal(h.login("dan", "parley", "other").frames()[0].type, "welcome");
  // The same socket may try again once someone has left.
  ann.close();
  dan.send({ type: "login", name: "dan" });
  assert.equal(dan.frames()[0].type, "welcome");
});

Deno.test("detached members count toward the room limit, and their own resume is never refused", () => {
  const h = new Harness({ maxRoomMembers: 2 });
  const ann = h.login("ann", "parley", "r");
  const token = ann.frames()[0].resume;
  h.login("bob", "parley", "r");
  ann.drop();
  const cat = h.login("cat", "parley", "r");
  assert.equal(cat.one().code, "room-full");
  const back = h.relogin("ann", { resume: token }, "r");
  assert.equal(back.frames()[0].resumed, true);
});

Deno.test("a tutorial-dialect login past the room limit gets an error frame with room-full", () => {
  const h = new Harness({ maxRoomMembers: 2 });
  h.users(["ann", "bob"], "tutorial");
  const cat = h.login("cat", "tutorial");
  assert.deepEqual(
    cat.frames().filter((f) => f.type === "error").map((f) => f.code),
    ["room-full"],
  );
});
