import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import Parley from "../../islands/Parley.tsx";
import CallView from "../../islands/_parts/CallView.tsx";
import NameForm from "../../islands/_parts/NameForm.tsx";
import Settings, { canSetSink } from "../../islands/_parts/Settings.tsx";
import { openingTag, renderPart } from "./render_part.ts";
import {
  createSessionState,
  IDLE_CALL,
  type SessionState,
} from "../../client/state.ts";

function settings(state: SessionState, canChooseSpeaker = true): string {
  return renderPart(
    h(Settings, { onClose: () => {}, canChooseSpeaker }),
    state,
  );
}

const withDevices = () => {
  const state = createSessionState();
  state.devices.value = {
    audio: [{ deviceId: "mic1", label: "Desk mic" }],
    video: [
      { deviceId: "cam1", label: "Built-in camera" },
      { deviceId: "cam2", label: "USB camera" },
    ],
    output: [{ deviceId: "spk1", label: "Headphones" }],
  };
  return state;
};

Deno.test("the check is a modal dialog named by its heading, with its hooks", () => {
  const html = settings(createSessionState());
  const dialog = openingTag(html, 'role="dialog"');
  assert.ok(dialog.includes('aria-modal="true"'));
  assert.ok(dialog.includes('aria-labelledby="settings-title"'));
  assert.ok(html.includes('<h2 id="settings-title"'));
  for (
    const hook of [
      'id="settings-preview"',
      'data-testid="mic-level"',
      'id="settings-camera"',
      'id="settings-mic"',
      'data-testid="close-settings"',
    ]
  ) assert.ok(html.includes(hook), hook);
  assert.ok(html.includes("Microphone level"));
  // Nothing opened yet: a placeholder, and no error to announce.
  assert.ok(html.includes("Opening camera…"));
  assert.ok(!html.includes('role="alert"'));
});

Deno.test("the start-muted and camera-off boxes show the remembered defaults", () => {
  const state = createSessionState();
  state.prefs.value = { ...state.prefs.value, startMuted: true };
  let html = settings(state);
  assert.ok(openingTag(html, 'data-testid="start-muted"').includes("checked"));
  assert.ok(
    !openingTag(html, 'data-testid="start-camera-off"').includes("checked"),
  );
  state.prefs.value = { ...state.prefs.value, startCameraOff: true };
  html = settings(state);
  assert.ok(
    openingTag(html, 'data-testid="start-camera-off"').includes("checked"),
  );
  assert.ok(html.includes("Start calls with my microphone muted"));
  assert.ok(html.includes("Start calls with my camera off"));
});

Deno.test("the pickers list the devices and select the remembered camera", () => {
  const state = withDevices();
  state.prefs.value = { ...state.prefs.value, video: "cam2" };
  const html = settings(state);
  assert.ok(html.includes("Built-in camera"));
  assert.ok(html.includes("Desk mic"));
  assert.ok(openingTag(html, 'value="cam2"').includes("selected"));
  assert.ok(!openingTag(html, 'value="cam1"').includes("selected"));
});

Deno.test("without devices listed yet the pickers offer the browser's default, disabled", () => {
  const html = settings(createSessionState());
  assert.ok(openingTag(html, 'id="settings-camera"').includes("disabled"));
  assert.ok(html.includes(">Default</option>"));
});

Deno.test("the speaker picker shows only with speakers listed and setSinkId to use them", () => {
  const state = withDevices();
  assert.ok(settings(state, true).includes('id="settings-speaker"'));
  assert.ok(settings(state, true).includes("Headphones"));
  assert.ok(!settings(state, false).includes('id="settings-speaker"'));
  state.devices.value = { ...state.devices.value, output: [] };
  assert.ok(!settings(state, true).includes('id="settings-speaker"'));
});

Deno.test("a server without media elements offers no speaker choice", () => {
  assert.equal(canSetSink(), false);
  const html = renderPart(h(Settings, { onClose: () => {} }), withDevices());
  assert.ok(!html.includes('id="settings-speaker"'));
});

Deno.test("the gear opens the check from the header before and after joining", () => {
  const page = renderToString(h(Parley, { room: "team" }));
  assert.ok(page.includes('data-testid="open-settings"'));
  assert.ok(!page.includes('role="dialog"'), "the dialog starts closed");
  const state = createSessionState();
  state.me.value = "ann";
  const joined = renderPart(h(NameForm, {}), state);
  assert.ok(
    openingTag(joined, 'data-testid="open-settings"').includes(
      'aria-label="Settings"',
    ),
  );
});

Deno.test("the idle stage invites a device check and a live call has a Settings control", () => {
  const state = createSessionState();
  let html = renderPart(h(CallView, {}), state);
  assert.ok(html.includes('data-testid="check-devices"'));
  assert.ok(html.includes("Check your camera and microphone"));
  assert.ok(!html.includes('data-testid="call-settings"'));
  state.call.value = {
    ...IDLE_CALL,
    phase: "connected",
    peer: "bob",
    callId: "c1",
    direction: "outgoing",
    connectedAt: 0,
  };
  html = renderPart(h(CallView, {}), state);
  assert.ok(html.includes('data-testid="call-settings"'));
  assert.ok(!html.includes('data-testid="check-devices"'));
});
