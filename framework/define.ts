/**
 * `createDefine<State>()`: identity helpers that only add types, like Fresh
 * 2's `createDefine`, so route files get `ctx.state` typed without writing
 * the generics at every use.
 */
import type { Middleware, PageComponent, RouteHandler } from "./types.ts";

/** The helpers returned by {@linkcode createDefine}. */
export interface Define<State> {
  /** Types a page component: `define.page(function Home(props) {...})`. */
  page<Data = unknown>(
    page: PageComponent<Data, State>,
  ): PageComponent<Data, State>;
  /** Types a route's `handler` export (a function or `{ GET, POST }`). */
  handlers<H extends RouteHandler<State>>(handlers: H): H;
  /** Types a middleware function. */
  middleware(middleware: Middleware<State>): Middleware<State>;
}

/** Creates typed identity helpers for an app whose `ctx.state` is `State`. */
export function createDefine<State = Record<string, unknown>>(): Define<State> {
  return {
    page: (page) => page,
    handlers: (handlers) => handlers,
    middleware: (middleware) => middleware,
  };
}
