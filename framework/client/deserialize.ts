/**
 * Browser side of `../render/serialize.ts`: parses the island data and turns
 * tagged values back into signals (one per server signal, shared by every
 * island that received it) and dates. A `JSON.parse` reviver does the walk,
 * which keeps this code, shipped to every page with islands, tiny.
 */

/** Makes a signal; injected so this module does not import signals itself. */
export type SignalFactory = (value: unknown) => { value: unknown };

/** Parses island data text, reviving tagged values. */
export function parseIslandData(
  text: string,
  makeSignal?: SignalFactory,
): unknown {
  const signals: Record<number, { value: unknown }> = {};
  return JSON.parse(text, (_key, value) => {
    // Tag "\0": see serialize.ts. The reviver runs children first, so `v`
    // is already decoded here.
    const tag = value?.["\0"];
    if (tag === "s") {
      // Later uses of a signal carry only its id; the first one its value.
      const sig = signals[value.i] ??= makeSignal?.(undefined) ?? {
        value: undefined,
      };
      if ("v" in value) sig.value = value.v;
      return sig;
    }
    if (tag === "d") return new Date(value.v);
    if (tag === "o") return Object.fromEntries(value.v);
    return value;
  });
}
