import { HttpError } from "fresh";
import { define } from "../../define.ts";
import { InviteDialog, roomUrl } from "../../components/InviteDialog.tsx";
import Parley from "../../islands/Parley.tsx";
import { isValidRoomName } from "../../signaling/rooms.ts";

/**
 * A private room: only people who open the same `/r/<room>` see each
 * other. Its invitation is drawn here, beside the island, as plain HTML.
 */
export default define.page(function RoomPage({ params, url }) {
  // The relay refuses the same names at /ws; a clean 404 beats a page that can't connect.
  if (!isValidRoomName(params.room)) throw new HttpError(404);
  return (
    <>
      <Parley room={params.room} />
      <InviteDialog room={params.room} link={roomUrl(url, params.room)} />
    </>
  );
});
