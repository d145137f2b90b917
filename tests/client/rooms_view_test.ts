import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { h } from "preact";
import Parley from "../../islands/Parley.tsx";
import { linkTarget } from "../../islands/_parts/RoomShare.tsx";
import NotFound from "../../routes/_404.tsx";

Deno.test("the lobby offers a new private room and says what one is", () => {
  const html = renderToString(h(Parley, { room: "" }));
  assert.match(html, /<a [^>]*href="\/new"[^>]*data-testid="new-room"/);
  assert.match(html, /A private room is a page only/);
  assert.ok(!html.includes('data-testid="invite"'), "nothing to invite to");
});

Deno.test("a room's header names it, links back to the lobby and offers Invite", () => {
  const html = renderToString(h(Parley, { room: "team-1" }));
  assert.match(html, /<a [^>]*href="\/"[^>]*data-testid="to-lobby"/);
  assert.match(html, /data-testid="room-name"[^>]*>.*# team-1<\/span>/);
  assert.match(html, /<button [^>]*data-testid="invite"/);
  assert.ok(
    !html.includes('data-testid="new-room"'),
    "rooms are made in the lobby",
  );
  // The invitation is the route's HTML, not the island's.
  assert.ok(!html.includes("share-dialog"));
});

Deno.test("during a call, leaving links open a new tab so the call goes on", () => {
  assert.deepEqual(linkTarget(true), { target: "_blank", rel: "noopener" });
  assert.deepEqual(linkTarget(false), { target: undefined, rel: undefined });
});

Deno.test("the not-found page leads back to the lobby and to a new room", () => {
  // The page reads none of its props.
  const html = renderToString(NotFound({} as Parameters<typeof NotFound>[0])!);
  assert.match(html, /<h1[^>]*>Page not found<\/h1>/);
  assert.match(html, /<a [^>]*href="\/"[^>]*>Go to the lobby<\/a>/);
  assert.match(html, /<a [^>]*href="\/new"[^>]*>New private room<\/a>/);
  assert.ok(!html.includes("<script"), "no script on the page");
});
