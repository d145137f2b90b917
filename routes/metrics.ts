import { define } from "../define.ts";
import { formatMetrics } from "../signaling/metrics.ts";

/** Prometheus scrape endpoint. */
export const handler = define.handlers({
  GET(ctx) {
    return new Response(formatMetrics(ctx.state.signaling.stats()), {
      headers: {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
});
