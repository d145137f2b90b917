/**
 * Who I am and how the connection is: the name form before joining, then the
 * name, the connection status, and the live region for notices.
 */
/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { useEffect, useState } from "./hooks.ts";
import { browserSession, getSession } from "../../client/session.ts";
import {
  connection,
  me,
  nameError,
  notices,
  pendingName,
} from "../../client/state.ts";
import { MAX_NAME_INPUT } from "../../client/text.ts";

/** Props: the room shown in the URL ("" for the lobby). */
export interface NameFormProps {
  room?: string;
}

const STATUS_TEXT = {
  offline: "Offline",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
} as const;

/** Name form, connection status and notices. */
export default function NameForm({ room }: NameFormProps) {
  const [draft, setDraft] = useState("");
  useEffect(() => {
    // The one place the page's session starts (every part reads it).
    browserSession(room);
    try {
      const saved = sessionStorage.getItem("parley.name");
      if (saved) setDraft(saved);
    } catch {
      // Storage can be disabled; the field just starts empty.
    }
  }, []);

  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    const session = getSession() ?? browserSession(room);
    if (!session?.login(draft)) return;
    try {
      sessionStorage.setItem("parley.name", draft.trim());
    } catch {
      // Not remembering the name is fine.
    }
  };

  const name = me.value;
  const status = connection.value;
  const joining = pendingName.value !== null && !name;
  const error = nameError.value;

  return (
    <div class="identity">
      {name
        ? (
          <p class="identity__me">
            <span class="visually-hidden">Signed in as</span>
            <span class="identity__name" data-testid="my-name">{name}</span>
          </p>
        )
        : (
          <form class="name-form" onSubmit={onSubmit} aria-label="Join">
            <label for="name-input" class="visually-hidden">Your name</label>
            <input
              id="name-input"
              name="name"
              type="text"
              autocomplete="nickname"
              placeholder="Your name"
              aria-label="Your name"
              maxLength={MAX_NAME_INPUT}
              required
              value={draft}
              disabled={joining}
              aria-invalid={error ? "true" : undefined}
              aria-describedby={error ? "name-error" : undefined}
              onInput={(ev) => setDraft((ev.target as HTMLInputElement).value)}
            />
            <button
              type="submit"
              class="button button--primary"
              data-testid="join"
              aria-label="Join the room"
              disabled={joining}
            >
              {joining ? "Joining…" : "Join"}
            </button>
            {error && (
              <p id="name-error" class="field-error" role="alert">{error}</p>
            )}
          </form>
        )}
      <p
        class={`status-pill status-pill--${status}`}
        data-testid="connection-status"
        data-status={status}
        role="status"
        aria-live="polite"
      >
        {STATUS_TEXT[status]}
      </p>
      <div
        id="notices"
        class="notices"
        role="status"
        aria-live="polite"
        data-testid="notices"
      >
        {notices.value.map((n) => (
          <p
            key={n.id}
            class={`notice notice--${n.tone}`}
            data-tone={n.tone}
          >
            <span>{n.text}</span>
            <button
              type="button"
              class="notice__close"
              aria-label="Dismiss message"
              onClick={() => getSession()?.dismissNotice(n.id)}
            >
              ×
            </button>
          </p>
        ))}
      </div>
    </div>
  );
}
