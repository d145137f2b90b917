/**
 * The bell by the person's name: whether incoming calls ring out loud. It
 * silences the ringtone only; the ringback a caller hears always plays, so
 * calling someone still sounds like it.
 */
import { Icon } from "./Icon.tsx";
import { useSession } from "./session_context.ts";

/** A toggle button; its state is in `aria-pressed` (pressed: it rings). */
export default function RingtoneToggle() {
  const { state, actions } = useSession();
  const on = state.ringtone.value;
  return (
    <button
      type="button"
      class="icon-button ringtone-toggle"
      data-testid="ringtone-toggle"
      aria-label="Ringtone"
      aria-pressed={on}
      title={on ? "Incoming calls ring" : "Incoming calls are silent"}
      onClick={() => actions?.setRingtone(!on)}
    >
      <Icon name={on ? "bell" : "bell-off"} size={18} />
    </button>
  );
}
