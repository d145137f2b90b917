import { define } from "../define.ts";
import { newRoomId } from "../signaling/rooms.ts";

/**
 * "New private room": a fresh unguessable room id, then 303 to its page.
 * A plain link does it, so the lobby ships no script for it, and the id
 * comes from the server's random source, not the page's. `no-store`: a
 * cached redirect would send the next person into the same room.
 */
export const handler = define.handlers({
  GET() {
    return new Response(null, {
      status: 303,
      headers: {
        location: `/r/${newRoomId()}`,
        "cache-control": "no-store",
      },
    });
  },
});
