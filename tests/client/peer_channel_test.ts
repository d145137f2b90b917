import assert from "node:assert/strict";
import {
  MAX_PEER_FRAME,
  offersChannel,
  parsePeerMessage,
  PEER_CHAT_PER_SECOND,
  PeerChannel,
} from "../../client/call/peer_channel.ts";
import type { DataChannelLike, PeerConnectionLike } from "../../client/peer.ts";
import { followCall, withLine } from "../../client/call_chat.ts";

/** A value of the shape of a commitment or nonce (43 base64url chars). */
const D = "A".repeat(43);

Deno.test("the peer's frames are read only when they are well-formed and short", () => {
  const cases: [unknown, unknown][] = [
    ['{"type":"media","micMuted":true,"cameraOff":false}', {
      type: "media",
      micMuted: true,
      cameraOff: false,
    }],
    ['{"type":"chat","text":"  hi  "}', { type: "chat", text: "hi" }],
    ['{"type":"media","micMuted":"yes","cameraOff":false}', null],
    ['{"type":"chat","text":"   "}', null],
    ['{"type":"chat","text":7}', null],
    ['{"type":"shout"}', null],
    ["not json", null],
    ["null", null],
    [new ArrayBuffer(4), null],
    [`{"type":"chat","text":"${"a".repeat(MAX_PEER_FRAME)}"}`, null],
    [`{"type":"safety-commit","commit":"${D}"}`, {
      type: "safety-commit",
      commit: D,
    }],
    [`{"type":"safety-reveal","nonce":"${D}"}`, {
      type: "safety-reveal",
      nonce: D,
    }],
    ['{"type":"safety-said","match":false}', {
      type: "safety-said",
      match: false,
    }],
    ['{"type":"safety-commit","commit":"short"}', null],
    [`{"type":"safety-reveal","nonce":"${D}="}`, null],
    ['{"type":"safety-said","match":"yes"}', null],
  ];
  for (const [data, expected] of cases) {
    assert.deepEqual(parsePeerMessage(data), expected, String(data));
  }
});

Deno.test("a chat line from the peer loses direction overrides before it is shown", () => {
  const got = parsePeerMessage(
    JSON.stringify({ type: "chat", text: "pay \u202Etxt.exe" }),
  );
  assert.deepEqual(got, { type: "chat", text: "pay txt.exe" });
});

Deno.test("an offer carries the channel when it has an application line", () => {
  assert.equal(offersChannel("v=0\r\nm=audio 9 UDP\r\n"), false);
  assert.equal(
    offersChannel("v=0\r\nm=audio 9 UDP\r\nm=application 9 UDP/DTLS/SCTP"),
    true,
  );
  assert.equal(offersChannel(undefined), false);
});

class FakeChannel implements DataChannelLike {
  readyState = "connecting";
  sent: string[] = [];
  closed = false;
  onopen: ((ev: Event) => unknown) | null = null;
  onclose: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: { data: unknown }) => unknown) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = "open";
    this.onopen?.(new Event("open"));
  }
}

function channelOn() {
  const made: { label: string; init: unknown; channel: FakeChannel }[] = [];
  const pc = {
    createDataChannel(label: string, init: unknown) {
      const channel = new FakeChannel();
      made.push({ label, init, channel });
      return channel;
    },
  } as unknown as PeerConnectionLike;
  const heard = {
    media: [] as unknown[],
    chat: [] as string[],
    safety: [] as unknown[],
    changed: 0,
  };
  let now = 0;
  const channel = new PeerChannel({
    changed: () => heard.changed++,
    media: (m) => heard.media.push(m),
    chat: (t) => heard.chat.push(t),
    safety: (m) => heard.safety.push(m),
    now: () => now,
  });
  return { pc, made, heard, channel, tick: (ms: number) => (now += ms) };
}

Deno.test("the channel is negotiated with the same id on both sides, made once, and sends only when open", () => {
  const t = channelOn();
  t.channel.attach(t.pc);
  t.channel.attach(t.pc);
  assert.equal(t.made.length, 1);
  assert.deepEqual(t.made[0].init, { negotiated: true, id: 0, ordered: true });
  assert.equal(t.channel.send({ type: "chat", text: "early" }), false);
  t.made[0].channel.open();
  assert.equal(t.heard.changed, 1);
  assert.equal(t.channel.send({ type: "chat", text: "hi" }), true);
  assert.deepEqual(t.made[0].channel.sent, ['{"type":"chat","text":"hi"}']);
  t.channel.close();
  assert.equal(t.made[0].channel.closed, true);
  assert.equal(t.made[0].channel.onmessage, null);
});

Deno.test(`more than ${PEER_CHAT_PER_SECOND} chat lines a second from the peer are dropped; media states always pass`, () => {
  const t = channelOn();
  t.channel.attach(t.pc);
  const fake = t.made[0].channel;
  fake.open();
  const say = (text: string) =>
    fake.onmessage?.({ data: JSON.stringify({ type: "chat", text }) });
  for (let i = 0; i < PEER_CHAT_PER_SECOND + 5; i++) say(`line ${i}`);
  fake.onmessage?.({
    data: JSON.stringify({ type: "media", micMuted: true, cameraOff: true }),
  });
  assert.equal(t.heard.chat.length, PEER_CHAT_PER_SECOND);
  assert.equal(t.heard.media.length, 1);
  t.tick(1000);
  say("a second later");
  assert.equal(t.heard.chat.at(-1), "a second later");
});

Deno.test("a call's conversation starts when it is accepted, follows its channel, and stays closed after it ends", () => {
  const snap = (phase: string, callId: string | null, channelOpen = false) => ({
    phase: phase as "connected",
    callId,
    peer: "ana",
    channelOpen,
  });
  assert.equal(followCall(null, snap("outgoing", "c1")), null);
  const started = followCall(null, snap("connecting", "c1"))!;
  assert.deepEqual(started, {
    callId: "c1",
    peer: "ana",
    open: false,
    lines: [],
  });
  assert.equal(followCall(started, snap("connecting", "c1")), started);
  const open = followCall(started, snap("connected", "c1", true))!;
  assert.equal(open.open, true);
  const said = withLine(open, {
    id: 1,
    from: "ana",
    text: "hi",
    at: 0,
    mine: false,
  });
  const ended = followCall(said, snap("ended", null))!;
  assert.equal(ended.open, false);
  assert.equal(ended.lines.length, 1, "kept after the call");
  assert.equal(followCall(ended, snap("idle", null)), ended);
  const next = followCall(ended, snap("connecting", "c2"))!;
  assert.deepEqual(next.lines, [], "the next call starts afresh");
});
