/**
 * The one request for notification permission: a small banner after
 * joining, saying why, with Allow and Not now (`client/attention/
 * permission_prompt.ts` decides when it shows). Nothing on the server or
 * where the browser has no notifications.
 */
import { useSession } from "./session_context.ts";

/** The banner; see the module doc. */
export default function NotifyBanner() {
  const prompt = useSession().actions?.notificationPrompt;
  if (!prompt?.shown.value) return null;
  return (
    <aside
      class="notify-banner"
      aria-label="Notifications"
      data-testid="notify-banner"
    >
      <p class="notify-banner__text">
        Allow notifications so you see calls when Parley is in the background.
      </p>
      <div class="notify-banner__actions">
        <button
          type="button"
          class="button button--primary"
          data-testid="notify-allow"
          onClick={() => void prompt.allow()}
        >
          Allow
        </button>
        <button
          type="button"
          class="button"
          data-testid="notify-not-now"
          onClick={() => prompt.notNow()}
        >
          Not now
        </button>
      </div>
    </aside>
  );
}
