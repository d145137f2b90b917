/**
 * Binds `client/signal.ts` to Preact: while a component renders, every
 * signal it reads subscribes it, and a change re-renders it (Preact batches
 * those into one render). Subscriptions end when the component unmounts.
 *
 * It uses the render/diffed/unmount option hooks that `preact/hooks` and
 * `@preact/signals` use too (`__r` and `__c` are Preact's stable mangled
 * names for the render hook and a vnode's component). Installed only in the
 * browser: on the server, module-level signals are shared by every request
 * and a render must not subscribe anything.
 */
import { type Component, options, type VNode } from "preact";
import { type Signal, track } from "../../client/signal.ts";

type Hooks = {
  __r?(vnode: VNode): void;
  diffed?(vnode: VNode): void;
  unmount?(vnode: VNode): void;
};
/** Per component: each signal it read, and how to unsubscribe from it. */
const subscriptions = new WeakMap<
  Component,
  Map<Signal<unknown>, () => void>
>();
const componentOf = (vnode: VNode) => (vnode as { __c?: Component }).__c;

if (typeof document !== "undefined") {
  const o = options as Hooks;
  const { __r: render, diffed, unmount } = o;
  o.__r = (vnode) => {
    const c = componentOf(vnode);
    track(
      c
        ? (s) => {
          let subs = subscriptions.get(c);
          if (!subs) subscriptions.set(c, subs = new Map());
          if (!subs.has(s)) subs.set(s, s.subscribe(() => c.forceUpdate()));
        }
        : null,
    );
    render?.(vnode);
  };
  o.diffed = (vnode) => {
    track(null);
    diffed?.(vnode);
  };
  o.unmount = (vnode) => {
    const c = componentOf(vnode);
    if (c) {
      subscriptions.get(c)?.forEach((stop) => stop());
      subscriptions.delete(c);
    }
    unmount?.(vnode);
  };
}
