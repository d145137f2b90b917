/**
 * Room chat. Text is rendered as text nodes only, so a message like
 * `<img src=x onerror=…>` shows those characters and runs nothing. Each
 * sender name and message has `dir="auto"`, which isolates it: right-to-left
 * text reads as written without moving the time or name next to it.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useSession } from "./session_context.ts";
import {
  formatTimeOfDay,
  isoTime,
  MAX_CHAT,
  missedCallTemplate,
} from "../../client/text.ts";
import { canCallBack } from "../../client/call_outcome.ts";
import type { ChatLine } from "../../client/state.ts";
import { Named } from "./Named.tsx";

/** Chat panel; no props. */
export default function Chat() {
  const [draft, setDraft] = useState("");
  const logRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const { state, actions } = useSession();
  const lines = state.chat.value;
  const loggedIn = state.me.value !== null;

  // Follow new messages unless the person scrolled up to read older ones.
  useEffect(() => {
    const log = logRef.current;
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [lines]);

  const onScroll = () => {
    const log = logRef.current;
    if (!log) return;
    stickToBottom.current =
      log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  };

  const send = (ev: Event) => {
    ev.preventDefault();
    if (actions?.sendChat(draft)) {
      setDraft("");
      stickToBottom.current = true;
    }
  };

  const onKeyDown = (ev: KeyboardEvent) => {
    // Enter sends, Shift+Enter makes a new line.
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) send(ev);
  };

  return (
    <section class="panel chat" aria-labelledby="chat-title">
      <h2 id="chat-title" class="panel__title">Chat</h2>
      <div
        ref={logRef}
        class="chat__log"
        role="log"
        aria-live="polite"
        aria-label="Chat messages"
        data-testid="chat-log"
        tabIndex={0}
        onScroll={onScroll}
      >
        {lines.length === 0 && <p class="empty">No messages yet.</p>}
        <ol class="chat__list">
          {lines.map((line) =>
            line.missed
              ? <MissedLine key={line.id} line={line} />
              : line.notice
              ? (
                <li
                  key={line.id}
                  class="message message--notice"
                  data-testid="chat-notice"
                >
                  {line.text}
                </li>
              )
              : (
                <li
                  key={line.id}
                  class={line.mine ? "message message--mine" : "message"}
                  data-testid="chat-message"
                  data-mine={line.mine ? "true" : "false"}
                >
                  <span class="message__meta">
                    <span
                      class="message__from"
                      data-testid="chat-from"
                      dir="auto"
                    >
                      {line.mine ? "You" : line.from}
                    </span>
                    <time class="message__time" dateTime={isoTime(line.at)}>
                      {formatTimeOfDay(line.at)}
                    </time>
                  </span>
                  <span
                    class="message__text"
                    data-testid="chat-text"
                    dir="auto"
                  >
                    {line.text}
                  </span>
                </li>
              )
          )}
        </ol>
      </div>
      <form class="chat__form" onSubmit={send} aria-label="Send a message">
        <label for="chat-input" class="visually-hidden">Message</label>
        <textarea
          id="chat-input"
          rows={1}
          maxLength={MAX_CHAT}
          placeholder={loggedIn ? "Write a message…" : "Join to chat"}
          aria-label="Message"
          disabled={!loggedIn}
          value={draft}
          onInput={(ev) => setDraft((ev.target as HTMLTextAreaElement).value)}
          onKeyDown={onKeyDown}
        />
        <button
          type="submit"
          class="button button--primary"
          data-testid="chat-send"
          aria-label="Send message"
          disabled={!loggedIn || draft.trim() === ""}
        >
          Send
        </button>
      </form>
    </section>
  );
}

/**
 * A call that rang us unanswered: "Missed video call from Ana · 18:41" and
 * a button that calls Ana back, the same kind of call. It stays as long as
 * the chat log keeps it; the button waits while a call is under way or Ana
 * is not in the room.
 */
function MissedLine({ line }: { line: ChatLine }) {
  const { state, actions } = useSession();
  const { peer, audioOnly } = line.missed!;
  const present = state.users.value.some((u) => u.name === peer);
  const enabled = canCallBack(state.call.value, peer, present);
  return (
    <li class="message message--missed" data-testid="missed-call">
      <span class="message__text" data-testid="missed-call-text">
        <Named template={missedCallTemplate(audioOnly)} peer={peer} />
        {" · "}
        <time class="message__time" dateTime={isoTime(line.at)}>
          {formatTimeOfDay(line.at)}
        </time>
      </span>
      <button
        type="button"
        class="button button--small"
        data-testid="call-back"
        disabled={!enabled}
        onClick={() => actions?.call(peer, audioOnly)}
      >
        Call back
      </button>
    </li>
  );
}
