/**
 * The per-request context handed to middleware, handlers and (through
 * props) pages. Mirrors Fresh 2's `ctx`.
 */
import { isValidElement, type VNode } from "preact";
import type { PageComponent } from "./types.ts";

/** Paths and build facts of the app, for middleware such as `staticFiles`. */
export interface AppConfig {
  /** Project root directory (`file:` URL ending in `/`). */
  readonly root: URL;
  /** Build output directory (`file:` URL ending in `/`). */
  readonly buildDir: URL;
  /** Id of the loaded client build; `null` when there is none. */
  readonly buildId: string | null;
}

/** How the app renders pages; supplied by `App`, not by users. */
export interface PageRenderer {
  render(
    ctx: Context<unknown>,
    page: PageComponent<unknown, unknown>,
    data: unknown,
    init?: ResponseInit,
  ): Response;
}

/** Internal wiring set by the app for each request. */
export interface ContextInit {
  config: AppConfig;
  renderer: PageRenderer;
}

/** The request context (`ctx`). */
export class Context<State = Record<string, unknown>> {
  /** The incoming request. */
  readonly req: Request;
  /** `req.url`, parsed once. */
  readonly url: URL;
  /** Connection facts; `info.remoteAddr` is the client address. */
  readonly info: Deno.ServeHandlerInfo;
  /** App paths and build id. */
  readonly config: AppConfig;
  /** Per-request state, filled in by middleware and read by pages. */
  state: State = {} as State;
  /** Dynamic segments of the matched route (percent-decoded). */
  params: Record<string, string> = {};
  /** The matched route pattern, e.g. `/r/:room`; empty before routing. */
  route = "";
  /** The error being rendered, while an error page renders. */
  error?: unknown;

  #renderer: PageRenderer;
  #next: () => Promise<Response> = () => Promise.reject(new Error("no next"));
  #page?: PageComponent<unknown, unknown>;

  constructor(req: Request, info: Deno.ServeHandlerInfo, init: ContextInit) {
    this.req = req;
    this.url = new URL(req.url);
    this.info = info;
    this.config = init.config;
    this.#renderer = init.renderer;
  }

  /** Runs the rest of the middleware chain and the router. */
  next(): Promise<Response> {
    return this.#next();
  }

  /**
   * Renders an HTML page inside `_app`: with a vnode, that vnode; otherwise
   * the matched route's page component with `props.data = data`.
   */
  render(dataOrVNode?: unknown, init?: ResponseInit): Response {
    if (isValidElement(dataOrVNode)) {
      const vnode = dataOrVNode as VNode;
      return this.#renderer.render(
        this as Context<unknown>,
        () => vnode,
        undefined,
        init,
      );
    }
    if (!this.#page) {
      throw new Error(
        `ctx.render(): route ${
          this.route || this.url.pathname
        } has no page component`,
      );
    }
    return this.#renderer.render(
      this as Context<unknown>,
      this.#page,
      dataOrVNode,
      init,
    );
  }

  /**
   * A redirect response. `location` is resolved against the request URL;
   * never pass unchecked user input (`//host` leaves the site).
   */
  redirect(
    location: string,
    status: 301 | 302 | 303 | 307 | 308 = 302,
  ): Response {
    const target = new URL(location, this.url);
    return new Response(null, { status, headers: { location: target.href } });
  }

  /**
   * Upgrades the request to a WebSocket (`Deno.upgradeWebSocket`): return
   * `response` from the handler and talk over `socket`. Throws when the
   * request is not a WebSocket upgrade, which becomes a 500; check
   * `req.headers.get("upgrade")` first to answer 426 yourself.
   */
  upgrade(
    options?: Deno.UpgradeWebSocketOptions,
  ): { socket: WebSocket; response: Response } {
    return Deno.upgradeWebSocket(this.req, options);
  }

  /** @internal Set by the app: the continuation for `next()`. */
  _setNext(next: () => Promise<Response>): void {
    this.#next = next;
  }

  /** @internal Set by the router: the matched route's page. */
  _setPage(page: PageComponent<unknown, unknown> | undefined): void {
    this.#page = page;
  }
}
