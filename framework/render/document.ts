/**
 * Renders a page component inside the `_app` frame into an HTML response.
 * Without `_app`, a minimal frame is used, so every page has a `<body>` for
 * the island scripts to go into.
 */
import { type ComponentType, h, type VNode } from "preact";
import type { Context, PageRenderer } from "../context.ts";
import type { PageComponent, PageProps } from "../types.ts";
import type { IslandNames } from "./island_hook.ts";
import { type ClientAssets, renderPage } from "./page.ts";

/** What page rendering needs from the app, read at render time. */
export interface DocumentSource {
  app?: ComponentType<Record<string, unknown>>;
  islands: IslandNames;
  assets: ClientAssets | null;
}

function DefaultFrame({ Component }: { Component: ComponentType }) {
  return h(
    "html",
    { lang: "en" },
    h(
      "head",
      null,
      h("meta", { charset: "utf-8" }),
      h("meta", {
        name: "viewport",
        content: "width=device-width, initial-scale=1",
      }),
    ),
    h("body", null, h(Component, null)),
  );
}

/** A `PageRenderer` over whatever `source()` returns at render time. */
export function documentRenderer(source: () => DocumentSource): PageRenderer {
  return {
    render(
      ctx: Context<unknown>,
      page: PageComponent<unknown, unknown>,
      data,
      init,
    ) {
      const { app, islands, assets } = source();
      const props = pageProps(ctx, data);
      const Component = () =>
        h(page as ComponentType<PageProps>, {
          ...props,
          Component: page as never,
        });
      const frame = (app ?? DefaultFrame) as ComponentType<PageProps>;
      const vnode = h(frame, { ...props, Component }) as VNode;
      const html = renderPage(vnode, islands, assets);
      const headers = new Headers(init?.headers);
      if (!headers.has("content-type")) {
        headers.set("content-type", "text/html; charset=utf-8");
      }
      return new Response(html, {
        status: init?.status ?? 200,
        statusText: init?.statusText,
        headers,
      });
    },
  };
}

function pageProps(
  ctx: Context<unknown>,
  data: unknown,
): Omit<PageProps, "Component"> {
  return {
    data,
    url: ctx.url,
    params: ctx.params,
    state: ctx.state as Record<string, unknown>,
    req: ctx.req,
    route: ctx.route,
    error: ctx.error,
  };
}
