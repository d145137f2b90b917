/**
 * The shape the relay core keeps: its handlers return outputs and never
 * reach back into the relay, and nothing on its path waits on a 0 ms timer
 * to get out of a loop.
 */

import assert from "node:assert/strict";
import { granted } from "../helpers/permissions.ts";

const SIGNALING = new URL("../../signaling/", import.meta.url);

/** Every `.ts` file under `signaling/`, as [path relative to it, text]. */
function sources(dir = SIGNALING, prefix = ""): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = prefix + entry.name;
    if (entry.isDirectory) {
      files.push(...sources(new URL(entry.name + "/", dir), path + "/"));
    } else if (entry.name.endsWith(".ts")) {
      files.push([path, Deno.readTextFileSync(new URL(entry.name, dir))]);
    }
  }
  return files;
}

/** The last argument of each `setTimeout(…)` call in `text`. */
function timeoutDelays(text: string): string[] {
  const delays: string[] = [];
  for (let at = text.indexOf("setTimeout("); at !== -1;) {
    let depth = 0;
    let lastComma = -1;
    let end = at + "setTimeout".length;
    for (; end < text.length; end++) {
      const c = text[end];
      if (c === "(" || c === "[" || c === "{") depth++;
      else if (c === ")" || c === "]" || c === "}") {
        if (--depth === 0) break;
      } else if (c === "," && depth === 1) lastComma = end;
    }
    if (lastComma !== -1) {
      delays.push(text.slice(lastComma + 1, end).replace(/,\s*$/, "").trim());
    }
    at = text.indexOf("setTimeout(", end);
  }
  return delays;
}

/** The ones that may call the relay: what feeds it inputs, and the loop. */
const RELAY_CALLERS = new Set(["mod.ts", "transport.ts", "relay.ts"]);

Deno.test({
  name: "no handler in signaling/ imports the relay: only its callers do",
  ignore: !granted("read"),
  fn() {
    const importers = sources()
      .filter(([path, text]) =>
        !RELAY_CALLERS.has(path) && !path.startsWith("cluster/") &&
        /from "\.\/relay\.ts"/.test(text)
      )
      .map(([path]) => path);
    assert.deepEqual(importers, []);
  },
});

Deno.test({
  name: "nothing in signaling/ waits on a 0 ms timer",
  ignore: !granted("read"),
  fn() {
    const zero = sources().flatMap(([path, text]) =>
      timeoutDelays(text).filter((d) => d === "0").map(() => path)
    );
    assert.deepEqual(zero, []);
  },
});

Deno.test("the 0 ms timer check finds one", () => {
  assert.deepEqual(
    timeoutDelays("setTimeout(() => f(a, b), 0); setTimeout(g, ms)"),
    ["0", "ms"],
  );
});
