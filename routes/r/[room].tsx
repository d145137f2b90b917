import { HttpError } from "fresh";
import { define } from "../../define.ts";
import Parley from "../../islands/Parley.tsx";
import { isValidRoomName } from "../../signaling/rooms.ts";

/** A private room: only people who open the same `/r/<room>` see each other. */
export default define.page(function RoomPage({ params }) {
  // The relay refuses the same names at /ws; a clean 404 beats a page that can't connect.
  if (!isValidRoomName(params.room)) throw new HttpError(404);
  return <Parley room={params.room} />;
});
