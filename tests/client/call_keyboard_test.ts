import assert from "node:assert/strict";
import { h } from "preact";
import CallView from "../../islands/_parts/CallView.tsx";
import Settings from "../../islands/_parts/Settings.tsx";
import { openingTag, renderPart } from "./render_part.ts";
import {
  createSessionState,
  IDLE_CALL,
  type SessionState,
} from "../../client/state.ts";

function inCall(): SessionState {
  const state = createSessionState();
  state.call.value = {
    ...IDLE_CALL,
    phase: "connected",
    peer: "bob",
    callId: "c1",
    direction: "outgoing",
    connectedAt: 0,
    hasCamera: true,
    micMuted: true,
  };
  return state;
}

Deno.test("the call's controls show their shortcuts in the tooltip and aria-keyshortcuts", () => {
  const html = renderPart(h(CallView, {}), inCall());
  const mute = openingTag(html, 'data-testid="mute"');
  assert.match(mute, /title="Mute microphone \(M\)"/);
  assert.match(mute, /aria-keyshortcuts="M"/);
  const camera = openingTag(html, 'data-testid="camera"');
  assert.match(camera, /title="Turn camera off \(V\)"/);
  assert.match(camera, /aria-keyshortcuts="V"/);
  const hangup = openingTag(html, 'data-testid="hangup"');
  assert.match(hangup, /title="Hang up \(Shift\+H\)"/);
  assert.match(hangup, /aria-keyshortcuts="Shift\+H"/);
});

Deno.test("with shortcuts off the tooltips name none and no aria-keyshortcuts is left", () => {
  const state = inCall();
  state.prefs.value = { ...state.prefs.value, shortcuts: false };
  const html = renderPart(h(CallView, {}), state);
  assert.ok(!html.includes("aria-keyshortcuts"));
  assert.match(
    openingTag(html, 'data-testid="mute"'),
    /title="Mute microphone"/,
  );
  assert.match(openingTag(html, 'data-testid="hangup"'), /title="Hang up"/);
});

Deno.test("a toggle keeps its words whatever its state, which is in aria-pressed", () => {
  const html = renderPart(h(CallView, {}), inCall());
  const mute = html.slice(html.indexOf('data-testid="mute"'));
  assert.match(openingTag(html, 'data-testid="mute"'), /aria-pressed="true"/);
  assert.match(mute, /<span class="control__text">Mute<\/span>/);
});

Deno.test("the settings dialog has the shortcuts' switch, saying which keys they are", () => {
  const state = createSessionState();
  let html = renderPart(h(Settings, { onClose: () => {} }), state);
  const box = openingTag(html, 'data-testid="shortcuts"');
  assert.match(box, /type="checkbox"/);
  assert.match(box, /checked/);
  assert.match(box, /aria-describedby="settings-shortcuts-keys"/);
  assert.ok(html.includes("Keyboard shortcuts in calls"));
  assert.ok(html.includes("Shift+H hangs up"));
  state.prefs.value = { ...state.prefs.value, shortcuts: false };
  html = renderPart(h(Settings, { onClose: () => {} }), state);
  assert.doesNotMatch(openingTag(html, 'data-testid="shortcuts"'), /checked/);
});
