/**
 * What the parts need from Preact beyond rendering, in a few lines: the
 * slice of `preact/hooks` they use (`useState`, `useRef`, `useEffect`;
 * ~1.2 KB gzip less) and the binding of `client/signal.ts` signals.
 *
 * - Hooks keep a fixed call order per component, as with any hooks.
 *   Effects (always with dependencies) run once Preact has committed a
 *   render to the DOM, cleanups before the next run and on unmount; a
 *   state change re-renders the component.
 * - Signals: while a component renders, every signal it reads subscribes
 *   it, and a change re-renders it (Preact batches those into one render).
 *   Subscriptions end when the component unmounts.
 *
 * Installed only in the browser, through Preact's option hooks (`__r`: a
 * component is about to render; `diffed`: a vnode is done; `__c`: a render
 * was committed; `unmount`; and `__c` on a vnode: its component, all
 * stable mangled names that `preact/hooks` uses too). On the server every
 * render is the first: state is its initial value, no effect runs, and
 * module-level signals, shared by every request, subscribe nothing.
 */
import { type Component, options, type VNode } from "preact";
import { type Signal, track } from "../../client/signal.ts";

type Cleanup = void | (() => void);

/** One hook's memory (one-letter names: they ship unminified). */
interface Slot {
  /** State value or ref object; absent until first used. */
  v?: unknown;
  /** State setter. */
  s?: (value: never) => void;
  /** Effect dependencies of the last run. */
  d?: unknown[];
  /** Effect waiting to run. */
  r?: () => Cleanup;
  /** Cleanup returned by the effect's last run. */
  c?: Cleanup;
}

/** A component with its hook slots and its signal subscriptions. */
type Owner = Component & {
  $h?: Slot[];
  $s?: Map<Signal<unknown>, () => void>;
};

let owner: Owner | null = null;
let index = 0;
/** Effects whose dependencies changed in the render being committed. */
let due: Slot[] = [];

function slot(): Slot {
  // On the server (no owner) each call gets a fresh, first-render slot.
  return owner ? ((owner.$h ??= [])[index++] ??= {}) : {};
}

function cleanUp(s: Slot): void {
  if (typeof s.c === "function") s.c();
  s.c = undefined;
}

/** A value that survives re-renders; setting it re-renders when it changed. */
export function useState<T>(initial: T | (() => T)): [T, (value: T) => void] {
  const s = slot();
  if (!s.s) {
    const c = owner;
    s.v = typeof initial === "function" ? (initial as () => T)() : initial;
    s.s = ((value: T) => {
      if (Object.is(value, s.v)) return;
      s.v = value;
      c?.forceUpdate();
    }) as (value: never) => void;
  }
  return [s.v as T, s.s as (value: T) => void];
}

/** The same `{current}` object on every render (usable as a `ref`). */
export function useRef<T>(initial: T | null): { current: T | null } {
  const s = slot();
  return (s.v ??= { current: initial }) as { current: T | null };
}

/**
 * Runs `effect` after the render is in the DOM, when `deps` changed since
 * the last run (so `[]` runs it once); its returned cleanup runs first.
 */
export function useEffect(effect: () => Cleanup, deps: unknown[]): void {
  const s = slot();
  if (s.d && deps.every((d, i) => Object.is(d, s.d![i]))) return;
  s.d = deps;
  s.r = effect;
  if (owner) due.push(s);
}

type Hooks = {
  __r?(vnode: VNode): void;
  diffed?(vnode: VNode): void;
  __c?(vnode: VNode, queue: Component[]): void;
  unmount?(vnode: VNode): void;
};
const ownerOf = (vnode: VNode) => (vnode as { __c?: Owner }).__c;

if (typeof document !== "undefined") {
  const o = options as Hooks;
  const { __r: render, diffed, __c: commit, unmount } = o;
  o.__r = (vnode) => {
    const c = owner = ownerOf(vnode) ?? null;
    index = 0;
    track(
      c &&
        ((s) => {
          const subs = c.$s ??= new Map();
          if (!subs.has(s)) subs.set(s, s.subscribe(() => c.forceUpdate()));
        }),
    );
    render?.(vnode);
  };
  o.diffed = (vnode) => {
    track(null);
    diffed?.(vnode);
  };
  o.__c = (vnode, queue) => {
    const run = due;
    due = [];
    for (const s of run) {
      if (!s.r) continue;
      cleanUp(s);
      s.c = s.r();
    }
    commit?.(vnode, queue);
  };
  o.unmount = (vnode) => {
    const c = ownerOf(vnode);
    c?.$s?.forEach((stop) => stop());
    for (const s of c?.$h ?? []) {
      // An effect queued for a render it did not live to see never runs.
      s.r = undefined;
      cleanUp(s);
    }
    unmount?.(vnode);
  };
}
