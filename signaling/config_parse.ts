/**
 * The one parser of settings: reads every variable of a schema
 * (`config_schema.ts`) from the environment, checks it by its kind, and files
 * it under its field. What is wrong comes back as messages that name the
 * variable and say what to set, never as a half-read configuration.
 */

import type { IntSetting, Setting } from "./config_schema.ts";

/** Reads one environment variable; `undefined` when unset. */
export type EnvGetter = (name: string) => string | undefined;

/** Parsed values by section and key (`listen.port` → `sections.listen.port`). */
export type Sections = Record<string, Record<string, unknown>>;

/** Every setting's value (or default) filed under its field, and what is wrong. */
export interface Parsed {
  sections: Sections;
  problems: string[];
  /** Fields whose variable was refused (they hold their default). */
  refused: Set<string>;
}

/** Reads and checks every setting of `schema`. */
export function parseSettings(
  schema: readonly Setting[],
  get: EnvGetter,
): Parsed {
  const sections: Sections = {};
  const problems: string[] = [];
  const refused = new Set<string>();
  for (const setting of schema) {
    const [section, key] = setting.field.split(".");
    const raw = get(setting.name);
    const result = raw === undefined
      ? { value: defaultOf(setting) }
      : parseValue(setting, raw);
    if ("problem" in result) {
      problems.push(result.problem);
      refused.add(setting.field);
    }
    (sections[section] ??= {})[key] = "value" in result
      ? result.value
      : defaultOf(setting);
  }
  return { sections, problems, refused };
}

/** The range of a whole-number setting, as the docs and messages say it. */
export function rangeText(setting: IntSetting): string {
  return setting.max === undefined
    ? `≥ ${setting.min}`
    : `from ${setting.min} to ${setting.max}`;
}

/** Whether `value` is within the setting's range. */
export function inRange(setting: IntSetting, value: number): boolean {
  return value >= setting.min &&
    (setting.max === undefined || value <= setting.max);
}

/** The value an unset variable gives. */
function defaultOf(setting: Setting): unknown {
  return "default" in setting ? setting.default : undefined;
}

type Result = { value: unknown } | { problem: string };

function parseValue(setting: Setting, raw: string): Result {
  // A secret read from a file often ends in a newline nobody meant.
  const text = raw.trim();
  if (text === "") {
    return setting.blank === "refuse"
      ? { problem: `${setting.name} must not be empty; ${fix(setting)}` }
      : { value: defaultOf(setting) };
  }
  const bad = (expected: string, quote = true) => ({
    problem: `${setting.name} must be ${expected}${
      quote ? ` (got ${JSON.stringify(text)})` : ""
    }${setting.example ? `, e.g. ${setting.name}=${setting.example}` : ""}; ${
      fix(setting)
    }`,
  });
  switch (setting.kind) {
    case "int": {
      const value = Number(text);
      return Number.isInteger(value) && inRange(setting, value)
        ? { value }
        : bad(`a whole number ${rangeText(setting)}`);
    }
    case "text":
      return { value: text };
    case "secret": {
      const short = text.length < (setting.minLength ?? 1);
      const chars = setting.token68 && !/^[A-Za-z0-9\-._~+/]+=*$/.test(text);
      if (!short && !chars) return { value: text };
      // Never quote the value: it is a secret, even when a bad one.
      return bad(
        `at least ${setting.minLength ?? 1} characters${
          setting.token68 ? " of A–Z, a–z, 0–9, -._~+/" : ""
        }`,
        false,
      );
    }
    case "list": {
      const items = text.split(",").map((item) => item.trim()).filter(
        Boolean,
      );
      const { schemes } = setting;
      if (!schemes) return { value: items };
      const wrong = items.find((item) => !hasScheme(item, schemes));
      return wrong === undefined && items.length > 0
        ? { value: items }
        : bad(`a comma-separated list of ${schemeText(schemes, ":")} URLs`);
    }
    case "url":
      return hasScheme(text, setting.schemes, "//")
        ? { value: text }
        : bad(`a ${schemeText(setting.schemes, "://")} URL`);
    case "enum": {
      const value = text.toLowerCase();
      return setting.values.includes(value)
        ? { value }
        : bad(orList(setting.values));
    }
    case "json":
      try {
        return { value: JSON.parse(text) };
      } catch {
        return bad("valid JSON");
      }
  }
}

/** How a message ends: what to do about it. */
function fix(setting: Setting): string {
  const value = defaultOf(setting);
  return typeof value === "number" || typeof value === "string"
    ? `fix it or unset it for the default ${value}`
    : "fix it or unset it";
}

/** Whether `url` starts with one of `schemes` and a colon (then `after`). */
export function hasScheme(
  url: string,
  schemes: string[],
  after = "",
): boolean {
  return schemes.some((scheme) =>
    url.startsWith(`${scheme}:${after}`) &&
    url.length > scheme.length + 1 + after.length && !/\s/.test(url)
  );
}

function schemeText(schemes: string[], suffix: string): string {
  return orList(schemes.map((scheme) => `${scheme}${suffix}`));
}

/** `a, b or c` */
function orList(items: string[]): string {
  return items.length < 2
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}
