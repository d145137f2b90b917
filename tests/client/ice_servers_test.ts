import assert from "node:assert/strict";
import {
  credentialExpiry,
  MIN_REFRESH_GAP_MS,
  REFRESH_MARGIN_MS,
  refreshDueAt,
  staleForNewCall,
} from "../../client/ice_servers.ts";

const T0 = 1_764_000_000_000;
const HOUR = 3_600_000;

function turn(expiresAtMs: number): RTCIceServer {
  return {
    urls: ["turn:turn.parley.test:3478"],
    username: `${Math.floor(expiresAtMs / 1000)}:ann`,
    credential: "c2VjcmV0",
  };
}

Deno.test("the expiry is read from the username's Unix-time prefix", () => {
  assert.equal(credentialExpiry([turn(T0 + HOUR)]), T0 + HOUR);
});

Deno.test("STUN entries and static TURN passwords never expire", () => {
  assert.equal(
    credentialExpiry([
      { urls: "stun:stun.parley.test" },
      { urls: "turn:t.test", username: "alice", credential: "pw" },
      { urls: "turn:t.test", username: "12:short" },
    ]),
    null,
  );
  assert.equal(
    staleForNewCall([{ urls: "stun:s.test" }], T0, T0 + 9 * HOUR),
    false,
  );
  assert.equal(refreshDueAt([{ urls: "stun:s.test" }], T0), null);
});

Deno.test("with several TURN entries the earliest expiry counts", () => {
  assert.equal(
    credentialExpiry([turn(T0 + 2 * HOUR), turn(T0 + HOUR)]),
    T0 + HOUR,
  );
});

Deno.test("a call in the first half of an hour-long credential needs no refresh", () => {
  const servers = [turn(T0 + HOUR)];
  assert.equal(staleForNewCall(servers, T0, T0 + 29 * 60_000), false);
});

Deno.test("a call more than half a lifetime after the welcome asks for fresh servers", () => {
  const servers = [turn(T0 + HOUR)];
  assert.equal(staleForNewCall(servers, T0, T0 + 30 * 60_000), true);
});

Deno.test("credentials within five minutes of expiry are stale even if just received", () => {
  const servers = [turn(T0 + REFRESH_MARGIN_MS - 1000)];
  assert.equal(staleForNewCall(servers, T0, T0), true);
});

Deno.test("during a call an hour-long credential is refreshed five minutes before it expires", () => {
  assert.equal(
    refreshDueAt([turn(T0 + HOUR)], T0),
    T0 + HOUR - REFRESH_MARGIN_MS,
  );
});

Deno.test("short lifetimes refresh at half-life, not in a loop", () => {
  assert.equal(refreshDueAt([turn(T0 + 60_000)], T0), T0 + 30_000);
  // Already expired by the page's clock (skew): still a pause between asks.
  assert.equal(
    refreshDueAt([turn(T0 - HOUR)], T0),
    T0 + MIN_REFRESH_GAP_MS,
  );
});
