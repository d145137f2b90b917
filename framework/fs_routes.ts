/**
 * File-system routes: `<root>/routes/` mapped to URL paths the way Fresh
 * does. `index.tsx` -> `/`, `r/[room].tsx` -> `/r/:room`,
 * `files/[...path].ts` -> `/files/:path*`, `(group)/x.tsx` -> `/x`.
 * `_app`, `_404` and `_500` at the top are special; other `_` files are
 * skipped.
 */
import type { ComponentType } from "preact";
import type { Route } from "./router.ts";
import type { Handler, PageComponent, RouteModule } from "./types.ts";
import { fileIn, listModules } from "./walk.ts";

/** Everything found under `routes/`. */
export interface FsRoutes {
  routes: Route[];
  app?: ComponentType<Record<string, unknown>>;
  notFound?: PageComponent<unknown, unknown>;
  error?: PageComponent<unknown, unknown>;
}

const SPECIAL = new Set(["_app", "_404", "_500"]);

/** Converts a route file path (relative to `routes/`) to a URL pattern. */
export function routePath(file: string): string {
  const segments = file.replace(/\.[^./]+$/, "").split("/")
    .filter((s) => !/^\(.*\)$/.test(s));
  if (segments.at(-1) === "index") segments.pop();
  const converted = segments.map((s) =>
    s.replace(/\[\.\.\.([A-Za-z_$][\w$]*)\]/g, ":$1*")
      .replace(/\[([A-Za-z_$][\w$]*)\]/g, ":$1")
  );
  return "/" + converted.join("/");
}

function rank(segment: string): number {
  if (segment.includes("*")) return 2;
  return segment.includes(":") ? 1 : 0;
}

/** Orders paths so static segments win over dynamic, dynamic over rest. */
export function compareRoutePaths(a: string, b: string): number {
  const as = a.split("/"), bs = b.split("/");
  for (let i = 0; i < Math.max(as.length, bs.length); i++) {
    if (as[i] === undefined) return -1;
    if (bs[i] === undefined) return 1;
    const d = rank(as[i]) - rank(bs[i]);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Walks `<root>/routes/` and imports every route module (in parallel). */
export async function loadFsRoutes(root: URL): Promise<FsRoutes> {
  const dir = new URL("routes/", root);
  const files = (await listModules(dir)).filter((f) => {
    const base = f.replace(/\.[^./]+$/, "");
    if (SPECIAL.has(base)) return true;
    if (f.split("/").some((s) => s.startsWith("_"))) {
      console.warn(
        `routes/${f}: skipped (only _app, _404 and _500 are supported)`,
      );
      return false;
    }
    return true;
  });
  const modules: RouteModule<unknown>[] = await Promise.all(
    files.map((f) => import(fileIn(dir, f).href)),
  );
  const found: FsRoutes = { routes: [] };
  files.forEach((file, i) => {
    const mod = modules[i];
    const base = file.replace(/\.[^./]+$/, "");
    if (base === "_app") found.app = mod.default as FsRoutes["app"];
    else if (base === "_404") found.notFound = mod.default;
    else if (base === "_500") found.error = mod.default;
    else found.routes.push(toRoute(routePath(file), mod, file));
  });
  found.routes.sort((a, b) => compareRoutePaths(a.path, b.path));
  return found;
}

function toRoute(path: string, mod: RouteModule<unknown>, file: string): Route {
  const handlers = new Map<string, Handler<unknown>>();
  const { handler, default: page } = mod;
  if (typeof handler === "function") handlers.set("*", handler);
  else if (handler && typeof handler === "object") {
    for (const [method, fn] of Object.entries(handler)) {
      if (typeof fn === "function") handlers.set(method.toUpperCase(), fn);
    }
  }
  if (!page && handlers.size === 0) {
    throw new Error(
      `routes/${file} exports neither a default page nor a handler`,
    );
  }
  return { path, handlers, page };
}
