/**
 * A reloaded peer's offer is told apart from a renegotiation by its SDP
 * session id (`offerFromNewPeer`), not by its certificate, which a browser
 * keeps across reloads; the runner replacing its connection on one is
 * exercised in `tests/e2e/presence_test.ts`.
 */
import assert from "node:assert/strict";
import { offerFromNewPeer } from "../../client/call/peer_link.ts";
import type { PeerConnectionLike } from "../../client/peer.ts";

/** An SDP of session `session`, version `version`, one kept certificate. */
const sdp = (session: string, version = 2) =>
  `v=0\r\no=- ${session} ${version} IN IP4 127.0.0.1\r\n` +
  "a=fingerprint:sha-256 AA:BB\r\n";

const connectedTo = (session: string | null) =>
  ({
    remoteDescription: session === null
      ? null
      : { type: "answer", sdp: sdp(session) },
  }) as unknown as PeerConnectionLike;

Deno.test("an offer from another session comes from a new peer connection, even with the same certificate", () => {
  const pc = connectedTo("4611731400430051336");
  assert.equal(
    offerFromNewPeer(pc, {
      description: { type: "offer", sdp: sdp("7216598833402711845") },
    }),
    true,
  );
});

Deno.test("the same session, an answer, a candidate or no connection yet is not a new peer", () => {
  const pc = connectedTo("4611731400430051336");
  assert.equal(
    offerFromNewPeer(pc, {
      description: { type: "offer", sdp: sdp("4611731400430051336", 3) },
    }),
    false,
    "an ICE restart or renegotiation",
  );
  assert.equal(
    offerFromNewPeer(pc, {
      description: { type: "answer", sdp: sdp("7216598833402711845") },
    }),
    false,
  );
  assert.equal(offerFromNewPeer(pc, { candidate: null }), false);
  assert.equal(
    offerFromNewPeer(connectedTo(null), {
      description: { type: "offer", sdp: sdp("7216598833402711845") },
    }),
    false,
    "the first offer",
  );
  assert.equal(
    offerFromNewPeer(pc, { description: { type: "offer", sdp: "v=0\r\n" } }),
    false,
    "no session to compare",
  );
});
