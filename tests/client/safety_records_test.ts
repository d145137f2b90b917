import assert from "node:assert/strict";
import {
  CERTIFICATE_LIFETIME_MS,
  needsRenewal,
  RENEW_BEFORE_MS,
} from "../../client/safety/certificate.ts";
import {
  MAX_VERIFIED,
  peerRecord,
  verifiedNames,
} from "../../client/safety/verified_store.ts";
import type { KeyValueStore } from "../../client/saved_session.ts";

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

Deno.test("a kept certificate is replaced once less than its renewal margin is left", () => {
  const now = 1_800_000_000_000;
  const table: [number, boolean][] = [
    [now + CERTIFICATE_LIFETIME_MS, false],
    [now + RENEW_BEFORE_MS + 1, false],
    [now + RENEW_BEFORE_MS - 1, true],
    [now - 1, true],
    [NaN, true],
  ];
  for (const [expires, renew] of table) {
    assert.equal(needsRenewal(expires, now), renew, String(expires - now));
  }
  assert.ok(CERTIFICATE_LIFETIME_MS > 2 * RENEW_BEFORE_MS);
});

Deno.test("verified names are kept per room, the newest replacing an older one", () => {
  const store = memoryStore();
  const lobby = verifiedNames(store, "");
  const room = verifiedNames(store, "abc");
  lobby.set("ana", "sha-256 AA");
  assert.equal(lobby.get("ana"), "sha-256 AA");
  assert.equal(room.get("ana"), null, "another room knows nothing of her");
  lobby.set("ana", "sha-256 BB");
  assert.equal(lobby.get("ana"), "sha-256 BB");
  lobby.delete("ana");
  assert.equal(lobby.get("ana"), null);
});

Deno.test(`at most ${MAX_VERIFIED} names are kept per room, the oldest dropped first`, () => {
  const store = memoryStore();
  const names = verifiedNames(store, "r");
  for (let i = 0; i <= MAX_VERIFIED; i++) names.set(`p${i}`, `fp${i}`);
  assert.equal(names.get("p0"), null);
  assert.equal(names.get("p1"), "fp1");
  assert.equal(names.get(`p${MAX_VERIFIED}`), `fp${MAX_VERIFIED}`);
});

Deno.test("what the page keeps is read warily: junk or no storage means nobody verified", () => {
  const store = memoryStore();
  store.setItem("parley.verified.r", "{not json");
  assert.equal(verifiedNames(store, "r").get("ana"), null);
  store.setItem("parley.verified.r", JSON.stringify([["ana", 7], "x"]));
  assert.equal(verifiedNames(store, "r").get("ana"), null);
  const none = verifiedNames(null, "r");
  none.set("ana", "fp");
  assert.equal(none.get("ana"), null);
  const full: KeyValueStore = {
    ...memoryStore(),
    setItem: () => {
      throw new DOMException("full", "QuotaExceededError");
    },
  };
  assert.doesNotThrow(() => verifiedNames(full, "r").set("ana", "fp"));
});

Deno.test("a call's record acts on its current peer, and on nobody between calls", () => {
  const names = verifiedNames(memoryStore(), "r");
  let peer: string | null = "ana";
  const record = peerRecord(names, () => peer);
  record.remember("fp-ana");
  assert.equal(record.known(), "fp-ana");
  peer = null;
  assert.equal(record.known(), null);
  record.remember("fp-nobody");
  peer = "ana";
  assert.equal(record.known(), "fp-ana");
  record.forget();
  assert.equal(names.get("ana"), null);
});
