/**
 * Island props encoder: JSON plus signals and dates, with shared signals kept
 * shared. The browser side is `../client/deserialize.ts`.
 *
 * We walk values ourselves instead of giving `JSON.stringify` a replacer,
 * because `Signal#toJSON` turns a signal into its bare value before a
 * replacer can see it, and signals would never become signals again.
 *
 * Wire format: a tagged object has the key `TAG` naming its kind:
 * `{TAG:"s", i: id, v?: value}` a signal (value on first use only),
 * `{TAG:"d", v: iso}` a date, and `{TAG:"o", v: [[key, value]...]}` a user
 * object that itself has a `TAG` key, so no user data can pass for a tag.
 */

/** The key marking a tagged value; `\u0000` never appears in sane keys. */
export const TAG = "\u0000";

const SIGNAL_BRAND = Symbol.for("preact-signals");
const VNODE_BRAND = Symbol.for("pv");

/** Minimal view of a `@preact/signals` signal, detected by its brand. */
interface SignalLike {
  brand: symbol;
  peek(): unknown;
}

function isSignal(value: object): value is SignalLike {
  return (value as { brand?: unknown }).brand === SIGNAL_BRAND;
}

function isVNode(value: object): boolean {
  // Preact 11 stamps vnodes with a symbol constructor, Preact 10 with
  // `constructor: undefined`; both are own properties next to type/props.
  if (!Object.hasOwn(value, "constructor") || !("props" in value)) {
    return false;
  }
  const c = (value as { constructor: unknown }).constructor;
  return c === VNODE_BRAND || c === undefined;
}

/** Thrown when a prop cannot be sent to the browser. */
export class IslandPropsError extends TypeError {
  constructor(path: string, what: string) {
    super(`${path}: ${what} cannot be passed as an island prop`);
    this.name = "IslandPropsError";
  }
}

/**
 * Encodes the props of every island on one page. One encoder per page, so a
 * signal given to two islands becomes one signal in the browser.
 */
export class PropsEncoder {
  #signalIds = new Map<object, number>();
  #stack = new Set<object>();

  /** Returns a JSON-safe copy of `value`; throws `IslandPropsError`. */
  encode(value: unknown, path = "props"): unknown {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "number":
        return Number.isFinite(value) ? value : null;
      case "undefined":
        return null;
      case "object":
        return value === null ? null : this.#object(value, path);
      default:
        throw new IslandPropsError(path, `a ${typeof value}`);
    }
  }

  #object(value: object, path: string): unknown {
    if (isSignal(value)) return this.#signal(value, path);
    if (value instanceof Date) {
      const time = value.getTime();
      return { [TAG]: "d", v: Number.isNaN(time) ? null : value.toISOString() };
    }
    if (isVNode(value)) {
      throw new IslandPropsError(path, "JSX (slots are not supported)");
    }
    if (this.#stack.has(value)) {
      throw new IslandPropsError(path, "a circular reference");
    }
    this.#stack.add(value);
    try {
      if (Array.isArray(value)) {
        return value.map((item, i) => this.encode(item, `${path}[${i}]`));
      }
      const proto = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === null) {
        return this.#plain(value as Record<string, unknown>, path);
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        return this.encode(toJSON.call(value), path);
      }
      throw new IslandPropsError(path, `a ${proto?.constructor?.name ?? "?"}`);
    } finally {
      this.#stack.delete(value);
    }
  }

  #plain(value: Record<string, unknown>, path: string): unknown {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      // Like JSON: an undefined property is left out, not sent as null.
      if (item === undefined) continue;
      out[key] = this.encode(item, `${path}.${key}`);
    }
    return Object.hasOwn(out, TAG)
      ? { [TAG]: "o", v: Object.entries(out) }
      : out;
  }

  #signal(sig: SignalLike, path: string): unknown {
    const known = this.#signalIds.get(sig);
    if (known !== undefined) return { [TAG]: "s", i: known };
    const id = this.#signalIds.size;
    this.#signalIds.set(sig, id);
    // peek(): reading .value during SSR would subscribe the render.
    return { [TAG]: "s", i: id, v: this.encode(sig.peek(), `${path}.value`) };
  }
}

/**
 * Serializes `value` for an inline `<script type="application/json">`.
 * Every `<` becomes `\u003c`, so neither `</script>` nor `<!--` in the data
 * can end or alter the script element.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}
