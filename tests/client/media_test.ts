import assert from "node:assert/strict";
import {
  groupDevices,
  LocalMediaError,
  openLocalMedia,
  toMediaError,
} from "../../client/media.ts";
import { fakeGetUserMedia } from "./fakes.ts";

Deno.test("browser media errors are named for the person", () => {
  const cases: [string, string, RegExp][] = [
    ["NotAllowedError", "denied", /allow/],
    ["NotFoundError", "no-device", /No microphone or camera/],
    ["NotReadableError", "in-use", /in use/],
    ["SecurityError", "insecure", /https/],
    ["Weird", "unknown", /could not be opened/],
  ];
  for (const [name, kind, message] of cases) {
    const err = toMediaError(new DOMException("x", name));
    assert.equal(err.kind, kind, name);
    assert.match(err.message, message, name);
  }
});

Deno.test("a missing camera falls back to the microphone and says so", async () => {
  const gum = fakeGetUserMedia({ camera: false });
  const { stream, videoMissing } = await openLocalMedia(gum, {
    audioOnly: false,
  });
  assert.equal(videoMissing, true);
  assert.equal(stream.getAudioTracks().length, 1);
  assert.equal(stream.getVideoTracks().length, 0);
});

Deno.test("no devices at all is a no-device error", async () => {
  const gum = fakeGetUserMedia({ camera: false, mic: false });
  await assert.rejects(
    openLocalMedia(gum, { audioOnly: false }),
    (err) => err instanceof LocalMediaError && err.kind === "no-device",
  );
});

Deno.test("a refused permission is not retried with less", async () => {
  const gum = fakeGetUserMedia({ error: "NotAllowedError" });
  await assert.rejects(
    openLocalMedia(gum, { audioOnly: false }),
    (err) => err instanceof LocalMediaError && err.kind === "denied",
  );
  assert.equal(gum.calls.length, 1);
});

Deno.test("a remembered device that is gone falls back to the defaults", async () => {
  let first = true;
  const calls: MediaStreamConstraints[] = [];
  const gum = (c: MediaStreamConstraints) => {
    calls.push(c);
    if (first) {
      first = false;
      return Promise.reject(new DOMException("x", "OverconstrainedError"));
    }
    return fakeGetUserMedia()(c);
  };
  const { videoMissing } = await openLocalMedia(gum, {
    audioOnly: false,
    videoDeviceId: "gone",
  });
  assert.equal(videoMissing, false);
  assert.equal(
    (calls[1].video as MediaTrackConstraints).deviceId,
    undefined,
  );
});

Deno.test("devices (microphones, cameras, speakers) are grouped by kind with stand-in labels before permission", () => {
  const info = (kind: string, deviceId: string, label = "") =>
    ({ kind, deviceId, label, groupId: "" }) as MediaDeviceInfo;
  const list = groupDevices([
    info("audioinput", "default", "Default mic"),
    info("audioinput", "communications", "Comms"),
    info("videoinput", "cam1"),
    info("videoinput", "cam2", "Back camera"),
    info("audiooutput", "spk"),
    info("videoinput", ""),
  ]);
  assert.deepEqual(list, {
    audio: [{ deviceId: "default", label: "Default mic" }],
    video: [
      { deviceId: "cam1", label: "Camera 1" },
      { deviceId: "cam2", label: "Back camera" },
    ],
    output: [{ deviceId: "spk", label: "Speaker 1" }],
  });
});
