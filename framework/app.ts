/**
 * `App`: middleware, explicit routes and file-system routes, served with
 * `Deno.serve`. Shaped like Fresh 2's `App` so that moving to Fresh is an
 * import-map change.
 */
import { clientAssets, readManifest } from "./build/manifest.ts";
import { type AppConfig, Context } from "./context.ts";
import { HttpError } from "./error.ts";
import { type FsRoutes, loadFsRoutes } from "./fs_routes.ts";
import { listIslands, loadIslands } from "./islands.ts";
import { documentRenderer, type DocumentSource } from "./render/document.ts";
import { builtinErrorPage } from "./render/error_page.ts";
import { resolveDir, resolveRoot } from "./root.ts";
import { Router } from "./router.ts";
import type { Handler, Middleware } from "./types.ts";

/** Options of `new App()`. */
export interface AppOptions {
  /**
   * Project root: a directory path or URL, or `import.meta.url` of a file in
   * it. `routes/`, `islands/` and `static/` live here. Default: the working
   * directory (only read when something needs files).
   */
  root?: string | URL;
  /** Build output, relative to `root` or absolute. Default `_fresh`. */
  buildDir?: string | URL;
}

/** Options of `app.listen()`, passed on to `Deno.serve`. */
export interface ListenOptions {
  /** Default 8000; 0 picks a free port (see the returned server's `addr`). */
  port?: number;
  hostname?: string;
  signal?: AbortSignal;
  onListen?: (addr: Deno.NetAddr) => void;
}

/** The request handler returned by `app.handler()`. */
export type ServeHandler = (
  req: Request,
  info: Deno.ServeHandlerInfo,
) => Promise<Response>;

/** A web application. */
export class App<State = Record<string, unknown>> {
  #options: AppOptions;
  #root?: URL;
  #middleware: Middleware<State>[] = [];
  #router = new Router();
  #wantFsRoutes = false;
  #fs: FsRoutes = { routes: [] };
  #document: DocumentSource = { islands: new Map(), assets: null };
  #buildId: string | null = null;
  #ready?: Promise<void>;
  readonly #config: AppConfig;

  constructor(options: AppOptions = {}) {
    this.#options = options;
    if (options.root !== undefined) this.#root = resolveRoot(options.root);
    // Getters: resolving the default root needs read permission, which
    // apps that never touch files (and their tests) do not have.
    const rootUrl = () => this.#rootUrl();
    const buildId = () => this.#buildId;
    this.#config = {
      get root() {
        return rootUrl();
      },
      get buildDir() {
        return resolveDir(rootUrl(), options.buildDir ?? "_fresh");
      },
      get buildId() {
        return buildId();
      },
    };
  }

  #rootUrl(): URL {
    return this.#root ??= resolveRoot(Deno.cwd());
  }

  /** Adds middleware; all middleware runs, in this order, before routing. */
  use(...middleware: Middleware<State>[]): this {
    this.#middleware.push(...middleware);
    return this;
  }

  /** Adds a handler for `method` (`"*"`: any method) on a URLPattern path. */
  on(method: string, path: string, handler: Handler<State>): this {
    this.#router.add(path, method.toUpperCase(), handler as Handler<unknown>);
    return this;
  }

  /** Adds a GET (and HEAD) handler. */
  get(path: string, handler: Handler<State>): this {
    return this.on("GET", path, handler);
  }

  /** Adds a POST handler. */
  post(path: string, handler: Handler<State>): this {
    return this.on("POST", path, handler);
  }

  /** Adds a PUT handler. */
  put(path: string, handler: Handler<State>): this {
    return this.on("PUT", path, handler);
  }

  /** Adds a PATCH handler. */
  patch(path: string, handler: Handler<State>): this {
    return this.on("PATCH", path, handler);
  }

  /** Adds a DELETE handler. */
  delete(path: string, handler: Handler<State>): this {
    return this.on("DELETE", path, handler);
  }

  /** Adds a handler for every method. */
  all(path: string, handler: Handler<State>): this {
    return this.on("*", path, handler);
  }

  /**
   * Serves `<root>/routes/`. The modules are imported when the app starts
   * (`listen()` or the first `handler()` call); routes added with
   * `get`/`post` before or after take precedence over file routes.
   */
  fsRoutes(): this {
    this.#wantFsRoutes = true;
    return this;
  }

  /**
   * Loads routes, islands and the client build now (once). Await it before
   * serving with your own `Deno.serve(app.handler())` to fail at start-up,
   * with the reason, instead of answering 500s; `listen()` does this itself.
   */
  ready(): Promise<void> {
    return this.#load();
  }

  #load(): Promise<void> {
    return this.#ready ??= (async () => {
      const useFiles = this.#wantFsRoutes || this.#root !== undefined;
      if (!useFiles) return;
      const root = this.#rootUrl();
      const [fs, islandFiles, manifest] = await Promise.all([
        this.#wantFsRoutes ? loadFsRoutes(root) : undefined,
        listIslands(root),
        readManifest(this.#config.buildDir),
      ]);
      const islands = await loadIslands(islandFiles);
      const assets = clientAssets(manifest, islandFiles);
      if (fs) {
        this.#fs = fs;
        for (const route of fs.routes) this.#router.addRoute(route);
      }
      this.#buildId = manifest?.buildId ?? null;
      this.#document = { app: fs?.app, islands, assets };
    })();
  }

  /**
   * The `Deno.serve` handler. Starts loading at once; requests wait for it.
   * If loading fails (e.g. no client build: "run `deno task build`"), the
   * error is raised with `reportError`, which ends the process with that
   * message: a server that could only answer 500 is worse than none. To
   * handle it yourself, `await app.ready()` first (`listen()` does).
   */
  handler(): ServeHandler {
    const ready = this.#load();
    ready.catch((error) => reportError(error));
    const renderer = documentRenderer(() => this.#document);
    const init = { config: this.#config, renderer };
    return async (req, info) => {
      try {
        await ready;
      } catch {
        return builtinErrorPage(500);
      }
      const ctx = new Context<State>(req, info, init);
      try {
        return await this.#run(ctx, 0);
      } catch (error) {
        return this.#errorPage(ctx, error);
      }
    };
  }

  /** Loads everything, then serves on `Deno.serve`; resolves once listening. */
  async listen(
    options: ListenOptions = {},
  ): Promise<Deno.HttpServer<Deno.NetAddr>> {
    await this.#load(); // rejects here, before listening, if loading fails
    const { port = 8000, ...rest } = options;
    return Deno.serve({ port, ...rest }, this.handler());
  }

  #run(ctx: Context<State>, i: number): Promise<Response> {
    const middleware = this.#middleware[i];
    if (!middleware) return this.#route(ctx);
    ctx._setNext(() => this.#run(ctx, i + 1));
    return Promise.resolve(middleware(ctx));
  }

  async #route(ctx: Context<State>): Promise<Response> {
    const match = this.#router.match(ctx.req.method, ctx.url.pathname);
    if (match.kind === "method") {
      return builtinErrorPage(405, { allow: match.allow.join(", ") });
    }
    if (match.kind === "none") {
      // Rendered here rather than thrown, so middleware sees a 404 response.
      return this.#errorPage(ctx, new HttpError(404));
    }
    ctx.params = match.params;
    ctx.route = match.route.path;
    ctx._setPage(match.route.page);
    try {
      const response = match.handler
        ? await match.handler(ctx as Context<unknown>)
        : ctx.render();
      if (!(response instanceof Response)) {
        throw new TypeError(
          `the handler of ${ctx.route} did not return a Response`,
        );
      }
      return response;
    } catch (error) {
      // Rendered here too, like the 404: middleware that adds headers
      // (security headers, say) must see error pages as well.
      return this.#errorPage(ctx, error);
    }
  }

  #errorPage(ctx: Context<State>, error: unknown): Response {
    const isHttp = error instanceof HttpError && error.status >= 400 &&
      error.status <= 599;
    const status = isHttp ? error.status : 500;
    if (status >= 500) {
      // The stack goes to the log, never to the client.
      console.error(`${ctx.req.method} ${ctx.url.pathname} failed:`, error);
    }
    const page = status === 404 ? this.#fs.notFound : this.#fs.error;
    if (page) {
      ctx.error = error;
      ctx._setPage(page);
      try {
        return ctx.render(undefined, { status });
      } catch (pageError) {
        console.error(
          `the ${status === 404 ? "_404" : "_500"} page failed:`,
          pageError,
        );
      }
    }
    return builtinErrorPage(status);
  }
}
