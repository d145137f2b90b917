/**
 * The box a message is written in, one per conversation. Each keeps its own
 * draft, so words half-typed for the call's private conversation are never
 * sent to the room because the person looked at the room's tab meanwhile.
 */
import { useState } from "preact/hooks";
import { MAX_CHAT } from "../../client/text.ts";

/** Props of {@link ChatComposer}. */
export interface ChatComposerProps {
  /** The textarea's id (`chat-input` for the room, as tests expect). */
  inputId: string;
  /** The send button's `data-testid`. */
  sendHook: string;
  /** The form's accessible name, e.g. "Send a message to the room". */
  label: string;
  /** Sends; true when the message left (the draft is then cleared). */
  send: (text: string) => boolean;
  /** Why nothing can be sent now (shown as the placeholder), or null. */
  blocked: string | null;
  /** The placeholder while a message can be written. */
  placeholder: string;
}

/** See the module doc. */
export function ChatComposer(props: ChatComposerProps) {
  const [draft, setDraft] = useState("");
  const disabled = props.blocked !== null;

  const send = (ev: Event) => {
    ev.preventDefault();
    if (!disabled && props.send(draft)) setDraft("");
  };

  const onKeyDown = (ev: KeyboardEvent) => {
    // Enter sends, Shift+Enter makes a new line.
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) send(ev);
  };

  return (
    <form class="chat__form" onSubmit={send} aria-label={props.label}>
      <label for={props.inputId} class="visually-hidden">Message</label>
      <textarea
        id={props.inputId}
        rows={1}
        maxLength={MAX_CHAT}
        placeholder={props.blocked ?? props.placeholder}
        aria-label="Message"
        disabled={disabled}
        value={draft}
        onInput={(ev) => setDraft((ev.target as HTMLTextAreaElement).value)}
        onKeyDown={onKeyDown}
      />
      <button
        type="submit"
        class="button button--primary"
        data-testid={props.sendHook}
        aria-label="Send message"
        disabled={disabled || draft.trim() === ""}
      >
        Send
      </button>
    </form>
  );
}
