/**
 * Who I am and how the connection is: the name form before joining, then the
 * name with the ringtone toggle, the connection status, and the live region
 * for notices.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import RingtoneToggle from "./RingtoneToggle.tsx";
import { SettingsButton } from "./SettingsButton.tsx";
import { useSession } from "./session_context.ts";
import { MAX_NAME_INPUT } from "../../client/text.ts";

const STATUS_TEXT = {
  offline: "Offline",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
} as const;

/**
 * Name form, connection status and notices. It only draws and forwards:
 * the app island starts the session, and the session keeps the name.
 */
export default function NameForm() {
  const { state, actions } = useSession();
  const [draft, setDraft] = useState("");
  const saved = state.savedName.value;
  // The name last used in this tab fills an empty field (never one the
  // person has started typing in).
  useEffect(() => {
    if (saved) setDraft((typed) => typed || saved);
  }, [saved]);

  // Joined from this form: the form goes, and focus with it. The people
  // list's heading takes it: it says who is here (and how many), and the
  // next Tab reaches the first call button. A page that rejoins by itself
  // (a reload) is left as it is.
  const submitted = useRef(false);
  const onSubmit = (ev: Event) => {
    ev.preventDefault();
    submitted.current = actions?.join(draft) ?? false;
  };

  const name = state.me.value;
  useEffect(() => {
    if (!name || !submitted.current) return;
    submitted.current = false;
    const el = document.activeElement;
    if (el && el !== document.body && el.isConnected) return;
    document.getElementById("people-title")?.focus();
  }, [name]);
  const status = state.relayStatus.value;
  const joining = state.pendingName.value !== null && !name;
  const error = state.nameError.value;

  return (
    <div class="identity">
      {name
        ? (
          <>
            <p class="identity__me">
              <span class="visually-hidden">Signed in as</span>
              <span class="identity__name" data-testid="my-name">{name}</span>
            </p>
            <RingtoneToggle />
          </>
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
      <SettingsButton />
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
        {state.notices.value.map((n) => (
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
              onClick={() => actions?.dismissNotice(n.id)}
            >
              ×
            </button>
          </p>
        ))}
      </div>
    </div>
  );
}
