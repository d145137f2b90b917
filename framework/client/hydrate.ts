/**
 * Hydration, for the boot module (`boot.ts`): reads the island data the
 * server put in the page, loads each island module, and hydrates every
 * island in place. It ships to every page with islands, so it stays as
 * small as it can.
 */
import { type ComponentType, h, hydrate } from "preact";

import { parseIslandData, type SignalFactory } from "./deserialize.ts";
import { fakeParent, findEnd } from "./fake_parent.ts";

/** The data the server embeds (see `render/page.ts`). */
interface IslandState {
  /** Island module URL by island name. */
  i: Record<string, string>;
  /** Props, indexed by the number in each start marker. */
  p: unknown[];
}

const PREFIX = "frsh:island:";

async function boot(text: string, makeSignal?: SignalFactory): Promise<void> {
  const { i: urls, p: props } = parseIslandData(
    text,
    makeSignal,
  ) as IslandState;
  const names = Object.keys(urls);
  const modules = await Promise.all(names.map((name) => import(urls[name])));

  // Collect markers first: hydration changes the tree being walked.
  const starts: Comment[] = [];
  const walker = document.createTreeWalker(document.body, 128); // comments
  while (walker.nextNode()) {
    const node = walker.currentNode as Comment;
    if (node.data.startsWith(PREFIX)) starts.push(node);
  }
  for (const start of starts) {
    const [name, index] = start.data.slice(PREFIX.length).split(":");
    try {
      const component: ComponentType = modules[names.indexOf(name)].default;
      const island = h(component, props[+index] as Record<string, unknown>);
      hydrate(island, fakeParent(start, findEnd(start)!));
    } catch (error) {
      // One broken island must not keep the others from hydrating.
      console.error("island", name, error);
    }
  }
}

/** Hydrates the page's islands; `makeSignal` revives signal props. */
export function start(makeSignal?: SignalFactory): void {
  const script = document.getElementById("__frsh_state");
  if (script) boot(script.textContent!, makeSignal);
}
