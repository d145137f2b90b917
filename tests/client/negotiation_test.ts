import assert from "node:assert/strict";
import { foldCandidates, Negotiator } from "../../client/negotiation.ts";
import type {
  NegotiationMessage,
  WireDescription,
} from "../../client/protocol.ts";
import { FakePeerConnection, FakeTrack, settle } from "./fakes.ts";

function setup(polite: boolean, beforeAnswer?: () => void) {
  const pc = new FakePeerConnection();
  const sent: NegotiationMessage[] = [];
  const errors: unknown[] = [];
  const negotiator = new Negotiator(pc, {
    polite,
    send: (p) => sent.push(p),
    beforeAnswer,
    onError: (e) => errors.push(e),
  });
  return { pc, sent, errors, negotiator };
}

const offer = { type: "offer", sdp: "remote-offer" } as const;
const answer = { type: "answer", sdp: "remote-answer" } as const;
const cand = (n: number) => ({ candidate: `c${n}`, sdpMid: "0" });

Deno.test("negotiationneeded produces exactly one offer that is sent", async () => {
  const { pc, sent } = setup(false);
  pc.addTrack(new FakeTrack("audio"));
  pc.addTrack(new FakeTrack("video"));
  await settle();
  assert.deepEqual(sent, [{ description: { type: "offer", sdp: "offer-1" } }]);
});

Deno.test("local candidates are sent as plain objects", () => {
  const { pc, sent } = setup(false);
  pc.gather("candidate:1");
  pc.onicecandidate?.({ candidate: null });
  assert.deepEqual(sent, [{
    candidate: {
      candidate: "candidate:1",
      sdpMid: "0",
      sdpMLineIndex: 0,
      usernameFragment: undefined,
    },
  }]);
});

Deno.test("candidates that arrive before the remote description are applied after it", async () => {
  const { pc, negotiator, errors } = setup(true);
  void negotiator.handle({ candidate: cand(1) });
  void negotiator.handle({ candidate: cand(2) });
  await settle();
  assert.equal(pc.candidates.length, 0);
  assert.equal(negotiator.pendingCandidates, 2);
  await negotiator.handle({ description: offer });
  assert.deepEqual(pc.candidates.map((c) => c.candidate), ["c1", "c2"]);
  assert.equal(negotiator.pendingCandidates, 0);
  // The buffered ones go in right after the offer, before the answer.
  assert.deepEqual(pc.log, [
    "setRemote:offer",
    "candidate:c1",
    "candidate:c2",
    "setLocal:answer",
  ]);
  await negotiator.handle({ candidate: cand(3) });
  assert.equal(pc.candidates.length, 3, "later ones are applied directly");
  assert.deepEqual(errors, []);
});

Deno.test("an end-of-candidates null is accepted and ignored", async () => {
  const { pc, negotiator, errors } = setup(true);
  await negotiator.handle({ description: offer });
  await negotiator.handle({ candidate: null });
  assert.equal(pc.candidates.length, 0);
  assert.deepEqual(errors, []);
});

Deno.test("the answering side adds its tracks before answering, so one round suffices", async () => {
  const holder: { pc?: FakePeerConnection } = {};
  const { pc, sent, negotiator } = setup(true, () => {
    holder.pc!.addTrack(new FakeTrack("audio"));
  });
  holder.pc = pc;
  await negotiator.handle({ description: offer });
  await settle();
  assert.deepEqual(pc.log, [
    "setRemote:offer",
    "addTrack:audio",
    "setLocal:answer",
  ]);
  assert.deepEqual(sent, [{
    description: { type: "answer", sdp: "answer-1" },
  }]);
});

Deno.test("an answer to our offer completes negotiation", async () => {
  const { pc, sent, negotiator, errors } = setup(false);
  pc.addTrack(new FakeTrack("audio"));
  await settle();
  await negotiator.handle({ description: answer });
  assert.equal(pc.signalingState, "stable");
  assert.equal(sent.length, 1);
  assert.deepEqual(errors, []);
});

Deno.test("the impolite peer ignores an offer that collides with its own", async () => {
  const { pc, sent, negotiator, errors } = setup(false);
  pc.addTrack(new FakeTrack("audio"));
  await settle();
  assert.equal(pc.signalingState, "have-local-offer");
  await negotiator.handle({ description: offer });
  assert.equal(pc.signalingState, "have-local-offer", "kept its own offer");
  assert.ok(!pc.log.includes("setRemote:offer"));
  assert.equal(sent.length, 1, "no answer sent");
  // Candidates of the ignored offer fail quietly.
  await negotiator.handle({ candidate: cand(9) });
  await negotiator.handle({ description: answer });
  assert.equal(pc.signalingState, "stable");
  assert.deepEqual(errors, []);
});

Deno.test("the polite peer rolls back its own offer and answers the colliding one", async () => {
  const { pc, sent, negotiator, errors } = setup(true);
  pc.addTrack(new FakeTrack("audio"));
  await settle();
  assert.equal(pc.signalingState, "have-local-offer");
  await negotiator.handle({ description: offer });
  assert.deepEqual(pc.log, [
    "addTrack:audio",
    "setLocal:offer",
    "rollback",
    "setRemote:offer",
    "setLocal:answer",
  ]);
  assert.equal(pc.signalingState, "stable");
  assert.deepEqual(sent.at(-1), {
    description: { type: "answer", sdp: "answer-2" },
  });
  assert.deepEqual(errors, []);
});

Deno.test("both sides making offers at once end in exactly one agreed offer", async () => {
  const a = new FakePeerConnection();
  const b = new FakePeerConnection();
  const toB: NegotiationMessage[] = [];
  const toA: NegotiationMessage[] = [];
  const na = new Negotiator(a, { polite: false, send: (p) => toB.push(p) });
  const nb = new Negotiator(b, { polite: true, send: (p) => toA.push(p) });
  a.addTrack(new FakeTrack("video"));
  b.addTrack(new FakeTrack("video"));
  await settle();
  // Both offers cross in flight.
  for (let i = 0; i < 5; i++) {
    for (const p of toB.splice(0)) await nb.handle(p);
    for (const p of toA.splice(0)) await na.handle(p);
  }
  assert.equal(a.signalingState, "stable");
  assert.equal(b.signalingState, "stable");
  assert.equal(b.remoteDescription?.sdp, a.localDescription?.sdp);
  assert.equal(a.remoteDescription?.type, "answer");
  assert.ok(b.log.includes("rollback"), "the polite side gave way");
  assert.ok(!a.log.includes("rollback"), "the impolite side did not");
});

Deno.test("a detached negotiator sends nothing more", async () => {
  const { pc, sent, negotiator } = setup(true);
  negotiator.detach();
  pc.gather("late");
  await negotiator.handle({ description: offer });
  assert.deepEqual(sent, []);
  assert.equal(pc.remoteDescription, null);
});

const HELD_OFFER = "v=0\r\no=- 42 2 IN IP4 127.0.0.1\r\nm=audio 9\r\n";
const held = (candidate: string): NegotiationMessage => ({
  candidate: { candidate, sdpMid: "0", sdpMLineIndex: 0 },
});

Deno.test("foldCandidates sends the offer as it is now, which lists the held candidates, instead of them", () => {
  const now = {
    type: "offer" as const,
    sdp: `${HELD_OFFER}a=candidate:1 1 udp 9 10.0.0.1 5000 typ host\r\n`,
  };
  const outbox: NegotiationMessage[] = [
    { description: { type: "offer", sdp: HELD_OFFER } },
    held("candidate:1 1 udp 9 10.0.0.1 5000 typ host ufrag x3"),
  ];
  assert.deepEqual(foldCandidates(outbox, now), [{ description: now }]);
});

Deno.test("foldCandidates leaves the outbox alone unless it holds exactly one description, an offer, and the connection's is one too", () => {
  const offer: NegotiationMessage = {
    description: { type: "offer", sdp: HELD_OFFER },
  };
  const answer: NegotiationMessage = {
    description: { type: "answer", sdp: HELD_OFFER },
  };
  const listed = held("candidate:1");
  const same = { type: "offer" as const, sdp: HELD_OFFER };
  const cases: [NegotiationMessage[], WireDescription | null][] = [
    [[offer, listed, offer], same],
    [[listed], same],
    [[answer, listed], same],
    [[offer, listed], { type: "answer", sdp: HELD_OFFER }],
    [[offer, listed], null],
  ];
  for (const [outbox, now] of cases) {
    assert.equal(foldCandidates(outbox, now), outbox);
  }
});
