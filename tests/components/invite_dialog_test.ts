import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import { InviteDialog, roomUrl } from "../../components/InviteDialog.tsx";
import RoomPage from "../../routes/r/[room].tsx";

const LINK = "https://talk.example/r/Ab-9_z";

Deno.test("the invitation is closed HTML with the link, its QR code and a hidden Share…", () => {
  const html = renderToString(h(InviteDialog, { room: "Ab-9_z", link: LINK }));
  assert.match(html, /^<dialog id="invite-dialog"/);
  assert.ok(!/<dialog[^>]* open/.test(html), "closed until Invite");
  assert.match(html, new RegExp(`<input [^>]*value="${LINK}"`));
  assert.match(html, /<img [^>]*src="\/r\/Ab-9_z\/qr.svg"[^>]*loading="lazy"/);
  assert.match(html, /<img [^>]*alt="QR code of the room/);
  assert.match(html, /<button [^>]*data-action="share"[^>]*hidden/);
  assert.match(html, /data-action="copy"/);
  assert.ok(!html.includes("<script"), "no script");
  assert.ok(!html.includes("style="), "no inline style: the CSP refuses them");
});

Deno.test("a room's link is its page on the host the request named", () => {
  assert.equal(
    roomUrl(new URL("https://talk.example:8443/r/abc?x=1#y"), "abc"),
    "https://talk.example:8443/r/abc",
  );
  assert.equal(
    roomUrl(new URL("http://127.0.0.1:8000/r/abc/qr.svg"), "abc"),
    "http://127.0.0.1:8000/r/abc",
  );
});

Deno.test("a room's page carries its invitation beside the app, with the link as asked for", () => {
  const props = {
    params: { room: "team-1" },
    url: new URL("http://parley.test/r/team-1?from=mail"),
  } as unknown as Parameters<typeof RoomPage>[0];
  const html = renderToString(RoomPage(props)!);
  assert.match(html, /data-testid="invite"/);
  assert.match(html, /value="http:\/\/parley.test\/r\/team-1"/);
});
