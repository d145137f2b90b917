import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import Parley from "../../islands/Parley.tsx";
import Chat from "../../islands/_parts/Chat.tsx";
import UserList from "../../islands/_parts/UserList.tsx";
import IncomingCall from "../../islands/_parts/IncomingCall.tsx";
import CallView from "../../islands/_parts/CallView.tsx";
import {
  call,
  chat,
  IDLE_CALL,
  me,
  quality,
  users,
} from "../../client/state.ts";

const EVIL = "<img src=x onerror=alert(1)>";

function reset() {
  me.value = null;
  users.value = [];
  chat.value = [];
  call.value = IDLE_CALL;
}

Deno.test("the server-rendered page has the hooks end-to-end tests rely on", () => {
  reset();
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
  reset();
  me.value = "ann";
  chat.value = [{ id: 1, from: EVIL, text: EVIL, at: 0, mine: false }];
  const html = renderToString(h(Chat, {}));
  assert.ok(!html.includes("<img"), "no element was created");
  assert.equal(html.split("&lt;img src=x onerror=alert(1)>").length - 1, 2);
  reset();
});

Deno.test("a notice line in the chat shows as the app's own words, with no sender", () => {
  reset();
  me.value = "ann";
  chat.value = [{
    id: 1,
    from: "",
    text: "2 messages could not be delivered while your connection was slow.",
    at: 0,
    mine: false,
    notice: true,
  }];
  const html = renderToString(h(Chat, {}));
  assert.ok(html.includes('data-testid="chat-notice"'));
  assert.ok(html.includes("2 messages could not be delivered"));
  assert.ok(!html.includes('data-testid="chat-from"'));
  reset();
});

Deno.test("user names that look like HTML show as characters in the list", () => {
  reset();
  me.value = "ann";
  users.value = [{ name: EVIL, state: "busy" }];
  const html = renderToString(h(UserList, {}));
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("In a call"));
  assert.ok(
    html.includes('data-testid="user-&lt;img src=x onerror=alert(1)>"'),
  );
  reset();
});

Deno.test("the incoming prompt appears only while being rung, with labelled buttons", () => {
  reset();
  assert.equal(renderToString(h(IncomingCall, {})), "");
  call.value = {
    ...IDLE_CALL,
    phase: "incoming",
    peer: "bob",
    callId: "c1",
    direction: "incoming",
  };
  const html = renderToString(h(IncomingCall, {}));
  assert.ok(html.includes('role="alertdialog"'));
  assert.ok(html.includes('aria-label="Accept video call from bob"'));
  assert.ok(html.includes('data-testid="decline-call"'));
  reset();
});

Deno.test("a connected call shows the quality badge with its hooks and a spoken summary", () => {
  reset();
  call.value = {
    ...IDLE_CALL,
    phase: "connected",
    peer: "bob",
    callId: "c1",
    direction: "outgoing",
    connectedAt: 0,
  };
  quality.value = {
    rttMs: 12,
    lossPercent: 0,
    outKbps: 1500,
    inKbps: 1400,
    path: "relayed",
    label: "good",
  };
  const html = renderToString(h(CallView, {}));
  assert.ok(html.includes('data-testid="quality"'));
  assert.ok(html.includes('data-quality="good"'));
  assert.ok(html.includes('data-path="relayed"'));
  assert.ok(html.includes("Good · 12 ms · relayed"));
  assert.ok(html.includes('aria-label="Connection quality good: round trip'));
  quality.value = null;
  assert.ok(!renderToString(h(CallView, {})).includes('data-testid="quality"'));
  reset();
});
