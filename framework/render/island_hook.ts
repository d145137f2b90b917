/**
 * Marks islands during server rendering, the way Fresh 2 does: a Preact
 * options hook sees every vnode before it is rendered and wraps each island
 * (not nested ones: the outer island hydrates those) in comment markers
 * `<!--frsh:island:Name:propsIndex:key-->…<!--/frsh:island-->`.
 *
 * Preact 11.2's mangled hook names, checked with `Object.keys(options)`:
 * `__b` runs before a vnode is diffed/rendered, `diffed` after its subtree.
 * preact-render-to-string 6.8 calls both, and reads `type`/`props` after
 * `__b`, so swapping them in `__b` changes what gets rendered.
 */
import { type ComponentType, Fragment, h, options, type VNode } from "preact";
import { PropsEncoder } from "./serialize.ts";

type Hook = (vnode: VNode) => void;
const hooks = options as unknown as Record<"__b" | "diffed", Hook | undefined>;

/** Components that are islands, mapped to their names. */
export type IslandNames = ReadonlyMap<ComponentType<never>, string>;

/** What one render found: island names and their encoded props, in order. */
export interface IslandCollection {
  names: string[];
  props: unknown[];
}

interface Patched {
  vnode: VNode;
  type: VNode["type"];
  props: VNode["props"];
}

interface ActiveRender {
  islands: IslandNames;
  encoder: PropsEncoder;
  found: IslandCollection;
  depth: number;
  patched: Map<VNode, Patched>;
}

// renderToString is synchronous, so one module-level slot is enough: no two
// renders can interleave between setting and clearing it.
let active: ActiveRender | null = null;

function comment(text: string): VNode {
  // preact-render-to-string prints this Fragment as `<!--text-->`.
  return h(Fragment, { UNSTABLE_comment: text } as Record<string, unknown>);
}

function markIsland(run: ActiveRender, vnode: VNode): void {
  if (typeof vnode.type !== "function") return;
  const name = run.islands.get(vnode.type as ComponentType<never>);
  if (name === undefined || run.depth > 0) return;
  const { found } = run;
  const index = found.props.length;
  found.props.push(run.encoder.encode(vnode.props, `${name} props`));
  found.names.push(name);
  const key = vnode.key == null ? "" : encodeURIComponent(String(vnode.key));
  run.patched.set(vnode, { vnode, type: vnode.type, props: vnode.props });
  run.depth++;
  const inner = h(
    vnode.type as ComponentType<Record<string, unknown>>,
    vnode.props as Record<string, unknown>,
  );
  // Swap in place (restored in `diffed`): the renderer holds this object.
  (vnode as { type: unknown }).type = Fragment;
  (vnode as { props: unknown }).props = {
    children: [
      comment(`frsh:island:${name}:${index}:${key}`),
      inner,
      comment("/frsh:island"),
    ],
  };
}

function restore(p: Patched): void {
  (p.vnode as { type: unknown }).type = p.type;
  (p.vnode as { props: unknown }).props = p.props;
}

const previousBefore = hooks.__b;
const previousDiffed = hooks.diffed;

hooks.__b = (vnode) => {
  if (active) markIsland(active, vnode);
  previousBefore?.(vnode);
};

hooks.diffed = (vnode) => {
  const patch = active?.patched.get(vnode);
  if (patch && active) {
    active.depth--;
    active.patched.delete(vnode);
    restore(patch);
  }
  previousDiffed?.(vnode);
};

/**
 * Runs a synchronous render with island marking on and returns what it
 * found. Vnodes are restored even when the render throws, so a vnode object
 * reused by a later render is intact.
 */
export function withIslandMarking<T>(
  islands: IslandNames,
  render: () => T,
): { result: T; islands: IslandCollection } {
  const run: ActiveRender = {
    islands,
    encoder: new PropsEncoder(),
    found: { names: [], props: [] },
    depth: 0,
    patched: new Map(),
  };
  const outer = active;
  active = islands.size > 0 ? run : null;
  try {
    return { result: render(), islands: run.found };
  } finally {
    for (const patch of run.patched.values()) restore(patch);
    active = outer;
  }
}
