/**
 * Call setup in headless Chromium with fake devices: milliseconds from the
 * callee's Accept to the caller's first decoded remote frame, over N calls
 * on loopback, through the real app. Needs `deno task build` and Chromium.
 *
 * Run alone: `deno run -A bench/call_setup_bench.ts [calls]`, or import
 * {@linkcode runCallSetupBench}.
 */
import { startApp } from "../tests/helpers/app_server.ts";
import { launch } from "../tests/helpers/browsers.ts";
import {
  acceptToFirstFrameMs,
  closeUsers,
  dismissEnded,
  hangUp,
  openUser,
  type User,
} from "../tests/e2e/helpers.ts";
import { type Figure, figure, median } from "./figures.ts";

/** Median and max of `calls` calls, as figures (median target: 150 ms). */
export async function runCallSetupBench(
  calls = 10,
  log: (line: string) => void = () => {},
): Promise<Figure[]> {
  const app = await startApp();
  const browser = await launch("chromium");
  let alice: User | undefined, bob: User | undefined;
  const times: number[] = [];
  try {
    alice = await openUser(browser, app.url, "alice");
    bob = await openUser(browser, app.url, "bob");
    for (let i = 0; i < calls; i++) {
      times.push(await acceptToFirstFrameMs(alice, bob));
      log(`call setup ${i + 1}/${calls}: ${times.at(-1)!.toFixed(0)} ms`);
      await hangUp(alice, bob);
      await dismissEnded(alice, bob);
    }
  } finally {
    await closeUsers(alice, bob);
    await browser.close();
    await app.shutdown();
  }
  return [
    figure(
      `call setup accept→first frame, median of ${calls}`,
      median(times),
      "ms",
      {
        target: { max: 150 },
      },
    ),
    figure(
      `call setup accept→first frame, max of ${calls}`,
      Math.max(...times),
      "ms",
    ),
  ];
}

if (import.meta.main) {
  const { formatTable } = await import("./figures.ts");
  const calls = Number(Deno.args[0] ?? 10);
  console.log(formatTable(await runCallSetupBench(calls, console.error)));
}
