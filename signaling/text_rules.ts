/**
 * Text rules shared by the server and the browser: what a user name may
 * contain and how long it may be, and what chat text loses before it is
 * shown. The server applies the name rules and sends its sentence when it
 * refuses a name; the page shows that sentence (`client/session.ts`).
 *
 * The browser bundles parts of this file (chat display, limits, via
 * `client/text.ts`), so it imports nothing and carries no data tables
 * beyond a few character names: the confusables skeleton that decides
 * uniqueness needs Unicode's mapping data and lives on the server only
 * (`names.ts`).
 *
 * Names: NFC, trimmed, 1–{@linkcode MAX_NAME_GRAPHEMES} grapheme clusters
 * (what a person counts as characters: "👩🏽‍💻" is one). Refused, with a
 * message naming the character: controls, line/paragraph separators,
 * direction controls (overrides, embeddings, isolates, marks), invisible
 * characters (default-ignorable code points, Hangul fillers, the blank
 * Braille pattern), private use, unassigned code points and lone
 * surrogates. Zero-width joiners and variation selectors are part of
 * emoji sequences, so they are accepted there and only there; a zero-width
 * non-joiner is accepted between Arabic-script letters, where it changes
 * how they join (Persian writes it in ordinary words).
 */

/** Longest name, in grapheme clusters (an emoji sequence counts once). */
export const MAX_NAME_GRAPHEMES = 32;

/**
 * Longest name in UTF-16 code units, checked before anything else so that
 * hostile input costs nothing before normalisation and segmentation. Room
 * for 32 short emoji sequences; a name of 32 family emoji does not fit.
 */
export const MAX_NAME_UNITS = 256;

/** The outcome of {@linkcode checkName}: the name to use, or why not. */
export type NameVerdict =
  | { ok: true; name: string }
  | { ok: false; problem: string };

/** Names of the characters the rules most often meet, for the messages. */
const CHARACTER_NAMES = "0009 CHARACTER TABULATION|000A LINE FEED|" +
  "000D CARRIAGE RETURN|00AD SOFT HYPHEN|034F COMBINING GRAPHEME JOINER|" +
  "061C ARABIC LETTER MARK|115F HANGUL CHOSEONG FILLER|" +
  "1160 HANGUL JUNGSEONG FILLER|17B4 KHMER VOWEL INHERENT AQ|" +
  "17B5 KHMER VOWEL INHERENT AA|180E MONGOLIAN VOWEL SEPARATOR|" +
  "200B ZERO WIDTH SPACE|200C ZERO WIDTH NON-JOINER|200D ZERO WIDTH JOINER|" +
  "200E LEFT-TO-RIGHT MARK|200F RIGHT-TO-LEFT MARK|2028 LINE SEPARATOR|" +
  "2029 PARAGRAPH SEPARATOR|202A LEFT-TO-RIGHT EMBEDDING|" +
  "202B RIGHT-TO-LEFT EMBEDDING|202C POP DIRECTIONAL FORMATTING|" +
  "202D LEFT-TO-RIGHT OVERRIDE|202E RIGHT-TO-LEFT OVERRIDE|2060 WORD JOINER|" +
  "2066 LEFT-TO-RIGHT ISOLATE|2067 RIGHT-TO-LEFT ISOLATE|" +
  "2068 FIRST STRONG ISOLATE|2069 POP DIRECTIONAL ISOLATE|" +
  "2800 BRAILLE PATTERN BLANK|3164 HANGUL FILLER|FEFF ZERO WIDTH NO-BREAK SPACE|" +
  "FFA0 HALFWIDTH HANGUL FILLER";

let characterNames: Map<number, string> | undefined;

/** `U+3164 HANGUL FILLER`, or `U+E000` for a character without a name here. */
export function describeCharacter(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  characterNames ??= new Map(
    CHARACTER_NAMES.split("|").map((e) => [parseInt(e, 16), e.slice(5)]),
  );
  let name = characterNames.get(cp);
  // Variation selectors are numbered; computing the number beats listing 256.
  if (cp >= 0xfe00 && cp <= 0xfe0f) {
    name = `VARIATION SELECTOR-${cp - 0xfe00 + 1}`;
  } else if (cp >= 0xe0100 && cp <= 0xe01ef) {
    name = `VARIATION SELECTOR-${cp - 0xe0100 + 17}`;
  }
  return name ? `U+${hex} ${name}` : `U+${hex}`;
}

/** Anything that needs a closer look; most text has none of it. */
const SUSPECT =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800]/u;
let scan: RegExp | undefined;
/**
 * One suspect character at a time, or a whole subdivision flag (🏴 + tag
 * letters + cancel tag, as in 🏴󠁧󠁢󠁳󠁣󠁴󠁿), whose tag characters are
 * invisible alone. One pass of one regex: hostile text costs its length.
 * Compiled on first use: a bundle that imports only the limits (the
 * page's) then leaves it out, which a module-level `new RegExp` prevents.
 */
function scanner(): RegExp {
  scan ??= new RegExp(
    "\\u{1F3F4}[\\u{E0020}-\\u{E007E}]{1,32}\\u{E007F}|" + SUSPECT.source,
    "gu",
  );
  return scan;
}
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const MODIFIER = /\p{Emoji_Modifier}/u;
const ARABIC = /\p{Script=Arabic}/u;
const LETTER = /\p{L}/u;
const CONTROL = /\p{Cc}/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
/** Direction controls: embeddings, overrides, isolates and the marks. */
const DIRECTION = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const PRIVATE_USE = /\p{Co}/u;
const UNASSIGNED = /\p{Cn}/u;
const SURROGATE = /\p{Cs}/u;
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/u;

const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const VS15 = 0xfe0e;
const VS16 = 0xfe0f;
const KEYCAP = 0x20e3;

/** The code point that ends just before `at`, as a string ("" at the start). */
function charBefore(text: string, at: number): string {
  if (at <= 0) return "";
  const low = text.charCodeAt(at - 1);
  const high = at >= 2 ? text.charCodeAt(at - 2) : 0;
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff
    ? text.slice(at - 2, at)
    : text[at - 1];
}

/** The code point that starts at `at`, as a string ("" at the end). */
function charAt(text: string, at: number): string {
  const cp = text.codePointAt(at);
  return cp === undefined ? "" : String.fromCodePoint(cp);
}

/**
 * Whether the suspect character `ch` at `at` in `text` is part of
 * something visible: an emoji sequence (ZWJ between emoji, a variation
 * selector after an emoji or in a keycap), or a zero-width non-joiner
 * between Arabic-script letters, where it changes how they join.
 */
function inContext(text: string, at: number, ch: string): boolean {
  const prev = charBefore(text, at);
  const next = charAt(text, at + ch.length);
  switch (ch.codePointAt(0)) {
    case ZWJ:
      return (PICTOGRAPH.test(prev) || MODIFIER.test(prev) ||
        prev.codePointAt(0) === VS16) && PICTOGRAPH.test(next);
    case VS15:
    case VS16:
      return PICTOGRAPH.test(prev) ||
        (/^[0-9#*]$/.test(prev) && next.codePointAt(0) === KEYCAP);
    case ZWNJ:
      return ARABIC.test(prev) && ARABIC.test(next) && LETTER.test(next);
  }
  return false;
}

/** Whether a {@linkcode scanner} match may stay where it is. */
function allowed(text: string, at: number, match: string): boolean {
  // A flag is the only match longer than one code point.
  return match.length > 2 || inContext(text, at, match);
}

/** Why `ch` (not in an emoji sequence) cannot be in a name. */
function refusal(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const what = describeCharacter(cp);
  if (SURROGATE.test(ch)) {
    return `${what} is half of a character (a lone surrogate); remove it.`;
  }
  if (DIRECTION.test(ch)) {
    return `${what} changes the direction of the text around it; remove it.`;
  }
  if (SEPARATOR.test(ch)) return `${what} breaks the line; remove it.`;
  if (CONTROL.test(ch)) return `${what} is a control character; remove it.`;
  if (PRIVATE_USE.test(ch)) {
    return `${what} is a private-use character that every device shows differently; remove it.`;
  }
  if (UNASSIGNED.test(ch)) {
    return `${what} is not an assigned character; remove it.`;
  }
  if (cp === ZWJ || cp === VS15 || cp === VS16) {
    return `${what} is invisible outside an emoji; remove it.`;
  }
  if (INVISIBLE.test(ch)) return `${what} is invisible; remove it.`;
  return `${what} is a formatting character that can hide or rearrange text; remove it.`;
}

let segmenter: Intl.Segmenter | undefined;

/** `text` split into grapheme clusters (user-perceived characters). */
export function graphemes(text: string): string[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Number of grapheme clusters in `text`. */
export function graphemeCount(text: string): number {
  // Each cluster has at least one code unit: short text needs no segmenter.
  if (text.length <= 1) return text.length;
  // A browser without Intl.Segmenter (Firefox before 125) counts code
  // points: stricter with emoji, and the server has the last word.
  if (typeof Intl.Segmenter !== "function") return Array.from(text).length;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** The message for a name over the length limit. */
export const NAME_TOO_LONG =
  `Names can be at most ${MAX_NAME_GRAPHEMES} characters (an emoji counts as one).`;

/** The message for a name that is empty once trimmed. */
export const EMPTY_NAME = "Please enter a name.";

/**
 * Checks a requested name: the canonical form (NFC, trimmed) to use, or a
 * sentence for the person saying what to change.
 */
export function checkName(requested: unknown): NameVerdict {
  if (typeof requested !== "string") {
    return { ok: false, problem: "A name must be text." };
  }
  if (requested.length > MAX_NAME_UNITS) {
    return { ok: false, problem: NAME_TOO_LONG };
  }
  // Normalising a lone surrogate is not defined; refuse it before.
  const raw = firstRefused(requested);
  if (raw !== null && SURROGATE.test(raw)) {
    return { ok: false, problem: refusal(raw) };
  }
  const nfc = requested.normalize("NFC");
  // The whole string, before trimming: U+FEFF at the end is still an
  // invisible character the person should hear about, not a silent trim.
  const bad = raw === null ? null : firstRefused(nfc);
  if (bad !== null) return { ok: false, problem: refusal(bad) };
  const name = nfc.trim();
  if (name.length === 0) return { ok: false, problem: EMPTY_NAME };
  if (
    name.length > MAX_NAME_GRAPHEMES && graphemeCount(name) > MAX_NAME_GRAPHEMES
  ) {
    return { ok: false, problem: NAME_TOO_LONG };
  }
  return { ok: true, name };
}

/** The first character of `text` a name may not have there, or null. */
function firstRefused(text: string): string | null {
  if (!SUSPECT.test(text)) return null;
  for (const m of text.matchAll(scanner())) {
    if (!allowed(text, m.index, m[0])) return m[0];
  }
  return null;
}

/** What chat text may keep of the suspect characters. */
const CHAT_KEEPS = /[\t\n\u200E\u200F\u061C\p{Co}\p{Cn}]/u;

/**
 * Chat text as it may be shown: direction overrides, embeddings and
 * isolates removed (U+202E would show the rest of a line reversed),
 * invisible characters removed outside emoji sequences (emoji stay whole),
 * controls other than tab and newline removed, line and paragraph
 * separators turned into newlines, lone surrogates into U+FFFD.
 * Right-to-left text stays as written, and so do the left-to-right and
 * right-to-left marks that mixed-direction writing needs.
 */
export function neutralizeText(text: string): string {
  if (!SUSPECT.test(text)) return text;
  return text.replace(scanner(), (match: string, at: number) => {
    if (CHAT_KEEPS.test(match) || allowed(text, at, match)) return match;
    if (SEPARATOR.test(match)) return "\n";
    return SURROGATE.test(match) ? "\uFFFD" : "";
  });
}
