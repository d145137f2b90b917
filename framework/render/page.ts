/**
 * Turns a page vnode into the final HTML document: renders it with island
 * marking, then adds the island data and the boot script. A page that
 * rendered no island gets no script at all.
 */
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { type IslandNames, withIslandMarking } from "./island_hook.ts";
import { jsonForScript } from "./serialize.ts";

/** Browser URL of one built module and of the modules it imports. */
export interface ClientModule {
  url: string;
  /** Static imports (transitively), announced with `modulepreload`. */
  imports: readonly string[];
}

/** Browser URLs of the built client code. */
export interface ClientAssets {
  boot: ClientModule;
  /** Each island's module, by island name. */
  islands: ReadonlyMap<string, ClientModule>;
}

/** The element id of the island data script read by the boot module. */
export const STATE_ID = "__frsh_state";

/** Renders `vnode` into a complete HTML document string. */
export function renderPage(
  vnode: VNode,
  islands: IslandNames,
  assets: ClientAssets | null,
): string {
  const { result: body, islands: found } = withIslandMarking(
    islands,
    () => renderToString(vnode),
  );
  let html = /^\s*<html[\s>]/i.test(body) ? `<!DOCTYPE html>${body}` : body;
  if (found.names.length === 0) return html;
  if (!assets) {
    throw new Error(
      "the page renders islands but there is no client build: run `deno task build`",
    );
  }
  html = insertBeforeBodyEnd(html, islandScripts(found, assets));
  return html;
}

function islandScripts(
  found: { names: string[]; props: unknown[] },
  assets: ClientAssets,
): string {
  const urls: Record<string, string> = {};
  // The boot module itself loads through the script tag below.
  const preload = new Set<string>(assets.boot.imports);
  for (const name of found.names) {
    const island = assets.islands.get(name);
    if (!island) throw new Error(`island ${name} is not in the client build`);
    urls[name] = island.url;
    preload.add(island.url);
    for (const dep of island.imports) preload.add(dep);
  }
  // A single island lives in the boot file, which the script tag loads.
  preload.delete(assets.boot.url);
  const state = { i: urls, p: found.props };
  let out = `<script type="application/json" id="${STATE_ID}">${
    jsonForScript(state)
  }</script>`;
  for (const url of preload) {
    out += `<link rel="modulepreload" href="${escapeAttr(url)}">`;
  }
  return out +
    `<script type="module" src="${escapeAttr(assets.boot.url)}"></script>`;
}

function escapeAttr(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
}

function insertBeforeBodyEnd(html: string, insert: string): string {
  const at = html.toLowerCase().lastIndexOf("</body>");
  return at === -1
    ? html + insert
    : html.slice(0, at) + insert + html.slice(at);
}
