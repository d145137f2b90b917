// @ts-types="@types/qrcode"
import QRCode from "qrcode";
import { HttpError } from "fresh";
import { define } from "../../../define.ts";
import { roomUrl } from "../../../components/InviteDialog.tsx";
import { isValidRoomName } from "../../../signaling/rooms.ts";

/**
 * The room's link as a QR code (SVG), for the Invite dialog's `<img>`:
 * drawn here, so the page carries no QR code JavaScript, and loaded only
 * when someone opens the dialog. It holds the same link as the dialog's
 * text (`roomUrl`), which whoever asks for it already has.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const room = ctx.params.room;
    if (!room || !isValidRoomName(room)) throw new HttpError(404);
    const svg = await QRCode.toString(roomUrl(ctx.url, room), {
      type: "svg",
      margin: 1,
      errorCorrectionLevel: "M",
    });
    return new Response(svg, {
      headers: {
        "content-type": "image/svg+xml; charset=utf-8",
        // Private: the link names the host, and the room is nobody else's.
        "cache-control": "private, max-age=3600",
      },
    });
  },
});
