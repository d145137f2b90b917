/**
 * A private room in the header: the way back to the lobby, the room's
 * name, and Invite. The invitation itself (link, Copy link, Share…, QR
 * code) is server-drawn HTML beside the island (`components/
 * InviteDialog.tsx`); Invite opens it and `invite_dialog.ts` runs it.
 */
import { useEffect } from "preact/hooks";
import { Icon } from "./Icon.tsx";
import { inviteDialog, openInvite, wireInvite } from "./invite_dialog.ts";
import { useSession } from "./session_context.ts";

/**
 * Where leaving the page from a link goes: during a call, a new tab, so
 * the call is not hung up by following a link.
 */
export function linkTarget(inCall: boolean) {
  return inCall
    ? { target: "_blank", rel: "noopener" }
    : { target: undefined, rel: undefined };
}

/** The room bar; see the module doc. */
export default function RoomShare({ room }: { room: string }) {
  const phase = useSession().state.call.value.phase;
  const inCall = phase !== "idle" && phase !== "ended";
  useEffect(() => {
    const dialog = inviteDialog();
    if (dialog) wireInvite(dialog);
  }, []);
  // The modal dialog makes the rest of the page inert: a call that rings
  // closes it, so the prompt can be answered.
  useEffect(() => {
    if (phase === "incoming") inviteDialog()?.close();
  }, [phase]);
  return (
    <nav class="room-bar" aria-label="Room">
      <a
        class="room-bar__lobby"
        href="/"
        data-testid="to-lobby"
        {...linkTarget(inCall)}
      >
        <span aria-hidden="true">←</span> Lobby
      </a>
      <span class="room-bar__lock">
        <Icon name="lock" size={14} />
      </span>
      <span class="brand__room" data-testid="room-name" title={room}>
        <span class="visually-hidden">Private room:</span> # {room}
      </span>
      <button
        type="button"
        class="button button--primary room-bar__invite"
        data-testid="invite"
        aria-haspopup="dialog"
        onClick={() => {
          const dialog = inviteDialog();
          if (dialog) openInvite(dialog);
        }}
      >
        Invite
      </button>
    </nav>
  );
}
