/**
 * Server render time of `/`: the whole request through the app (middleware,
 * routing, SSR, island marking), as `deno bench` measures it.
 * Run by `bench/page_bench.ts`; also runnable alone: `deno bench -A bench/render_bench.ts`.
 */
import { createParley } from "../server.ts";
import { quietLogger } from "../signaling/mod.ts";

const { app, signaling } = await createParley(
  { signaling: {}, metricsToken: null },
  { logger: quietLogger },
);
const handle = app.handler();
const info = {
  remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  completed: Promise.resolve(),
} as Deno.ServeHandlerInfo<Deno.NetAddr>;

Deno.bench("render / (lobby page)", async () => {
  const res = await handle(new Request("http://localhost/"), info);
  await res.text();
});

Deno.bench("render /r/:room (room page)", async () => {
  const res = await handle(new Request("http://localhost/r/team-sync"), info);
  await res.text();
});

globalThis.addEventListener("unload", () => void signaling.shutdown());
