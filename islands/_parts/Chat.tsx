/**
 * The chat panel: the room's chat and, once there has been a call, that
 * call's private conversation, as two tabs (the WAI-ARIA tabs pattern:
 * arrows, Home and End move between them). Each panel says plainly who
 * reads it, since the difference between "everyone here" and "only the two
 * of you" is the whole point of having two. A call's conversation comes to
 * the front when it begins and stays after the call, to be read, until the
 * next call's replaces it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { useSession } from "./session_context.ts";
import { ChatComposer } from "./ChatComposer.tsx";
import { useChatSheet } from "./ChatSheet.tsx";
import { ChatLog } from "./ChatLog.tsx";
import { Icon } from "./Icon.tsx";
import { Named } from "./Named.tsx";
import {
  CALL_AUDIENCE,
  callComposerBlocked,
  type ChatTab,
  isNewConversation,
  lastLineId,
  roomAudience,
  roomTabName,
  tabForKey,
  unreadCount,
} from "./chat_tabs.ts";

/** Chat panel; no props. */
export default function Chat() {
  const { state, actions } = useSession();
  const sheet = useChatSheet();
  const roomLines = state.chat.value;
  const conversation = state.callChat.value;
  const loggedIn = state.me.value !== null;

  const [chosen, setChosen] = useState<ChatTab>(
    conversation ? "call" : "room",
  );
  const [seen, setSeen] = useState(() => ({
    room: lastLineId(roomLines),
    call: conversation ? lastLineId(conversation.lines) : 0,
  }));
  const shownConversation = useRef(conversation);
  const tabRefs = useRef<Partial<Record<ChatTab, HTMLButtonElement | null>>>(
    {},
  );

  useEffect(() => {
    if (isNewConversation(shownConversation.current, conversation)) {
      setChosen("call");
      // Ids may start again with a new conversation.
      setSeen((s) => ({ ...s, call: 0 }));
    }
    shownConversation.current = conversation;
  }, [conversation]);

  // A call that rang unanswered is news the person must see, with its
  // "Call back": it brings the room's log (which holds it) to the front.
  // It only comes when no call is under way, so no conversation is cut.
  const roomLastId = useRef(lastLineId(roomLines));
  useEffect(() => {
    const missed = roomLines.some((l) => l.missed && l.id > roomLastId.current);
    roomLastId.current = lastLineId(roomLines);
    if (missed) setChosen("room");
  }, [roomLines]);

  const tab: ChatTab = chosen === "call" && conversation ? "call" : "room";
  const tabs: ChatTab[] = conversation ? ["room", "call"] : ["room"];
  const shownLines = tab === "call" ? conversation!.lines : roomLines;

  // What the selected tab shows has been seen; the other one counts up.
  useEffect(() => {
    const last = lastLineId(shownLines);
    if (seen[tab] !== last) setSeen((s) => ({ ...s, [tab]: last }));
  }, [tab, shownLines]);

  const unread = (which: ChatTab) =>
    which === tab
      ? 0
      : which === "room"
      ? unreadCount(roomLines, seen.room)
      : unreadCount(conversation?.lines ?? [], seen.call);

  const onTabKey = (ev: KeyboardEvent) => {
    const next = tabForKey(tabs, tab, ev.key);
    if (!next) return;
    ev.preventDefault();
    setChosen(next);
    tabRefs.current[next]?.focus();
  };

  const tabProps = (which: ChatTab) => ({
    ref: (el: HTMLButtonElement | null) => {
      tabRefs.current[which] = el;
    },
    type: "button" as const,
    role: "tab" as const,
    id: `chat-tab-${which}`,
    "data-testid": `chat-tab-${which}`,
    "aria-selected": which === tab,
    "aria-controls": `chat-panel-${which}`,
    tabIndex: which === tab ? 0 : -1,
    class: `chat__tab chat__tab--${which}`,
    onClick: () => setChosen(which),
    onKeyDown: onTabKey,
  });

  return (
    <section
      class={`panel chat ${sheet.open ? "chat--sheet-open" : ""}`}
      aria-labelledby="chat-title"
      data-testid="chat-panel"
    >
      <div class="chat__head">
        <h2 id="chat-title" class="panel__title">Chat</h2>
        <button
          type="button"
          class="icon-button chat__sheet-close"
          data-testid="close-chat"
          aria-label="Close chat, back to the call"
          onClick={() => sheet.setOpen(false)}
        >
          <Icon name="down" size={20} />
        </button>
        <div class="chat__tabs" role="tablist" aria-label="Conversations">
          <button {...tabProps("room")}>
            <Icon name="people" size={16} />
            <span class="chat__tab-name">{roomTabName(state.room)}</span>
            <Unread count={unread("room")} />
          </button>
          {conversation && (
            <button {...tabProps("call")} data-peer={conversation.peer}>
              <Icon name="lock" size={16} />
              <span class="chat__tab-name">
                <span class="chat__tab-peer" dir="auto">
                  {conversation.peer}
                </span>
                {"\u00a0· private"}
              </span>
              <Unread count={unread("call")} />
            </button>
          )}
        </div>
      </div>
      <ChatPanel which="room" shown={tab === "room"}>
        <p class="chat__audience" data-testid="chat-audience">
          {roomAudience(state.room)}
        </p>
        <ChatLog
          lines={roomLines}
          hook="chat"
          label={`${roomTabName(state.room)} messages`}
          empty="No messages yet."
          visible={tab === "room"}
        />
        <ChatComposer
          inputId="chat-input"
          sendHook="chat-send"
          label={state.room === ""
            ? "Send a message to the lobby"
            : "Send a message to the room"}
          send={(text) => actions?.sendChat(text) ?? false}
          blocked={loggedIn ? null : "Join to chat"}
          placeholder={state.room === ""
            ? "Message the lobby…"
            : "Message the room…"}
        />
      </ChatPanel>
      {conversation && (
        <ChatPanel which="call" shown={tab === "call"}>
          <p
            class="chat__audience chat__audience--private"
            data-testid="call-chat-audience"
          >
            <Named template={CALL_AUDIENCE} peer={conversation.peer} />
          </p>
          <ChatLog
            lines={conversation.lines}
            hook="call-chat"
            label={`Private messages with ${conversation.peer}`}
            empty="Nothing said here yet."
            visible={tab === "call"}
          />
          <ChatComposer
            // A new call's conversation starts with an empty box.
            key={conversation.callId}
            inputId="call-chat-input"
            sendHook="call-chat-send"
            label={`Send a private message to ${conversation.peer}`}
            send={(text) => actions?.sendCallChat(text) ?? false}
            blocked={callComposerBlocked(conversation, state.call.value)}
            placeholder={`Message ${conversation.peer} privately…`}
          />
        </ChatPanel>
      )}
    </section>
  );
}

/** One tab's panel; hidden, not removed, so its scroll and draft stay. */
function ChatPanel(
  props: { which: ChatTab; shown: boolean; children: ComponentChildren },
) {
  return (
    <div
      class="chat__panel"
      role="tabpanel"
      id={`chat-panel-${props.which}`}
      aria-labelledby={`chat-tab-${props.which}`}
      hidden={!props.shown}
    >
      {props.children}
    </div>
  );
}

/** A tab's count of lines nobody has looked at; nothing when there is none. */
function Unread({ count }: { count: number }) {
  if (count === 0) return null;
  return (
    <span class="chat__unread" data-testid="chat-unread" data-count={count}>
      {count}
      <span class="visually-hidden">unread</span>
    </span>
  );
}
