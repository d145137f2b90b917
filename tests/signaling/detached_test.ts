import assert from "node:assert/strict";
import { DetachedSessions } from "../../signaling/detached.ts";
import { NameHolds } from "../../signaling/name_holds.ts";

Deno.test("detached sessions are counted per address, and an empty address is forgotten", () => {
  const d = new DetachedSessions<string>();
  d.add("a1", "10.0.0.1");
  d.add("a2", "10.0.0.1");
  d.add("b1", "10.0.0.2");
  assert.equal(d.size, 3);
  assert.equal(d.countFrom("10.0.0.1"), 2);
  assert.equal(d.countFrom("10.0.0.2"), 1);
  assert.equal(d.countFrom("10.0.0.3"), 0);
  assert.equal(d.delete("b1"), true);
  assert.equal(d.delete("b1"), false, "a second delete finds nothing");
  assert.equal(d.countFrom("10.0.0.2"), 0);
  assert.equal(d.heaviestAddress(), "10.0.0.1");
  d.delete("a1");
  d.delete("a2");
  assert.equal(d.size, 0);
  assert.equal(d.heaviestAddress(), undefined);
});

Deno.test("the victim at an address is its oldest session that is not spared, else its oldest", () => {
  const d = new DetachedSessions<string>();
  for (const s of ["old-call", "mid", "new"]) d.add(s, "ip");
  const inCall = (s: string) => s.endsWith("call");
  assert.equal(d.victimFrom("ip"), "old-call");
  assert.equal(d.victimFrom("ip", inCall), "mid");
  d.delete("mid");
  d.delete("new");
  assert.equal(d.victimFrom("ip", inCall), "old-call", "all spared: oldest");
  assert.equal(d.victimFrom("elsewhere"), undefined);
});

Deno.test("adding a session again makes it the newest of its (maybe new) address", () => {
  const d = new DetachedSessions<string>();
  d.add("x", "ip1");
  d.add("y", "ip1");
  d.add("x", "ip2");
  assert.equal(d.countFrom("ip1"), 1);
  assert.equal(d.countFrom("ip2"), 1);
  d.add("y", "ip2");
  assert.equal(d.victimFrom("ip2"), "x");
  assert.equal(d.heaviestAddress(), "ip2");
});

Deno.test("a name hold opens only for the call id and claimant it was placed with", () => {
  const holds = new NameHolds<string>();
  holds.hold("bob", "call-1", "ann", "ann's member");
  assert.equal(holds.isHeld("bob"), true);
  assert.equal(holds.opensFor("bob", "call-1", "ann"), true);
  assert.equal(holds.opensFor("bob", "call-2", "ann"), false);
  assert.equal(holds.opensFor("bob", "call-1", "eve"), false);
  assert.equal(holds.opensFor("cat", "call-1", "ann"), false);
});

Deno.test("a bogus hold on a name does not lock out the real one", () => {
  const holds = new NameHolds<string>();
  holds.hold("bob", "guessed", "mallory", "mallory");
  holds.hold("bob", "call-1", "ann", "ann");
  assert.equal(holds.opensFor("bob", "call-1", "ann"), true);
  assert.equal(holds.size, 2);
  holds.release("bob");
  assert.equal(holds.isHeld("bob"), false);
  assert.equal(holds.size, 0, "both owners' holds ended with the name taken");
});

Deno.test("a hold ends with its owner's claim, and an owner holds one name at most", () => {
  const holds = new NameHolds<string>();
  holds.hold("bob", "call-1", "ann", "ann");
  holds.hold("cat", "call-2", "ann", "ann");
  assert.equal(holds.isHeld("bob"), false, "replaced by the newer hold");
  assert.equal(holds.isHeld("cat"), true);
  holds.hold("cat", "call-3", "dan", "dan");
  holds.releaseBy("ann");
  assert.equal(holds.isHeld("cat"), true, "dan's hold stays");
  assert.equal(holds.opensFor("cat", "call-2", "ann"), false);
  holds.releaseBy("dan");
  assert.equal(holds.isHeld("cat"), false);
  assert.equal(holds.size, 0);
});
