/**
 * `node:http` requests and responses as the Web `Request` and `Response`
 * that the app's handler speaks, so the same handler runs on `Deno.serve`
 * and on a `node:http` server.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/** A handler in `Deno.serve`'s shape. */
export type WebHandler = (
  req: Request,
  info: Deno.ServeHandlerInfo,
) => Response | Promise<Response>;

/**
 * The Web `Request` for `req`. The URL's host comes from the `Host` header
 * (as `Deno.serve` does); a missing one falls back to `fallbackHost`.
 */
export function toWebRequest(
  req: IncomingMessage,
  fallbackHost: string,
  signal: AbortSignal,
): Request {
  const host = req.headers.host ?? fallbackHost;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of [value].flat()) headers.append(name, one);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${host}${req.url ?? "/"}`, {
    method,
    headers,
    signal,
    body: hasBody ? Readable.toWeb(req) as ReadableStream<Uint8Array> : null,
    // @ts-ignore: required by fetch's RequestInit for a streamed body
    duplex: hasBody ? "half" : undefined,
  });
}

/** Writes `response` to `res`, streaming its body with backpressure. */
export async function writeWebResponse(
  res: ServerResponse,
  response: Response,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    reader.cancel().catch(() => {});
  }
}
