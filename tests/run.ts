/**
 * `deno task test`: the one test command. Says in one line what is missing,
 * builds the islands (the browser tests load the real bundles), then runs
 * every test with all permissions, in two lanes at once (see {@link runInLanes}).
 * With extra arguments it runs `deno test` once with them instead.
 */
import { CHROMIUM_PATH, onCI } from "./helpers/browser.ts";
import { FIREFOX_PATH } from "./helpers/firefox.ts";
import { installed } from "./helpers/permissions.ts";

/** The browsers the tests drive, and the Debian package of each. */
const BROWSERS = [
  { name: "Chromium", path: CHROMIUM_PATH, apt: "chromium" },
  { name: "Firefox", path: FIREFOX_PATH, apt: "firefox-esr" },
];

async function run(args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args }).spawn();
  return (await child.status).code;
}

/** Writes all of `bytes` to `to`, leaving it open. */
function show(bytes: Uint8Array, to: { writable: WritableStream<Uint8Array> }) {
  return ReadableStream.from([bytes]).pipeTo(to.writable, {
    preventClose: true,
  });
}

/**
 * Each browser test keeps both cores busy encoding and decoding video, and
 * two calls at once starve each other, so the browser tests run one at a
 * time in the first lane. Everything else (relay, cluster and unit tests)
 * runs beside them in the second, whose output is held and printed once the
 * first is done, so the two never interleave.
 */
async function runInLanes(): Promise<number> {
  const browserTests = "tests/e2e/";
  const beside = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", `--ignore=${browserTests}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const browsers = await run(["test", "-A", browserTests]);
  const rest = await beside;
  console.log("\nThe tests that ran beside the browser tests:\n");
  // Its type check speaks on stderr first, then its tests on stdout.
  await show(rest.stderr, Deno.stderr);
  await show(rest.stdout, Deno.stdout);
  return browsers !== 0 ? browsers : rest.code;
}

for (const browser of BROWSERS) {
  if (installed(browser.path)) continue;
  const ci = onCI();
  console.error(
    `${browser.name} is missing at ${browser.path}: run ` +
      `\`apt-get install -y ${browser.apt}\`` +
      (ci
        ? ` (CI=true: ${browser.name} tests will fail).`
        : ` (${browser.name} tests skipped).`),
  );
}

const built = await run(["task", "build"]);
if (built !== 0) Deno.exit(built);
Deno.exit(
  Deno.args.length > 0
    ? await run(["test", "-A", ...Deno.args])
    : await runInLanes(),
);
