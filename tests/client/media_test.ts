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
    ["NotAllowedError", "denied", /Allow it/],
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
  const { stream, videoProblem } = await openLocalMedia(gum, {
    audioOnly: false,
  });
  assert.equal(videoProblem?.kind, "no-device");
  assert.match(videoProblem!.message, /No camera was found/);
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

Deno.test("a blocked camera with an allowed microphone opens the microphone and names the camera", async () => {
  const gum = (c: MediaStreamConstraints) =>
    c.video
      ? Promise.reject(new DOMException("x", "NotAllowedError"))
      : fakeGetUserMedia()(c);
  const { stream, videoProblem } = await openLocalMedia(gum, {
    audioOnly: false,
  });
  assert.equal(stream.getAudioTracks().length, 1);
  assert.equal(stream.getVideoTracks().length, 0);
  assert.equal(videoProblem?.kind, "denied");
  assert.match(videoProblem!.message, /^Camera access is blocked/);
  assert.match(videoProblem!.message, /camera or lock icon/);
});

Deno.test("a blocked microphone is an error that names the microphone", async () => {
  const gum = fakeGetUserMedia({ error: "NotAllowedError" });
  await assert.rejects(
    openLocalMedia(gum, { audioOnly: false }),
    (err) =>
      err instanceof LocalMediaError && err.kind === "denied" &&
      /^Microphone access is blocked/.test(err.message),
  );
  // Both together, then the microphone alone, to tell which one it is.
  assert.equal(gum.calls.length, 2);
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
  const { videoProblem } = await openLocalMedia(gum, {
    audioOnly: false,
    videoDeviceId: "gone",
  });
  assert.equal(videoProblem, null);
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
