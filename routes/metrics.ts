import { define } from "../define.ts";
import { checkBearer } from "../framework/bearer.ts";
import { formatMetrics } from "../signaling/metrics.ts";

const TEXT = { "content-type": "text/plain; charset=utf-8" };

/**
 * Prometheus scrape endpoint, for whoever holds `METRICS_TOKEN`: the counters
 * tell an outsider how busy the server is, who is in a call and when, and how
 * its limits are holding, so they are never public. Without a token set it
 * answers 404 and says how to turn it on.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const token = ctx.state.metricsToken;
    if (token === null) {
      return new Response(
        "/metrics is off. Set METRICS_TOKEN on the server (16 characters or more, e.g. `openssl rand -hex 32`) and scrape with the header `Authorization: Bearer <token>`.\n",
        { status: 404, headers: { ...TEXT, "cache-control": "no-store" } },
      );
    }
    const check = await checkBearer(ctx.req, token);
    if (check !== "ok") {
      // RFC 6750: a challenge always; `invalid_token` when one was sent.
      const challenge = check === "wrong"
        ? 'Bearer realm="metrics", error="invalid_token"'
        : 'Bearer realm="metrics"';
      return new Response(
        "Send the header `Authorization: Bearer <METRICS_TOKEN>`.\n",
        {
          status: 401,
          headers: {
            ...TEXT,
            "cache-control": "no-store",
            "www-authenticate": challenge,
          },
        },
      );
    }
    return new Response(formatMetrics(ctx.state.signaling.stats()), {
      headers: {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
});
