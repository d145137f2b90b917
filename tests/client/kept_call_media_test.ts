import assert from "node:assert/strict";
import { loadCallMedia, saveCallMedia } from "../../client/kept_call_media.ts";
import { MemoryStore } from "./fakes.ts";

Deno.test("mute and camera-off are kept for the call they belong to, per room, and nothing else", () => {
  const store = new MemoryStore();
  saveCallMedia(store, "team", {
    callId: "c1",
    micMuted: true,
    cameraOff: true,
  });
  assert.deepEqual(loadCallMedia(store, "team", "c1"), {
    callId: "c1",
    micMuted: true,
    cameraOff: true,
  });
  assert.equal(loadCallMedia(store, "team", "c2"), null, "another call");
  assert.equal(loadCallMedia(store, "", "c1"), null, "another room");
  store.setItem("parley.callMedia.team", "{not json");
  assert.equal(loadCallMedia(store, "team", "c1"), null);
  assert.equal(loadCallMedia(null, "team", "c1"), null);
});
