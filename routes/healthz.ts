import { define } from "../define.ts";

/** 200 while serving; 503 while draining, so a load balancer stops sending users here. */
export const handler = define.handlers({
  GET(ctx) {
    const accepting = ctx.state.signaling.stats().accepting;
    return new Response(accepting ? "ok\n" : "draining\n", {
      status: accepting ? 200 : 503,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
});
