/**
 * User names: normalisation, validation and per-room uniqueness. Names are
 * shown to other users, so anything that can hide or reorder text (controls,
 * bidi overrides, zero-width characters) is refused rather than stripped.
 */

/** Longest name, in code points. */
export const MAX_NAME_CHARS = 32;

/**
 * Control (Cc), format (Cf: bidi overrides, zero-width), line/paragraph
 * separators, lone surrogates and private use.
 */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}]/u;

/**
 * Returns the canonical form of a requested name (NFC, trimmed), or `null`
 * when it is not a string, is empty, longer than 32 characters or contains a
 * forbidden character.
 */
export function normalizeName(requested: unknown): string | null {
  if (typeof requested !== "string") return null;
  // Cheap bound before the regex and NFC: composition folds only a few code
  // units into one character, so anything this long cannot fit.
  if (requested.length > MAX_NAME_CHARS * 8) return null;
  if (FORBIDDEN.test(requested)) return null;
  const name = requested.normalize("NFC").trim();
  const chars = codePointLength(name);
  if (chars < 1 || chars > MAX_NAME_CHARS) return null;
  return name;
}

/** The key two names collide on: case-insensitive (with ß ~ SS), NFC. */
export function nameKey(name: string): string {
  return name.toUpperCase().toLowerCase().normalize("NFC");
}

/**
 * Picks `name`, or the first free variant `name 2`, `name 3`, … (shortening
 * the base so the result stays within 32 characters).
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
  const chars = Array.from(name);
  for (let n = Math.max(2, firstSuffix);; n++) {
    const suffix = ` ${n}`;
    const base = chars.slice(0, MAX_NAME_CHARS - suffix.length).join("")
      .trimEnd();
    const candidate = base + suffix;
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
