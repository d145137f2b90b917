/**
 * The chat panel's two conversations, server-rendered from a session state
 * the way the app island draws it, and the rules behind the tabs.
 */
import assert from "node:assert/strict";
import { h } from "preact";
import Chat from "../../islands/_parts/Chat.tsx";
import { openingTag, renderPart } from "./render_part.ts";
import {
  callComposerBlocked,
  isNewConversation,
  tabForKey,
  unreadCount,
} from "../../islands/_parts/chat_tabs.ts";
import {
  type CallConversation,
  type ChatLine,
  createSessionState,
  IDLE_CALL,
} from "../../client/state.ts";

const EVIL = "<img src=x onerror=alert(1)>";

function line(id: number, text: string, mine = false, from = "ana"): ChatLine {
  return { id, from, text, at: 0, mine };
}

function conversation(
  change: Partial<CallConversation> = {},
): CallConversation {
  return { callId: "c1", peer: "ana", open: true, lines: [], ...change };
}

/** The opening tag of the element carrying `data-testid="<hook>"`. */
const tagOf = (html: string, hook: string) =>
  openingTag(html, `data-testid="${hook}"`);

/** The opening tag of the element with `id`. */
const tagWithId = (html: string, id: string) => openingTag(html, `id="${id}"`);

/** The element with `id` (opening tag up to its close, roughly). */
function panel(html: string, id: string): string {
  const at = html.indexOf(`id="${id}"`);
  assert.ok(at >= 0, `no #${id}`);
  return html.slice(html.lastIndexOf("<", at));
}

Deno.test("without a call's conversation only the room tab shows, labelled as seen by everyone", () => {
  const state = createSessionState("team");
  state.me.value = "bob";
  const html = renderPart(h(Chat, {}), state);
  assert.ok(html.includes('role="tablist"'));
  assert.ok(html.includes('data-testid="chat-tab-room"'));
  assert.ok(!html.includes('data-testid="chat-tab-call"'));
  assert.ok(!html.includes('data-testid="call-chat-log"'));
  assert.match(tagOf(html, "chat-tab-room"), /aria-selected="true"/);
  assert.ok(html.includes("Everyone in this room sees these messages"));
  assert.ok(html.includes('id="chat-input"'));
  assert.ok(html.includes('data-testid="chat-send"'));
});

Deno.test("in the lobby the room tab says everyone in the lobby sees it", () => {
  const state = createSessionState("");
  const html = renderPart(h(Chat, {}), state);
  assert.ok(html.includes("Everyone in the lobby sees these messages"));
  assert.ok(html.includes(">Lobby<"));
});

Deno.test("a call's conversation adds a private tab named after the peer, selected, with who can read it", () => {
  const state = createSessionState("team");
  state.me.value = "bob";
  state.chat.value = [line(1, "hello room", false, "carol")];
  state.callChat.value = conversation({
    lines: [line(1, "door code 4711"), line(2, "thanks", true, "bob")],
  });
  const html = renderPart(h(Chat, {}), state);
  const roomTab = tagOf(html, "chat-tab-room");
  const callTab = tagOf(html, "chat-tab-call");
  assert.match(roomTab, /role="tab"/);
  assert.match(roomTab, /aria-selected="false"/);
  assert.match(roomTab, /tabindex="-1"/i);
  assert.match(callTab, /role="tab"/);
  assert.match(callTab, /aria-selected="true"/);
  assert.match(callTab, /aria-controls="chat-panel-call"/);
  assert.ok(html.includes("ana</span>\u00a0· private"));
  assert.ok(html.includes("Everyone in this room sees these messages"));
  assert.ok(
    html.includes(
      'Only you and <span dir="auto">ana</span> see these: sent directly and end-to-end encrypted, never through the server',
    ),
  );
  assert.equal(html.split('role="tabpanel"').length - 1, 2);
  // The room's panel is there but hidden; the call's is shown.
  assert.match(panel(html, "chat-panel-room").split(">")[0], / hidden/);
  assert.doesNotMatch(panel(html, "chat-panel-call").split(">")[0], / hidden/);
  assert.equal(html.split('data-testid="call-chat-message"').length - 1, 2);
  assert.equal(html.split('data-testid="chat-message"').length - 1, 1);
  assert.ok(html.includes('id="call-chat-input"'));
  // An empty draft keeps Send off, but the box takes typing.
  assert.doesNotMatch(tagWithId(html, "call-chat-input"), /disabled/);
});

Deno.test("private lines that look like HTML show as characters", () => {
  const state = createSessionState("team");
  state.me.value = "bob";
  state.callChat.value = conversation({
    peer: EVIL,
    lines: [{ id: 1, from: EVIL, text: EVIL, at: 0, mine: false }],
  });
  const html = renderPart(h(Chat, {}), state);
  assert.ok(!html.includes("<img"), "no element was created");
  // Tab, audience line, sender and text each show the name or message.
  assert.ok(
    html.split("&lt;img src=x onerror=alert(1)>").length - 1 >= 4,
  );
  assert.match(html, /data-testid="call-chat-text" dir="auto"/);
});

Deno.test("an ended call's conversation stays to be read but its composer is off", () => {
  const state = createSessionState("team");
  state.me.value = "bob";
  state.callChat.value = conversation({
    open: false,
    lines: [line(1, "door code 4711")],
  });
  const html = renderPart(h(Chat, {}), state);
  assert.ok(html.includes("door code 4711"));
  const input = tagWithId(html, "call-chat-input");
  assert.match(input, /disabled/);
  assert.match(input, /placeholder="The call has ended"/);
  assert.match(tagOf(html, "call-chat-send"), /disabled/);
  // The room can still be written to.
  assert.doesNotMatch(tagWithId(html, "chat-input"), /disabled/);
});

Deno.test("a conversation whose channel is still opening during the call says so instead of ended", () => {
  const waiting = conversation({ open: false });
  assert.equal(
    callComposerBlocked(waiting, {
      ...IDLE_CALL,
      phase: "connecting",
      callId: "c1",
      peer: "ana",
    }),
    "Connecting the private channel…",
  );
  assert.equal(
    callComposerBlocked(waiting, {
      ...IDLE_CALL,
      phase: "ended",
      callId: "c1",
      peer: "ana",
    }),
    "The call has ended",
  );
  assert.equal(callComposerBlocked(waiting, IDLE_CALL), "The call has ended");
  assert.equal(callComposerBlocked(conversation(), IDLE_CALL), null);
});

Deno.test("arrow keys move between the tabs and wrap, Home and End jump", () => {
  const both = ["room", "call"] as const;
  assert.equal(tabForKey(both, "room", "ArrowRight"), "call");
  assert.equal(tabForKey(both, "call", "ArrowRight"), "room");
  assert.equal(tabForKey(both, "room", "ArrowLeft"), "call");
  assert.equal(tabForKey(both, "call", "Home"), "room");
  assert.equal(tabForKey(both, "room", "End"), "call");
  assert.equal(tabForKey(["room"], "room", "ArrowRight"), "room");
  assert.equal(tabForKey(both, "room", "Enter"), null);
});

Deno.test("a conversation comes to the front when its call is new, not when a line arrives or the channel changes", () => {
  const ana = conversation();
  assert.equal(isNewConversation(null, ana), true);
  assert.equal(
    isNewConversation(ana, conversation({ callId: "c2", peer: "bo" })),
    true,
  );
  // The same person called again: a new call, a new conversation.
  assert.equal(isNewConversation(ana, conversation({ callId: "c2" })), true);
  assert.equal(
    isNewConversation(ana, { ...ana, lines: [line(1, "hi")] }),
    false,
  );
  assert.equal(isNewConversation(ana, { ...ana, open: false }), false);
  assert.equal(isNewConversation({ ...ana, open: false }, ana), false);
  assert.equal(isNewConversation(ana, null), false);
});

Deno.test("the unread count is the other people's lines after the last one seen", () => {
  const lines = [
    line(1, "a"),
    line(2, "b", true),
    line(3, "c"),
    line(4, "d"),
  ];
  assert.equal(unreadCount(lines, 0), 3);
  assert.equal(unreadCount(lines, 2), 2);
  assert.equal(unreadCount(lines, 4), 0);
});
