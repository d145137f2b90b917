/**
 * Parley's Fresh-2-shaped framework, imported as `"fresh"` through the import
 * map. It keeps Fresh 2's names (App, createDefine, staticFiles, HttpError,
 * PageProps, islands in `islands/`, routes in `routes/`) so that switching to
 * real Fresh is an import-map change.
 *
 * @example main.ts
 * ```ts
 * import { App, staticFiles } from "fresh";
 * const app = new App({ root: import.meta.url })
 *   .use(staticFiles())
 *   .fsRoutes();
 * await app.listen({ port: 8000 });
 * ```
 *
 * @module
 */
export {
  App,
  type AppOptions,
  type ListenOptions,
  type ServeHandler,
} from "./app.ts";
export { type AppConfig, Context } from "./context.ts";
export { createDefine, type Define } from "./define.ts";
export { HttpError } from "./error.ts";
export { staticFiles } from "./static_files.ts";
export { build, type BuildOptions } from "./build/build.ts";
export type {
  Handler,
  HandlerByMethod,
  Method,
  Middleware,
  PageComponent,
  PageProps,
  RouteHandler,
  RouteModule,
} from "./types.ts";
