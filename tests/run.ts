/**
 * `deno task test`: the one test command. Says in one line what is missing,
 * builds the islands (the browser tests load the real bundles), then runs
 * every test with all permissions. Extra arguments go to `deno test`.
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
Deno.exit(await run(["test", "-A", ...Deno.args]));
