/**
 * `deno task test`: the one test command. Says in one line what is missing,
 * builds the islands (the browser tests load the real bundles), then runs
 * every test with all permissions. Extra arguments go to `deno test`.
 */
const CHROMIUM = "/usr/bin/chromium";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function run(args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args }).spawn();
  return (await child.status).code;
}

if (!exists(CHROMIUM)) {
  const ci = Deno.env.get("CI") === "true";
  console.error(
    `Chromium is missing at ${CHROMIUM}: run \`apt-get install -y chromium\`` +
      (ci
        ? " (CI=true: browser tests will fail)."
        : " (browser tests skipped)."),
  );
}

const built = await run(["task", "build"]);
if (built !== 0) Deno.exit(built);
Deno.exit(await run(["test", "-A", ...Deno.args]));
