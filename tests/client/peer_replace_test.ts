/**
 * A reloaded peer's offer is told apart from a renegotiation by its
 * certificate fingerprint (`offerFromNewPeer`); the runner replacing its
 * connection on one is exercised in `tests/e2e/presence_test.ts`.
 */
import assert from "node:assert/strict";
import { offerFromNewPeer } from "../../client/call/peer_link.ts";
import type { PeerConnectionLike } from "../../client/peer.ts";

const sdp = (fingerprint: string) =>
  `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 ${fingerprint}\r\n`;

const connectedTo = (fingerprint: string | null) =>
  ({
    remoteDescription: fingerprint === null
      ? null
      : { type: "answer", sdp: sdp(fingerprint) },
  }) as unknown as PeerConnectionLike;

Deno.test("an offer with another certificate comes from a new peer connection", () => {
  const pc = connectedTo("AA:BB");
  assert.equal(
    offerFromNewPeer(pc, { description: { type: "offer", sdp: sdp("CC:DD") } }),
    true,
  );
});

Deno.test("the same certificate, an answer, a candidate or no connection yet is not a new peer", () => {
  const pc = connectedTo("AA:BB");
  assert.equal(
    offerFromNewPeer(pc, { description: { type: "offer", sdp: sdp("AA:BB") } }),
    false,
    "an ICE restart or renegotiation",
  );
  assert.equal(
    offerFromNewPeer(pc, {
      description: { type: "answer", sdp: sdp("CC:DD") },
    }),
    false,
  );
  assert.equal(offerFromNewPeer(pc, { candidate: null }), false);
  assert.equal(
    offerFromNewPeer(connectedTo(null), {
      description: { type: "offer", sdp: sdp("CC:DD") },
    }),
    false,
    "the first offer",
  );
  assert.equal(
    offerFromNewPeer(pc, { description: { type: "offer", sdp: "v=0\r\n" } }),
    false,
    "no fingerprint to compare",
  );
});
