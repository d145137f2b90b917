/**
 * Public types of the framework. They follow the names Fresh 2 uses so that
 * route and island code keeps compiling when the import map points `fresh`
 * at the real package.
 */
import type { ComponentType, VNode } from "preact";
import type { Context } from "./context.ts";

/** Anything a handler or middleware may return. */
export type MaybePromise<T> = T | Promise<T>;

/** A request handler: receives the context, answers with a `Response`. */
export type Handler<State = Record<string, unknown>> = (
  ctx: Context<State>,
) => MaybePromise<Response>;

/** HTTP methods a route file's `handler` object may define. */
export type Method =
  | "GET"
  | "HEAD"
  | "POST"
  | "PUT"
  | "PATCH"
  | "DELETE"
  | "OPTIONS";

/** A route file's `handler` export in object form: one function per method. */
export type HandlerByMethod<State = Record<string, unknown>> = Partial<
  Record<Method, Handler<State>>
>;

/** A route file's `handler` export: one function, or one per method. */
export type RouteHandler<State = Record<string, unknown>> =
  | Handler<State>
  | HandlerByMethod<State>;

/**
 * Middleware runs before routing, in the order given to `app.use`; call
 * `ctx.next()` to continue and return (or adjust) its response.
 */
export type Middleware<State = Record<string, unknown>> = (
  ctx: Context<State>,
) => MaybePromise<Response>;

/** Props of a page component (route default export, `_404`, `_500`). */
export interface PageProps<Data = unknown, State = Record<string, unknown>> {
  /** What the handler passed to `ctx.render(data)`; `undefined` otherwise. */
  data: Data;
  /** The request URL. */
  url: URL;
  /** Matched dynamic segments, e.g. `{ room }` for `/r/:room`. */
  params: Record<string, string>;
  /** The per-request state filled in by middleware. */
  state: State;
  /** The incoming request. */
  req: Request;
  /** The route pattern that matched, e.g. `/r/:room` (empty for error pages). */
  route: string;
  /** The error being reported, on `_500` (and `_404` for an `HttpError`). */
  error?: unknown;
  /**
   * In `_app`: the page to render inside the frame (`<Component />`).
   * In pages: the page component itself.
   */
  Component: ComponentType<Record<string, never>>;
}

/** A page component, as exported by default from a route file. */
export type PageComponent<Data = unknown, State = Record<string, unknown>> = (
  props: PageProps<Data, State>,
) => VNode | null;

/** What a route module may export. */
export interface RouteModule<State = Record<string, unknown>> {
  /** The page, rendered for GET (or when a handler calls `ctx.render`). */
  default?: PageComponent<unknown, State>;
  /** The handler(s); without one, GET/HEAD render the page. */
  handler?: RouteHandler<State>;
}
