import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import Parley from "../../islands/Parley.tsx";
import Chat from "../../islands/_parts/Chat.tsx";
import UserList from "../../islands/_parts/UserList.tsx";
import IncomingCall from "../../islands/_parts/IncomingCall.tsx";
import CallView from "../../islands/_parts/CallView.tsx";
import { renderPart } from "./render_part.ts";
import { createSessionState, IDLE_CALL } from "../../client/state.ts";

const EVIL = "<img src=x onerror=alert(1)>";

Deno.test("the server-rendered page has the hooks end-to-end tests rely on", () => {
  const html = renderToString(h(Parley, { room: "team" }));
  for (
    const hook of [
      'id="name-input"',
      'id="chat-input"',
      'id="local-video"',
      'id="remote-video"',
      'data-call-state="idle"',
      'data-testid="connection-status"',
      'aria-live="polite"',
    ]
  ) assert.ok(html.includes(hook), hook);
  assert.ok(!html.includes("<script"), "no inline script from the islands");
});

Deno.test("chat text and sender names that look like HTML show as characters", () => {
  const state = createSessionState();
  state.me.value = "ann";
  state.chat.value = [{ id: 1, from: EVIL, text: EVIL, at: 0, mine: false }];
  const html = renderPart(h(Chat, {}), state);
  assert.ok(!html.includes("<img"), "no element was created");
  assert.equal(html.split("&lt;img src=x onerror=alert(1)>").length - 1, 2);
});

Deno.test("a notice line in the chat shows as the app's own words, with no sender", () => {
  const state = createSessionState();
  state.me.value = "ann";
  state.chat.value = [{
    id: 1,
    from: "",
    text: "2 messages could not be delivered while your connection was slow.",
    at: 0,
    mine: false,
    notice: true,
  }];
  const html = renderPart(h(Chat, {}), state);
  assert.ok(html.includes('data-testid="chat-notice"'));
  assert.ok(html.includes("2 messages could not be delivered"));
  assert.ok(!html.includes('data-testid="chat-from"'));
});

Deno.test("user names that look like HTML show as characters in the list", () => {
  const state = createSessionState();
  state.me.value = "ann";
  state.users.value = [{ name: EVIL, state: "busy" }];
  const html = renderPart(h(UserList, {}), state);
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("In a call"));
  assert.ok(
    html.includes('data-testid="user-&lt;img src=x onerror=alert(1)>"'),
  );
});

Deno.test("the incoming prompt appears only while being rung, with labelled buttons", () => {
  const state = createSessionState();
  assert.equal(renderPart(h(IncomingCall, {}), state), "");
  state.call.value = {
    ...IDLE_CALL,
    phase: "incoming",
    peer: "bob",
    callId: "c1",
    direction: "incoming",
  };
  const html = renderPart(h(IncomingCall, {}), state);
  assert.ok(html.includes('role="alertdialog"'));
  assert.ok(html.includes('aria-label="Answer video call from bob"'));
  assert.ok(html.includes('data-testid="decline-call"'));
});

Deno.test("a connected call shows the quality badge with its hooks and a spoken summary", () => {
  const state = createSessionState();
  state.call.value = {
    ...IDLE_CALL,
    phase: "connected",
    peer: "bob",
    callId: "c1",
    direction: "outgoing",
    connectedAt: 0,
  };
  state.quality.value = {
    rttMs: 12,
    lossPercent: 0,
    outKbps: 1500,
    inKbps: 1400,
    path: "relayed",
    label: "good",
  };
  const html = renderPart(h(CallView, {}), state);
  assert.ok(html.includes('data-testid="quality"'));
  assert.ok(html.includes('data-quality="good"'));
  assert.ok(html.includes('data-path="relayed"'));
  assert.ok(html.includes("Good · 12 ms · relayed"));
  assert.ok(html.includes('aria-label="Connection quality good: round trip'));
  state.quality.value = null;
  assert.ok(
    !renderPart(h(CallView, {}), state).includes('data-testid="quality"'),
  );
});
