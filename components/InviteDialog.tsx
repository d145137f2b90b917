/**
 * A room's invitation, drawn on the server next to the app island (not in
 * it), so its words and markup cost the page no JavaScript: the link as
 * text, Copy link, Share… (shown by the page only where the browser has a
 * share sheet), the status line and the QR code. The island's Invite
 * button opens it and `islands/_parts/invite_dialog.ts` gives its buttons
 * their behaviour.
 */
import { INVITE_DIALOG_ID } from "../islands/_parts/invite_dialog.ts";

/** A room's link on the host that was asked for the page. */
export function roomUrl(requested: URL, room: string): string {
  return new URL(`/r/${room}`, requested).href;
}

/** The closed invitation dialog for `room`, whose link is `link`. */
export function InviteDialog({ room, link }: { room: string; link: string }) {
  return (
    <dialog
      id={INVITE_DIALOG_ID}
      class="share"
      aria-labelledby="share-title"
      data-testid="share-dialog"
    >
      <div class="share__body">
        <h2 id="share-title" class="share__title">Invite to this room</h2>
        <p class="share__text">
          Anyone with this link can join. Send it only to the people you want
          here.
        </p>
        <label for="share-link" class="visually-hidden">Room link</label>
        <input
          id="share-link"
          class="share__link"
          type="text"
          data-testid="share-link"
          readOnly
          value={link}
        />
        <div class="share__actions">
          <button
            type="button"
            class="button button--primary"
            data-action="copy"
            data-testid="copy-link"
          >
            Copy link
          </button>
          <button
            type="button"
            class="button"
            data-action="share"
            data-testid="share-link-native"
            hidden
          >
            Share…
          </button>
        </div>
        <p
          class="share__status"
          role="status"
          data-testid="copy-status"
          data-copied="Copied. Paste it in a message to whoever you invite."
          data-refused="This browser did not allow copying. The link above is selected: copy it from there."
        />
        {
          /* Lazy: a closed dialog draws nothing, so the code loads only
            when someone opens it. */
        }
        <img
          class="share__qr"
          src={`/r/${room}/qr.svg`}
          width={176}
          height={176}
          loading="lazy"
          alt="QR code of the room's link"
          data-testid="share-qr"
        />
        <p class="share__hint">Or scan this with a phone's camera.</p>
        <button
          type="button"
          class="button share__done"
          data-action="close"
          data-testid="close-share"
        >
          Done
        </button>
      </div>
    </dialog>
  );
}
