/**
 * `deno task dev`: builds the islands, runs `main.ts`, and on every change
 * under the watched folders rebuilds and restarts it. Production never
 * builds on the fly: the server refuses to start without a matching build
 * (`deno task build`), and this script is what keeps that build current.
 */
import { build } from "./framework/build/build.ts";

const root = new URL("./", import.meta.url);
const WATCHED = [
  "routes",
  "islands",
  "client",
  "framework",
  "signaling",
  "static",
  "main.ts",
  "server.ts",
];

let child: Deno.ChildProcess | undefined;

async function stop(): Promise<void> {
  if (!child) return;
  child.kill("SIGTERM");
  await child.status;
  child = undefined;
}

async function restart(): Promise<void> {
  const started = performance.now();
  try {
    await build({ root });
  } catch (error) {
    // Keep the last good server up; the next save will try again.
    console.error(
      `%cbuild failed:%c ${(error as Error).message}`,
      "color: red",
      "",
    );
    return;
  }
  await stop();
  console.log(
    `%cbuilt in ${
      Math.round(performance.now() - started)
    } ms, starting main.ts`,
    "color: gray",
  );
  child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd: root,
  }).spawn();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await stop();
    Deno.exit(0);
  });
}

await restart();

const paths = WATCHED.map((p) => new URL(p, root).pathname).filter((p) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
});
// Editors save in bursts (temp file, rename, chmod): wait for quiet first.
let timer: ReturnType<typeof setTimeout> | undefined;
let running = Promise.resolve();
for await (const event of Deno.watchFs(paths)) {
  // static/ is read per request: no rebuild or restart needed.
  if (
    event.paths.every((p) => p.includes("/static/") || p.includes("/_fresh/"))
  ) continue;
  clearTimeout(timer);
  timer = setTimeout(() => running = running.then(restart), 150);
}
