/**
 * Route table on `URLPattern` pathnames (`/r/:room`, `/files/:path*`).
 * Routes are tried in order; the first whose path matches and that allows
 * the method wins.
 */
import type { Handler, PageComponent } from "./types.ts";

/** A route: a path, per-method handlers (`*` = any), maybe a page. */
export interface Route {
  path: string;
  handlers: Map<string, Handler<unknown>>;
  page?: PageComponent<unknown, unknown>;
}

/** The outcome of routing one request. */
export type Match =
  | {
    kind: "found";
    route: Route;
    handler: Handler<unknown> | null;
    params: Record<string, string>;
  }
  | { kind: "method"; allow: string[] }
  | { kind: "none" };

type Matcher = (pathname: string) => Record<string, string> | null;

function compile(path: string): Matcher {
  // Most paths are static: a string compare is far cheaper than URLPattern.
  if (!/[:*(){}?+\\]/.test(path)) return (p) => p === path ? {} : null;
  const pattern = new URLPattern({ pathname: path });
  return (pathname) => {
    const groups = pattern.exec({ pathname })?.pathname.groups;
    if (!groups) return null;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(groups)) {
      if (value === undefined) continue;
      try {
        params[key] = decodeURIComponent(value);
      } catch {
        params[key] = value; // malformed escapes: hand over what was sent
      }
    }
    return params;
  };
}

/** An ordered set of routes. */
export class Router {
  #routes: { route: Route; match: Matcher }[] = [];

  /** Adds a route, or a method to the route with the same path. */
  add(path: string, method: string, handler: Handler<unknown>): void {
    this.#entry(path).handlers.set(method, handler);
  }

  /**
   * Adds a route module's page and handlers (used by fsRoutes). Methods and
   * pages already registered for the same path are kept: explicit routes win.
   */
  addRoute(route: Route): void {
    const entry = this.#entry(route.path);
    for (const [method, handler] of route.handlers) {
      if (!entry.handlers.has(method)) entry.handlers.set(method, handler);
    }
    entry.page ??= route.page;
  }

  #entry(path: string): Route {
    const known = this.#routes.find((r) => r.route.path === path);
    if (known) return known.route;
    const route: Route = { path, handlers: new Map() };
    this.#routes.push({ route, match: compile(path) });
    return route;
  }

  /** Finds the route for a method and pathname. */
  match(method: string, pathname: string): Match {
    const allow = new Set<string>();
    for (const { route, match } of this.#routes) {
      const params = match(pathname);
      if (!params) continue;
      const handler = pick(route, method);
      if (handler !== undefined) {
        return { kind: "found", route, handler, params };
      }
      for (const m of allowed(route)) allow.add(m);
    }
    return allow.size
      ? { kind: "method", allow: [...allow] }
      : { kind: "none" };
  }
}

/**
 * The handler for `method`; `null` means "render the page"; `undefined`
 * means the method is not allowed. HEAD falls back to GET.
 */
function pick(
  route: Route,
  method: string,
): Handler<unknown> | null | undefined {
  const h = route.handlers;
  const found = h.get(method) ??
    (method === "HEAD" ? h.get("GET") : undefined) ?? h.get("*");
  if (found) return found;
  if (route.page && (method === "GET" || method === "HEAD")) return null;
  return undefined;
}

function allowed(route: Route): string[] {
  const methods = [...route.handlers.keys()];
  if (route.page || methods.includes("GET")) methods.push("GET", "HEAD");
  return [...new Set(methods)];
}
