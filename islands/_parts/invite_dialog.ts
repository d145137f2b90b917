/**
 * The behaviour of the room's invitation dialog, which the server draws
 * outside the island (`components/InviteDialog.tsx`) so that its markup
 * and words are HTML, not JavaScript. Its buttons say what they do in
 * `data-action`; its status line carries its own sentences in `data-*`.
 */

/** The `id` of the dialog element the server draws. */
export const INVITE_DIALOG_ID = "invite-dialog";

/** The page's invitation dialog, if this page has one (a room's does). */
export function inviteDialog(): HTMLDialogElement | null {
  return document.getElementById(INVITE_DIALOG_ID) as HTMLDialogElement | null;
}

/**
 * Opens it as a modal dialog: the browser traps focus in it, closes it on
 * Escape and gives focus back to the opener. Copy link takes focus, so
 * Enter right after Invite copies.
 */
export function openInvite(dialog: HTMLDialogElement): void {
  dialog.showModal();
  dialog.querySelector<HTMLElement>("[data-action=copy]")?.focus();
}

/** Gives the dialog's buttons their behaviour; once per page. */
export function wireInvite(dialog: HTMLDialogElement): void {
  const link = dialog.querySelector("input")!;
  const status = dialog.querySelector<HTMLElement>("[role=status]")!;
  const share = dialog.querySelector<HTMLElement>("[data-action=share]");
  // Phones have a share sheet; most desktop browsers do not.
  if (share) share.hidden = typeof navigator.share !== "function";
  const say = (what: "copied" | "refused" | "") =>
    status.textContent = what && (status.dataset[what] ?? "");

  dialog.addEventListener("close", () => say(""));
  dialog.addEventListener("click", async (ev) => {
    // A click on the backdrop lands on the dialog itself, outside its body.
    if (ev.target === dialog) return dialog.close();
    const action = (ev.target as Element).closest<HTMLElement>(
      "[data-action]",
    )?.dataset.action;
    if (action === "close") dialog.close();
    if (action === "share") {
      // A share sheet closed without sharing rejects: nothing to say.
      navigator.share({ title: "Parley room", url: link.value })
        .catch(() => {});
    }
    if (action === "copy") {
      try {
        await navigator.clipboard.writeText(link.value);
        say("copied");
      } catch {
        // Refused (no permission, an insecure origin): selected, for the
        // person to copy themselves.
        say("refused");
        link.select();
      }
    }
  });
  link.addEventListener("focus", () => link.select());
}
