import { define } from "../define.ts";

/**
 * 200 `ok` while serving; 200 `degraded` while the cluster's shared store is
 * unreachable (this instance still serves its own rooms, and every instance
 * is in the same state, so taking it out would not help); 503 `draining`
 * during shutdown, so a load balancer stops sending users here.
 */
export const handler = define.handlers({
  GET(ctx) {
    const health = ctx.state.signaling.health();
    return new Response(`${health}\n`, {
      status: health === "draining" ? 503 : 200,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
});
