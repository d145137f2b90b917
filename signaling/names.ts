/**
 * User names on the server: validation (the rules shared with the browser,
 * in `text_rules.ts`) and per-room uniqueness. Names are shown to other
 * users, so anything that can hide or reorder text is refused rather than
 * stripped, and two names that look alike are one name: the key a room
 * files its members under is a confusables skeleton (Unicode UTS #39), so
 * "аlice" with a Cyrillic а is taken while "alice" is there.
 *
 * The skeleton's mapping is Unicode's confusables.txt as packaged by
 * `unhomoglyph` (nodeca; data version 13.0.0). It stays on the server:
 * ~100 KB that the browser never needs, since it learns the room's names
 * only from the server that applies this rule.
 */

import unhomoglyph from "unhomoglyph";
import { checkName, graphemes, MAX_NAME_GRAPHEMES } from "./text_rules.ts";

export { checkName };

/** Longest name, in grapheme clusters (an emoji sequence counts once). */
export const MAX_NAME_CHARS = MAX_NAME_GRAPHEMES;

/**
 * Returns the canonical form of a requested name (NFC, trimmed), or `null`
 * when {@linkcode checkName} refuses it (it says why).
 */
export function normalizeName(requested: unknown): string | null {
  const verdict = checkName(requested);
  return verdict.ok ? verdict.name : null;
}

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const SPACES = /\s+/gu;

/** Case fold that also folds ß to ss (via SS), as names are compared. */
function fold(text: string): string {
  return text.toUpperCase().toLowerCase();
}

/**
 * UTS #39 skeleton: NFD, default-ignorable code points removed, each code
 * point replaced by its confusables prototype, NFD again. Not for display.
 */
export function skeleton(text: string): string {
  return unhomoglyph(text.normalize("NFD").replace(IGNORABLE, ""))
    .normalize("NFD");
}

/**
 * The key two names collide on: the skeleton of the case-folded name,
 * folded again (a prototype can be a capital: ℬ → B), with runs of spaces
 * as one. "ALICE", "аlice" (Cyrillic а), "ａｌｉｃｅ" and "alice" share one.
 */
export function nameKey(name: string): string {
  return fold(skeleton(fold(name))).replace(SPACES, " ");
}
/**
 * Picks `name`, or the first free variant `name 2`, `name 3`, … (shortening
 * the base by whole grapheme clusters so the result stays within 32 and no
 * emoji sequence is cut in half).
 *
 * @param isTaken whether a key is already in use in the room
 * @param firstSuffix where to start counting (a hint to skip known-taken
 *   variants); the chosen suffix is returned so callers can remember it
 */
export function uniqueName(
  name: string,
  isTaken: (key: string) => boolean,
  firstSuffix = 2,
): { name: string; suffix: number } {
  if (!isTaken(nameKey(name))) return { name, suffix: 1 };
  const clusters = graphemes(name);
  for (let n = Math.max(2, firstSuffix);; n++) {
    const suffix = ` ${n}`;
    let keep = MAX_NAME_CHARS - suffix.length;
    let candidate = "";
    // A cut can leave a joiner that only made sense before what it joined
    // (ZWNJ between Arabic letters); shorten until the rules accept it.
    do {
      candidate = clusters.slice(0, keep).join("").trimEnd() + suffix;
    } while (--keep > 0 && !checkName(candidate).ok);
    if (!isTaken(nameKey(candidate))) return { name: candidate, suffix: n };
  }
}

/** Length in code points (an emoji counts once). */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}
