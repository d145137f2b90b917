/**
 * Two {@link LinkSafety} wired to each other as two pages' channels would
 * be (messages delivered in order, later), over connections that report
 * their certificates only in their descriptions, as Firefox's do.
 */
import assert from "node:assert/strict";
import {
  LinkSafety,
  type SafetyView,
} from "../../client/safety/link_safety.ts";
import type { SafetyMessage } from "../../client/call/peer_channel.ts";
import type { PeerConnectionLike } from "../../client/peer.ts";

const FP = {
  a: "AA:11:22:33:44:55:66:77:88:99:00:11:22:33:44:55",
  b: "BB:11:22:33:44:55:66:77:88:99:00:11:22:33:44:55",
  m: "CC:11:22:33:44:55:66:77:88:99:00:11:22:33:44:55",
};
const sdp = (fp: string) => `v=0\r\na=fingerprint:sha-256 ${fp}\r\n`;
const pc = (local: string, remote: string) =>
  ({
    localDescription: { type: "offer", sdp: sdp(local) },
    remoteDescription: { type: "answer", sdp: sdp(remote) },
  }) as unknown as PeerConnectionLike;

/** One side: its safety, what it sent, and what it remembers. */
function side(conn: PeerConnectionLike, known: string | null = null) {
  const out: SafetyMessage[] = [];
  const kept: string[] = [];
  const safety = new LinkSafety(conn, (m) => out.push(m) > 0, {
    known: () => known,
    remember: (fp) => kept.push(fp),
    forget: () => kept.push("forgotten"),
    changed: () => {},
  });
  return { safety, out, kept };
}

/** Delivers what each side sent so far to the other, until both are quiet. */
async function pump(a: ReturnType<typeof side>, b: ReturnType<typeof side>) {
  for (let i = 0; i < 20; i++) {
    await Promise.all([a.safety.settled(), b.safety.settled()]);
    const fromA = a.out.splice(0), fromB = b.out.splice(0);
    if (fromA.length + fromB.length === 0) return;
    for (const m of fromA) b.safety.receive(m);
    for (const m of fromB) a.safety.receive(m);
  }
  assert.fail("the two sides never went quiet");
}

const codeOf = (v: SafetyView) => v.code;

Deno.test("two honest sides derive one code whichever opens first, and verify once both say so", async () => {
  for (const order of ["a first", "b first", "together"]) {
    const a = side(pc(FP.a, FP.b));
    const b = side(pc(FP.b, FP.a));
    if (order !== "b first") await a.safety.opened();
    if (order === "a first") await pump(a, b);
    await b.safety.opened();
    if (order === "b first") await a.safety.opened();
    await pump(a, b);
    assert.match(codeOf(a.safety.view) ?? "", /^\d{4} \d{4} \d{4}$/, order);
    assert.equal(codeOf(a.safety.view), codeOf(b.safety.view), order);
    assert.equal(a.safety.view.warning, "new");
    a.safety.say(true);
    await pump(a, b);
    b.safety.say(true);
    await pump(a, b);
    assert.equal(a.safety.view.status, "verified");
    assert.equal(b.safety.view.status, "verified");
    assert.deepEqual(a.kept, [`sha-256 ${FP.b}`]);
    assert.deepEqual(b.kept, [`sha-256 ${FP.a}`]);
  }
});

Deno.test("a peer's commitment that arrives before ours is ready still gives one code", async () => {
  const a = side(pc(FP.a, FP.b));
  const b = side(pc(FP.b, FP.a));
  await b.safety.opened();
  // b's commitment reaches a before a's channel reports open.
  for (const m of b.out.splice(0)) a.safety.receive(m);
  await a.safety.opened();
  assert.equal(a.out[0]?.type, "safety-commit", "the commitment goes first");
  await pump(a, b);
  assert.ok(a.safety.view.code);
  assert.equal(a.safety.view.code, b.safety.view.code);
});

Deno.test("sides that each see a certificate in the middle derive different codes", async () => {
  // What passes between them is forwarded untouched, as a relay would.
  const a = side(pc(FP.a, FP.m));
  const b = side(pc(FP.b, FP.m));
  await a.safety.opened();
  await b.safety.opened();
  await pump(a, b);
  assert.ok(a.safety.view.code && b.safety.view.code);
  assert.notEqual(a.safety.view.code, b.safety.view.code);
});

Deno.test("a peer that reveals a value other than its commitment gets no code", async () => {
  const a = side(pc(FP.a, FP.b));
  await a.safety.opened();
  a.safety.receive({ type: "safety-commit", commit: "A".repeat(43) });
  a.safety.receive({ type: "safety-reveal", nonce: "B".repeat(43) });
  await a.safety.settled();
  assert.equal(a.safety.view.status, "failed");
  assert.equal(a.safety.view.code, null);
});

Deno.test("a number verified before shows verified at once; another shows changed", async () => {
  for (
    const [known, status, warning] of [
      [`sha-256 ${FP.b}`, "verified", null],
      [`sha-256 ${FP.m}`, "open", "changed"],
    ] as const
  ) {
    const a = side(pc(FP.a, FP.b), known);
    const b = side(pc(FP.b, FP.a));
    await a.safety.opened();
    await b.safety.opened();
    await pump(a, b);
    assert.equal(a.safety.view.status, status);
    assert.equal(a.safety.view.warning, warning);
  }
});
