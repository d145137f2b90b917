/**
 * The Settings tables of README.md and PROTOCOL.md, generated from
 * `config_schema.ts` so that the docs and the parser cannot disagree.
 *
 * `deno task settings-docs` rewrites both tables; `--check` (what the test
 * does) only says whether they are current.
 */

import { rangeText } from "./config_parse.ts";
import { SETTINGS } from "./config_schema.ts";

/** One environment variable as the docs list it. */
export interface EnvVariable {
  name: string;
  /** The default as Markdown; `—` when unset means off or "not configured". */
  default: string;
  /** The accepted values as Markdown; empty when any text goes. */
  range: string;
  meaning: string;
}

/** Every environment variable Parley reads, in the docs' order. */
export const ENVIRONMENT: readonly EnvVariable[] = SETTINGS.map((s) => ({
  name: s.name,
  default: s.defaultDoc ??
    ("default" in s && s.default != null ? `\`${s.default}\`` : "—"),
  range: s.kind === "int"
    ? rangeText(s).replace(/^from (\d+) to (\d+)$/, "$1–$2")
    : s.kind === "enum"
    ? s.values.map((v) => `\`${v}\``).join(", ")
    : s.kind === "url"
    ? s.schemes.map((v) => `\`${v}://\``).join(", ")
    : s.kind === "list" && s.schemes
    ? s.schemes.map((v) => `\`${v}:\``).join(", ")
    : s.kind === "secret" && s.minLength
    ? `${s.minLength}+ characters`
    : "",
  meaning: s.doc,
}));

/** The line before a generated table. */
export const TABLE_START =
  "<!-- settings table: generated from signaling/config_schema.ts by `deno task settings-docs`; edit it there -->";
/** The line after a generated table. */
export const TABLE_END = "<!-- end of settings table -->";

/** The Settings table in Markdown, laid out as `deno fmt` lays it out. */
export function settingsTable(): string {
  const rows = [
    ["variable", "default", "range", "meaning"],
    ...ENVIRONMENT.map((v) => [`\`${v.name}\``, v.default, v.range, v.meaning]),
  ];
  const widths = rows[0].map((_, i) =>
    Math.max(3, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.slice(1).map(line),
  ].join("\n");
}

/**
 * `doc` with the table between its markers replaced by the current one.
 * @throws {Error} when the markers are missing.
 */
export function withCurrentTable(doc: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`no "${TABLE_START}" … "${TABLE_END}" block`);
  }
  return `${doc.slice(0, start)}${TABLE_START}\n\n${settingsTable()}\n\n${
    doc.slice(end)
  }`;
}

/** The documents that carry the table, relative to the repository root. */
export const DOCUMENTS = ["README.md", "signaling/PROTOCOL.md"];

if (import.meta.main) {
  const write = Deno.args.includes("--write");
  const root = new URL("../", import.meta.url);
  let stale = 0;
  for (const path of DOCUMENTS) {
    const url = new URL(path, root);
    const text = await Deno.readTextFile(url);
    const current = withCurrentTable(text);
    if (current === text) continue;
    stale++;
    if (write) await Deno.writeTextFile(url, current);
    console.log(`${write ? "updated" : "out of date"}: ${path}`);
  }
  if (stale && !write) {
    console.log("run `deno task settings-docs` to regenerate");
    Deno.exit(1);
  }
}
