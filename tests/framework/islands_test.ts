/**
 * Island marking and props serialization (pure: no permissions needed).
 */
import assert from "node:assert/strict";
import { type Signal, signal } from "@preact/signals";
import { h } from "preact";
import type { IslandNames } from "../../framework/render/island_hook.ts";
import { renderPage } from "../../framework/render/page.ts";
import { parseIslandData } from "../../framework/client/deserialize.ts";
import {
  IslandPropsError,
  PropsEncoder,
} from "../../framework/render/serialize.ts";
import { fakeAssets, islandData } from "./helpers.ts";

function Counter(props: { count: Signal<number>; label?: string }) {
  return h("button", null, props.label ?? "", props.count);
}
function Label(props: { text: string }) {
  return h("span", null, props.text);
}
function Outer(props: { title: string }) {
  // An island inside an island: only the outer one may be marked.
  return h("section", null, props.title, h(Label, { text: "inner" }));
}
function Page(props: { children?: unknown }) {
  return h("html", null, h("body", null, props.children as never));
}

const islands: IslandNames = new Map<never, string>([
  [Counter as never, "Counter"],
  [Label as never, "Label"],
  [Outer as never, "Outer"],
]);
const assets = fakeAssets("Counter", "Label", "Outer");

function parse(
  html: string,
): { i: Record<string, string>; p: Record<string, unknown>[] } {
  return parseIslandData(islandData(html), signal) as never;
}

Deno.test("island is wrapped in markers and its props are in the page", () => {
  const html = renderPage(
    h(Page, null, h("main", null, h(Label, { text: "hi", key: "k1" }))),
    islands,
    assets,
  );
  assert.ok(html.startsWith("<!DOCTYPE html><html>"));
  assert.match(
    html,
    /<main><!--frsh:island:Label:0:k1--><span>hi<\/span><!--\/frsh:island--><\/main>/,
  );
  const data = parse(html);
  assert.deepEqual(data.p, [{ text: "hi" }]);
  assert.equal(data.i.Label, "/_fresh/js/test/Label.js");
  // Data, preloads and the boot script go just before </body>.
  assert.match(
    html,
    /<\/script><link rel="modulepreload" href="\/_fresh\/js\/test\/chunk.js">/,
  );
  assert.match(
    html,
    /<script type="module" src="\/_fresh\/js\/test\/boot.js"><\/script><\/body><\/html>$/,
  );
});

Deno.test("a signal prop round-trips, and one signal stays one signal", () => {
  const count = signal(41);
  const html = renderPage(
    h(Page, null, h(Counter, { count, label: "a" }), h(Counter, { count })),
    islands,
    assets,
  );
  const [a, b] = parse(html).p as { count: Signal<number> }[];
  assert.equal(a.count.value, 41);
  assert.equal(typeof a.count.subscribe, "function");
  assert.equal(a.count, b.count, "both islands share the same client signal");
  a.count.value++;
  assert.equal(b.count.value, 42);
  assert.equal(count.value, 41, "the server signal is untouched");
});

Deno.test("</script> in a prop cannot break out of the data script", () => {
  const evil = "</script><script>alert(1)</script><!--";
  const html = renderPage(
    h(Page, null, h(Label, { text: evil })),
    islands,
    assets,
  );
  const data = islandData(html);
  assert.ok(!data.includes("<"), "no raw < inside the JSON");
  assert.equal((parse(html).p[0] as { text: string }).text, evil);
  // Exactly our two scripts: the data and the boot module.
  assert.equal(html.match(/<script/g)?.length, 2);
});

Deno.test("nested islands are marked once (by the outer island)", () => {
  const html = renderPage(
    h(Page, null, h(Outer, { title: "t" })),
    islands,
    assets,
  );
  assert.equal(html.match(/<!--frsh:island:/g)?.length, 1);
  // After the outer island is done, a sibling island is marked again.
  const next = renderPage(
    h(Page, null, h(Outer, { title: "t" }), h(Label, { text: "after" })),
    islands,
    assets,
  );
  assert.match(
    next,
    /<!--\/frsh:island--><!--frsh:island:Label:1:--><span>after/,
  );
  assert.match(
    html,
    /<!--frsh:island:Outer:0:--><section>t<span>inner<\/span><\/section><!--\/frsh:island-->/,
  );
  assert.deepEqual(parse(html).p, [{ title: "t" }]);
});

Deno.test("a page with no island has no script at all", () => {
  const html = renderPage(
    h(Page, null, h("p", null, "static")),
    islands,
    assets,
  );
  assert.equal(html, "<!DOCTYPE html><html><body><p>static</p></body></html>");
  assert.ok(!html.includes("<script"));
});

Deno.test("vnodes are restored after rendering, so they can render again", () => {
  const vnode = h(Label, { text: "again" });
  const page = h(Page, null, vnode);
  const first = renderPage(page, islands, assets);
  assert.equal(vnode.type, Label);
  assert.equal(renderPage(page, islands, assets), first);
});

Deno.test("island props: dates, tag-like keys, undefined; bad props throw", () => {
  const encoder = new PropsEncoder();
  const when = new Date("2026-01-02T03:04:05.000Z");
  const encoded = encoder.encode({
    when,
    odd: { "\u0000": "s", i: 1 },
    gone: undefined,
    list: [undefined, 1],
  });
  const back = parseIslandData(JSON.stringify(encoded)) as Record<
    string,
    unknown
  >;
  assert.deepEqual(back, {
    when,
    odd: { "\u0000": "s", i: 1 },
    list: [null, 1],
  });
  assert.throws(() => encoder.encode({ onClick: () => {} }), IslandPropsError);
  assert.throws(() => encoder.encode({ slot: h("b", null) }), /JSX/);
  assert.throws(() => encoder.encode({ m: new Map() }), /Map/);
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(() => encoder.encode(loop), /circular/);
});

Deno.test("an island missing from the build is an error, not a silent page", () => {
  assert.throws(
    () => renderPage(h(Page, null, h(Label, { text: "x" })), islands, null),
    /deno task build/,
  );
});
