/**
 * The call's keyboard shortcuts as pure data and one decision: which key
 * press asks for which action. `M` mutes, `V` turns the camera ("video")
 * off or on, `Shift+H` hangs up.
 *
 * Why these: a press with Control, Alt or Meta is never ours, so no browser
 * or system shortcut is taken over (Ctrl+D, Ctrl+E and the like are the
 * browser's). Screen readers in browse mode keep single letters for their
 * own quick navigation and never pass them on, so nothing of theirs is
 * shadowed either; in focus mode, or without a screen reader, the letters
 * reach the page. Hanging up cannot be undone, so it wants Shift as well:
 * a stray `h` does not end a call. The letters are the key's character
 * (`KeyboardEvent.key`), so they follow the person's keyboard layout.
 * WCAG 2.1.4 asks that single-character shortcuts can be turned off: the
 * pre-call check has the switch (`CallPrefs.shortcuts`).
 */

/** What a shortcut asks for. */
export type ShortcutAction = "toggleMic" | "toggleCamera" | "hangUp";

/** One shortcut: its key, whether Shift goes with it, how it is written. */
export interface Shortcut {
  /** `KeyboardEvent.key`, lower case. */
  key: string;
  shift: boolean;
  /** As `aria-keyshortcuts` spells it, and as tooltips show it. */
  label: string;
}

/** Every shortcut, by action. */
export const SHORTCUTS: Readonly<Record<ShortcutAction, Shortcut>> = {
  toggleMic: { key: "m", shift: false, label: "M" },
  toggleCamera: { key: "v", shift: false, label: "V" },
  hangUp: { key: "h", shift: true, label: "Shift+H" },
};

/** The slice of a `KeyboardEvent` the decision reads. */
export interface KeyPress {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  /** A key held down: one press is one toggle, not a flicker. */
  repeat?: boolean;
  /** Part of an input-method composition (e.g. typing Japanese). */
  isComposing?: boolean;
}

/** The slice of the event's target the decision reads. */
export interface KeyTarget {
  tagName?: string;
  /** An `<input>`'s type. */
  type?: string;
  isContentEditable?: boolean;
}

/** Input types that take no typed characters: a letter there is ours. */
const NOT_TYPED = new Set([
  "button",
  "checkbox",
  "color",
  "file",
  "image",
  "radio",
  "range",
  "reset",
  "submit",
]);

/**
 * Whether key presses on `target` are typing: text fields, text areas,
 * pickers (a `<select>` jumps to options by letter) and editable content.
 */
export function isTyping(target: KeyTarget | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !NOT_TYPED.has((target.type ?? "").toLowerCase());
}

/**
 * The action `press` on `target` asks for, or null: none while typing, for
 * a held key, during a composition, or with Control, Alt or Meta.
 */
export function shortcutFor(
  press: KeyPress,
  target: KeyTarget | null,
): ShortcutAction | null {
  if (press.ctrlKey || press.altKey || press.metaKey) return null;
  if (press.repeat || press.isComposing || isTyping(target)) return null;
  // Caps Lock turns `m` into `M` without Shift: the letter counts, and
  // Shift is read from its own flag.
  const key = press.key.toLowerCase();
  for (const [action, s] of Object.entries(SHORTCUTS)) {
    if (s.key === key && s.shift === press.shiftKey) {
      return action as ShortcutAction;
    }
  }
  return null;
}

/**
 * A control's tooltip with its shortcut, e.g. "Mute microphone (M)"; just
 * `label` when shortcuts are off.
 */
export function tooltip(
  label: string,
  action: ShortcutAction,
  enabled: boolean,
): string {
  return enabled ? `${label} (${SHORTCUTS[action].label})` : label;
}
