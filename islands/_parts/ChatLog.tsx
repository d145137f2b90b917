/**
 * One conversation's lines, for the room's chat and for a call's private
 * one alike. Text is rendered as text nodes only, so a message like
 * `<img src=x onerror=…>` shows those characters and runs nothing. Each
 * sender name and message has `dir="auto"`, which isolates it: right-to-left
 * text reads as written without moving the time or name next to it.
 */
import { useEffect, useRef } from "preact/hooks";
import { useSession } from "./session_context.ts";
import {
  formatTimeOfDay,
  isoTime,
  missedCallTemplate,
} from "../../client/text.ts";
import { canCallBack } from "../../client/call_outcome.ts";
import type { ChatLine } from "../../client/state.ts";
import { Named } from "./Named.tsx";

/** Props of {@link ChatLog}. */
export interface ChatLogProps {
  lines: ChatLine[];
  /**
   * Start of the log's test hooks: `chat` (`chat-log`, `chat-message`,
   * `chat-from`, `chat-text`, `chat-notice`) or `call-chat`.
   */
  hook: "chat" | "call-chat";
  /** The log's accessible name. */
  label: string;
  /** Shown while there is no line. */
  empty: string;
  /** Whether its panel is shown: a hidden log cannot scroll. */
  visible: boolean;
}

/**
 * The scrolling log; it follows new lines unless the person scrolled up to
 * read older ones. A line of our own brings it back to the bottom.
 */
export function ChatLog(
  { lines, hook, label, empty, visible }: ChatLogProps,
) {
  const logRef = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  useEffect(() => {
    const log = logRef.current;
    if (!log) return;
    if (lines[lines.length - 1]?.mine) stickToBottom.current = true;
    if (stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [lines, visible]);

  const onScroll = () => {
    const log = logRef.current;
    // A hidden panel reports zero sizes: that is no reading of the person's.
    if (!log || log.clientHeight === 0) return;
    stickToBottom.current =
      log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  };

  return (
    <div
      ref={logRef}
      class="chat__log"
      role="log"
      aria-live="polite"
      aria-label={label}
      data-testid={`${hook}-log`}
      tabIndex={0}
      onScroll={onScroll}
    >
      {lines.length === 0 && <p class="empty">{empty}</p>}
      <ol class="chat__list">
        {lines.map((line) =>
          line.missed
            ? <MissedLine key={line.id} line={line} />
            : line.notice
            ? (
              <li
                key={line.id}
                class="message message--notice"
                data-testid={`${hook}-notice`}
              >
                {line.text}
              </li>
            )
            : <Message key={line.id} line={line} hook={hook} />
        )}
      </ol>
    </div>
  );
}

function Message({ line, hook }: { line: ChatLine; hook: string }) {
  return (
    <li
      class={line.mine ? "message message--mine" : "message"}
      data-testid={`${hook}-message`}
      data-mine={line.mine ? "true" : "false"}
    >
      <span class="message__meta">
        <span class="message__from" data-testid={`${hook}-from`} dir="auto">
          {line.mine ? "You" : line.from}
        </span>
        <time class="message__time" dateTime={isoTime(line.at)}>
          {formatTimeOfDay(line.at)}
        </time>
      </span>
      <span class="message__text" data-testid={`${hook}-text`} dir="auto">
        {line.text}
      </span>
    </li>
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
