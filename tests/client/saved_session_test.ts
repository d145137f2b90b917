import assert from "node:assert/strict";
import {
  forgetSession,
  type KeyValueStore,
  loadLastName,
  loadSavedSession,
  savedSessionKey,
  saveSession,
} from "../../client/saved_session.ts";
import { MemoryStore } from "./fakes.ts";

Deno.test("a saved name and token come back for the same room only", () => {
  const store = new MemoryStore();
  saveSession(store, "team", { name: "ann", resume: "tok" });
  assert.deepEqual(loadSavedSession(store, "team"), {
    name: "ann",
    resume: "tok",
  });
  assert.equal(loadSavedSession(store, ""), null);
});

Deno.test("without withToken only the name comes back (a duplicated tab must not take the session)", () => {
  const store = new MemoryStore();
  saveSession(store, "", { name: "ann", resume: "tok" });
  assert.deepEqual(loadSavedSession(store, "", { withToken: false }), {
    name: "ann",
  });
});

Deno.test("garbage, missing storage and throwing storage all read as nothing saved", () => {
  const store = new MemoryStore();
  store.setItem(savedSessionKey("r"), "{not json");
  assert.equal(loadSavedSession(store, "r"), null);
  store.setItem(savedSessionKey("r"), JSON.stringify({ name: 5 }));
  assert.equal(loadSavedSession(store, "r"), null);
  assert.equal(loadSavedSession(null, "r"), null);
  const broken: KeyValueStore = {
    getItem: () => {
      throw new DOMException("denied", "SecurityError");
    },
    setItem: () => {
      throw new DOMException("full", "QuotaExceededError");
    },
    removeItem: () => {
      throw new DOMException("denied", "SecurityError");
    },
  };
  assert.equal(loadSavedSession(broken, "r"), null);
  saveSession(broken, "r", { name: "ann" });
  forgetSession(broken, "r");
});

Deno.test("forgetting removes the room's entry", () => {
  const store = new MemoryStore();
  saveSession(store, "r", { name: "ann", resume: "t" });
  forgetSession(store, "r");
  assert.equal(loadSavedSession(store, "r"), null);
});

Deno.test("the name last used in any room comes back to fill in the form elsewhere", () => {
  const store = new MemoryStore();
  assert.equal(loadLastName(store), null);
  saveSession(store, "team", { name: "ann", resume: "tok" });
  assert.equal(loadLastName(store), "ann");
  forgetSession(store, "team");
  assert.equal(loadLastName(store), "ann");
  assert.equal(loadLastName(null), null);
});
