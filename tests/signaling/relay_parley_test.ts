import assert from "node:assert/strict";
import { Harness } from "./harness.ts";

Deno.test("login answers welcome with the snapshot, ICE servers and a resume token", () => {
  const h = new Harness({ iceServers: [{ urls: "stun:stun.test:3478" }] });
  h.users(["ann"]);
  const bob = h.login("bob");
  const welcome = bob.one();
  assert.equal(welcome.type, "welcome");
  assert.equal(welcome.name, "bob");
  assert.equal(welcome.renamed, false);
  assert.equal(welcome.room, "");
  assert.deepEqual(welcome.users, [{ name: "ann" }]);
  assert.deepEqual(welcome.iceServers, [{ urls: "stun:stun.test:3478" }]);
  assert.match(welcome.resume, /^[A-Za-z0-9_-]{22}$/);
});

Deno.test("the ICE server list is empty unless configured", () => {
  const h = new Harness();
  assert.deepEqual(h.login("ann").one().iceServers, []);
});

Deno.test("a taken name is renamed case-insensitively and the client is told", () => {
  const h = new Harness();
  h.users(["Ann"]);
  const second = h.login("ANN").one();
  assert.equal(second.name, "ANN 2");
  assert.equal(second.renamed, true);
  const third = h.login("ann").one();
  assert.equal(third.name, "ann 3");
});

Deno.test("names are NFC-normalised and trimmed, and that counts as a rename", () => {
  const h = new Harness();
  const w = h.login("  Zoe\u0301 ").one();
  assert.equal(w.name, "Zo\u00e9");
  assert.equal(w.renamed, true);
});

Deno.test("invalid names are refused with bad-name and the client stays logged out", () => {
  const h = new Harness();
  const c = h.connect();
  for (
    const name of [
      "",
      "   ",
      "a".repeat(33),
      "bad\u202Ename",
      "zero\u200Bwidth",
      "ctl\u0007",
      "line\u2028sep",
      "lone\uD800",
      "priv\uE000",
      42,
      null,
    ]
  ) {
    c.send({ type: "login", name });
    assert.equal(c.one().code, "bad-name", `name ${JSON.stringify(name)}`);
  }
  c.send({ type: "chat", text: "hi" });
  assert.equal(c.one().code, "not-logged-in");
  c.send({ type: "login", name: "ok name" });
  assert.equal(c.one().type, "welcome");
});

Deno.test("a second login is refused with already-logged-in", () => {
  const h = new Harness();
  const c = h.login("ann");
  c.frames();
  c.send({ type: "login", name: "other" });
  assert.equal(c.one().code, "already-logged-in");
});

Deno.test("everything but login and ping before login answers not-logged-in", () => {
  const h = new Harness();
  const c = h.connect();
  for (
    const msg of [
      { type: "chat", text: "x" },
      { type: "call", to: "x" },
      { type: "accept", callId: "x" },
      { type: "decline", callId: "x" },
      { type: "cancel", callId: "x" },
      { type: "hangup", callId: "x" },
      { type: "signal", callId: "x", candidate: null },
    ]
  ) {
    c.send(msg);
    assert.equal(c.one().code, "not-logged-in", msg.type);
  }
  c.send({ type: "ping" });
  assert.deepEqual(c.one(), { type: "pong" });
});

Deno.test("chat goes to everyone in the room, sender included, stamped with the real name", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  const other = h.users(["cat"], "parley", "elsewhere")[0];
  ann.send({ type: "chat", text: "  hello <b>  ", from: "bob", name: "bob" });
  const a = ann.one();
  const b = bob.one();
  assert.deepEqual(a, b);
  assert.equal(a.type, "chat");
  assert.equal(a.from, "ann");
  assert.equal(a.text, "hello <b>");
  assert.equal(a.at, h.clock.now());
  assert.equal(other.frames().length, 0);
});

Deno.test("chat text over the limit answers text-too-long; empty text is bad-message", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "chat", text: "x".repeat(2001) });
  assert.equal(ann.one().code, "text-too-long");
  ann.send({ type: "chat", text: "😀".repeat(2000) });
  assert.equal(ann.one().text.length, 4000);
  bob.frames();
  ann.send({ type: "chat", text: " \u0000\n " });
  assert.equal(ann.one().code, "bad-message");
  assert.equal(bob.frames().length, 0);
});

Deno.test("calling rings the callee, and accept tells both with polite roles", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "call", to: "BOB", audioOnly: true });
  const ringing = ann.one();
  assert.equal(ringing.type, "ringing");
  assert.equal(ringing.to, "bob");
  const incoming = bob.one();
  assert.deepEqual(incoming, {
    type: "incoming",
    callId: ringing.callId,
    from: "ann",
    audioOnly: true,
  });
  bob.send({ type: "accept", callId: ringing.callId });
  assert.deepEqual(ann.one(), {
    type: "accepted",
    callId: ringing.callId,
    peer: "bob",
    polite: false,
  });
  assert.deepEqual(bob.one(), {
    type: "accepted",
    callId: ringing.callId,
    peer: "ann",
    polite: true,
  });
  assert.equal(h.relay.stats().calls, 1);
});

Deno.test("signals are relayed only within an accepted call, and only to the call's peer", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"]);
  ann.send({ type: "call", to: "bob" });
  const callId = ann.one().callId;
  bob.frames();
  const offer = {
    type: "signal",
    callId,
    description: { type: "offer", sdp: "v=0..." },
  };
  ann.send(offer);
  assert.equal(ann.one().code, "no-call", "ringing calls carry no SDP");
  assert.equal(bob.frames().length, 0);
  bob.send({ type: "accept", callId });
  ann.frames();
  bob.frames();
  ann.send(offer);
  assert.deepEqual(bob.one(), offer);
  bob.send({
    type: "signal",
    callId,
    candidate: {
      candidate: "candidate:1 1 udp 1 1.2.3.4 5 typ host",
      sdpMid: "0",
      sdpMLineIndex: 0,
    },
  });
  assert.equal(ann.one().callId, callId);
  bob.send({ type: "signal", callId, candidate: null });
  assert.equal(ann.one().candidate, null);
  cat.send({ ...offer, callId });
  assert.equal(cat.one().code, "no-call");
  assert.equal(ann.frames().length + bob.frames().length, 0);
});

Deno.test("a relayed signal is the sender's text exactly, and one carrying its own from is refused", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  const callId = h.acceptedCall(ann, bob, "bob");
  const raw =
    `{"type":"signal", "callId":"${callId}","candidate":{"candidate":"c","sdpMid":"0"}}  \n`;
  ann.send(raw);
  assert.deepEqual(bob.rawFrames(), [raw]);
  ann.send({ type: "signal", callId, from: "cat", candidate: null });
  const refused = ann.one();
  assert.equal(refused.code, "bad-message");
  assert.match(refused.message, /leave from out of signal/);
  assert.deepEqual(bob.rawFrames(), [], "nothing reached the peer");
});

Deno.test("signal needs exactly one of description and candidate, well-formed", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  const callId = h.acceptedCall(ann, bob, "bob");
  for (
    const bad of [
      { type: "signal", callId },
      {
        type: "signal",
        callId,
        candidate: null,
        description: { type: "offer", sdp: "" },
      },
      { type: "signal", callId, description: { type: "bogus", sdp: "" } },
      { type: "signal", callId, description: "sdp" },
      { type: "signal", callId, candidate: { candidate: 5 } },
      {
        type: "signal",
        callId,
        candidate: { candidate: "c", sdpMLineIndex: 70000 },
      },
      { type: "signal", callId: 7, candidate: null },
    ]
  ) {
    ann.send(bad);
    assert.equal(ann.one().code, "bad-message", JSON.stringify(bad));
  }
  assert.equal(bob.frames().length, 0);
});

Deno.test("calling a busy user ends at once with busy and a fresh callId", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"]);
  const callId = h.acceptedCall(ann, bob, "bob");
  cat.send({ type: "call", to: "ann" });
  const ended = cat.one();
  assert.equal(ended.type, "ended");
  assert.equal(ended.reason, "busy");
  assert.equal(ended.peer, "ann");
  assert.notEqual(ended.callId, callId);
  assert.equal(ann.frames().length, 0);
});

Deno.test("call errors: unknown user, self-call, in-call", () => {
  const h = new Harness();
  const [ann, bob, cat] = h.users(["ann", "bob", "cat"]);
  h.users(["dan"], "parley", "other-room");
  ann.send({ type: "call", to: "nobody" });
  assert.equal(ann.one().code, "unknown-user");
  ann.send({ type: "call", to: "dan" });
  assert.equal(ann.one().code, "unknown-user", "rooms are separate");
  ann.send({ type: "call", to: "ANN" });
  assert.equal(ann.one().code, "self-call");
  ann.send({ type: "call", to: "bob" });
  ann.frames();
  ann.send({ type: "call", to: "cat" });
  assert.equal(ann.one().code, "in-call");
  assert.equal(cat.frames().length, 0);
  bob.frames();
});

Deno.test("decline, cancel and hangup end the call and tell the other party", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);

  ann.send({ type: "call", to: "bob" });
  let callId = ann.one().callId;
  bob.frames();
  bob.send({ type: "decline", callId });
  assert.deepEqual(ann.one(), {
    type: "ended",
    callId,
    reason: "declined",
    peer: "bob",
  });
  assert.equal(bob.frames().length, 0);

  ann.send({ type: "call", to: "bob" });
  callId = ann.one().callId;
  bob.frames();
  ann.send({ type: "cancel", callId });
  assert.deepEqual(bob.one(), {
    type: "ended",
    callId,
    reason: "cancelled",
    peer: "ann",
  });

  callId = h.acceptedCall(ann, bob, "bob");
  bob.send({ type: "hangup", callId });
  assert.deepEqual(ann.one(), {
    type: "ended",
    callId,
    reason: "hangup",
    peer: "bob",
  });
  assert.equal(h.relay.stats().calls, 0);
});

Deno.test("call control in the wrong role or state answers no-call", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "call", to: "bob" });
  const callId = ann.one().callId;
  bob.frames();
  ann.send({ type: "accept", callId });
  assert.equal(ann.one().code, "no-call", "the caller cannot accept");
  ann.send({ type: "decline", callId });
  assert.equal(ann.one().code, "no-call", "the caller cannot decline");
  bob.send({ type: "cancel", callId });
  assert.equal(bob.one().code, "no-call", "the callee cannot cancel");
  bob.send({ type: "accept", callId: "not-the-call" });
  assert.equal(bob.one().code, "no-call");
  bob.send({ type: "accept", callId });
  ann.frames();
  bob.frames();
  bob.send({ type: "accept", callId });
  assert.equal(bob.one().code, "no-call", "already accepted");
  ann.send({ type: "cancel", callId });
  assert.equal(
    ann.one().code,
    "no-call",
    "an accepted call is hung up, not cancelled",
  );
});

Deno.test("hangup while ringing acts as cancel for the caller and decline for the callee", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "call", to: "bob" });
  let callId = ann.one().callId;
  bob.frames();
  bob.send({ type: "hangup", callId });
  assert.equal(ann.one().reason, "declined");
  ann.send({ type: "call", to: "bob" });
  callId = ann.one().callId;
  bob.frames();
  ann.send({ type: "hangup", callId });
  assert.equal(bob.one().reason, "cancelled");
});

Deno.test("an unanswered call ends with no-answer for both after the ring timeout", () => {
  const h = new Harness({ ringTimeoutMs: 5000 });
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "call", to: "bob" });
  const callId = ann.one().callId;
  bob.frames();
  h.clock.advance(4999);
  assert.equal(ann.frames().filter((f) => f.type === "ended").length, 0);
  h.clock.advance(1);
  assert.deepEqual(ann.frames().find((f) => f.type === "ended"), {
    type: "ended",
    callId,
    reason: "no-answer",
    peer: "bob",
  });
  assert.deepEqual(bob.frames().find((f) => f.type === "ended"), {
    type: "ended",
    callId,
    reason: "no-answer",
    peer: "ann",
  });
  bob.send({ type: "accept", callId });
  assert.equal(bob.one().code, "no-call");
});

Deno.test("an accepted call does not time out", () => {
  const h = new Harness({ ringTimeoutMs: 5000 });
  const [ann, bob] = h.users(["ann", "bob"]);
  h.acceptedCall(ann, bob, "bob");
  h.clock.advance(60_000);
  assert.equal(ann.frames().filter((f) => f.type === "ended").length, 0);
  assert.equal(h.relay.stats().calls, 1);
});

Deno.test("when a party disconnects the other gets peer-left, ringing or in a call", () => {
  const h = new Harness();
  const [ann, bob, cat, dan] = h.users(["ann", "bob", "cat", "dan"]);
  const callId = h.acceptedCall(ann, bob, "bob");
  bob.close();
  assert.deepEqual(ann.frames().find((f) => f.type === "ended"), {
    type: "ended",
    callId,
    reason: "peer-left",
    peer: "bob",
  });
  cat.send({ type: "call", to: "dan" });
  const ringId = cat.one().callId;
  dan.frames();
  cat.close();
  assert.equal(dan.frames().find((f) => f.type === "ended")?.callId, ringId);
  assert.equal(h.relay.stats().calls, 0);
  assert.equal(h.clock.pending, 1, "only the presence tick is left");
});

Deno.test("malformed JSON answers bad-json and keeps the connection", () => {
  const h = new Harness();
  const [ann] = h.users(["ann"]);
  for (const raw of ["{", "nope", "[1,2]", "42", "null", '"str"', ""]) {
    ann.send(raw);
    assert.equal(ann.one().code, "bad-json", raw);
  }
  ann.send(new ArrayBuffer(8));
  assert.equal(ann.one().code, "bad-json");
  ann.send({ type: "chat", text: "still here" });
  assert.equal(ann.one().text, "still here");
  assert.equal(h.bus.closes.size, 0);
});

Deno.test("unknown or missing types answer unknown-type or bad-message and nothing is forwarded", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({
    type: "video-offer",
    target: "bob",
    sdp: { type: "offer", sdp: "" },
  });
  assert.equal(
    ann.one().code,
    "unknown-type",
    "tutorial types are not parley types",
  );
  ann.send({ type: "nope", to: "bob" });
  assert.equal(ann.one().code, "unknown-type");
  ann.send({ to: "bob" });
  assert.equal(ann.one().code, "bad-message");
  ann.send({ type: 5 });
  assert.equal(ann.one().code, "bad-message");
  assert.equal(bob.frames().length, 0);
  const errors = h.relay.stats().errors;
  assert.equal(errors["unknown-type"], 2);
  assert.equal(errors["bad-message"], 2);
});

Deno.test("a client's own reject field is data, not a refusal", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  const callId = h.acceptedCall(ann, bob, "bob");
  ann.send({ reject: "made-up", detail: "x" });
  assert.equal(ann.one().code, "bad-message");
  ann.send({ type: "signal", callId, candidate: null, reject: "made-up" });
  assert.equal(bob.one().reject, "made-up");
  bob.send({ type: "nope", reject: "made-up" });
  assert.equal(bob.one().code, "unknown-type");
  assert.equal(h.relay.stats().errors["made-up"], undefined);
});

Deno.test("error frames carry a code and a message saying what to do", () => {
  const h = new Harness();
  const c = h.connect();
  c.send("{");
  const error = c.one();
  assert.deepEqual(Object.keys(error), ["type", "code", "message"]);
  assert.match(error.message, /JSON/);
});

Deno.test("logs never contain SDP, candidates or chat text", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  ann.send({ type: "chat", text: "secret-chat" });
  const callId = h.acceptedCall(ann, bob, "bob");
  ann.send({
    type: "signal",
    callId,
    description: { type: "offer", sdp: "secret-sdp" },
  });
  ann.send({
    type: "signal",
    callId,
    candidate: { candidate: "secret-candidate" },
  });
  ann.send({ type: "hangup", callId });
  const text = JSON.stringify(h.logs);
  for (const secret of ["secret-chat", "secret-sdp", "secret-candidate"]) {
    assert.ok(!text.includes(secret), secret);
  }
  const events = h.logs.map((r) => r.event);
  for (const e of ["connect", "login", "call-start", "call-end"]) {
    assert.ok(events.includes(e as never), e);
  }
});

Deno.test("error logging stops after ten per connection while counting continues", () => {
  const h = new Harness({ ratePerSecond: 1000, rateBurst: 1000 });
  const c = h.connect();
  for (let i = 0; i < 50; i++) c.send("{");
  assert.equal(h.logs.filter((r) => r.event === "error").length, 10);
  assert.equal(h.relay.stats().errors["bad-json"], 50);
});

Deno.test("stats count connections, users, rooms, calls and relayed messages", () => {
  const h = new Harness();
  const [ann, bob] = h.users(["ann", "bob"]);
  h.users(["cat"], "parley", "r2");
  h.connect();
  const callId = h.acceptedCall(ann, bob, "bob");
  ann.send({ type: "signal", callId, candidate: null });
  const s = h.relay.stats();
  assert.equal(s.connections, 4);
  assert.equal(s.users, 3);
  assert.equal(s.rooms, 2);
  assert.equal(s.calls, 1);
  assert.equal(s.relayed, 1);
  ann.close();
  bob.close();
  h.tick();
  const after = h.relay.stats();
  assert.equal(after.users, 1);
  assert.equal(after.rooms, 1, "the empty lobby is gone");
  assert.equal(after.calls, 0);
});
