import assert from "node:assert/strict";
import {
  isTyping,
  type KeyPress,
  type KeyTarget,
  shortcutFor,
  SHORTCUTS,
  tooltip,
} from "../../client/shortcuts.ts";
import { loadCallPrefs, saveCallPrefs } from "../../client/call_prefs.ts";

/** A plain key press, with `extra` on top. */
function key(k: string, extra: Partial<KeyPress> = {}): KeyPress {
  return {
    key: k,
    shiftKey: false,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    ...extra,
  };
}

const button: KeyTarget = { tagName: "BUTTON" };

Deno.test("M mutes, V turns the camera, Shift+H hangs up", () => {
  assert.equal(shortcutFor(key("m"), button), "toggleMic");
  assert.equal(shortcutFor(key("v"), button), "toggleCamera");
  assert.equal(shortcutFor(key("H", { shiftKey: true }), button), "hangUp");
  assert.equal(shortcutFor(key("m"), null), "toggleMic");
});

Deno.test("a plain h does not hang up, and Shift changes what M and V mean", () => {
  assert.equal(shortcutFor(key("h"), button), null);
  assert.equal(shortcutFor(key("M", { shiftKey: true }), button), null);
  assert.equal(shortcutFor(key("V", { shiftKey: true }), button), null);
});

Deno.test("Caps Lock's capital letters still count", () => {
  assert.equal(shortcutFor(key("M"), button), "toggleMic");
  // Caps Lock with Shift gives a small letter.
  assert.equal(shortcutFor(key("h", { shiftKey: true }), button), "hangUp");
});

Deno.test("presses with Control, Alt or Meta are the browser's and the system's", () => {
  for (const mod of ["ctrlKey", "altKey", "metaKey"] as const) {
    assert.equal(shortcutFor(key("m", { [mod]: true }), button), null, mod);
    assert.equal(
      shortcutFor(key("H", { shiftKey: true, [mod]: true }), button),
      null,
      mod,
    );
  }
});

Deno.test("a held key and a composition are not shortcuts", () => {
  assert.equal(shortcutFor(key("m", { repeat: true }), button), null);
  assert.equal(shortcutFor(key("m", { isComposing: true }), button), null);
});

Deno.test("typing in a text field, a text area, a picker or editable text is not a shortcut", () => {
  const typing: KeyTarget[] = [
    { tagName: "INPUT", type: "text" },
    { tagName: "INPUT", type: "" },
    { tagName: "input", type: "search" },
    { tagName: "INPUT", type: "email" },
    { tagName: "TEXTAREA" },
    { tagName: "SELECT" },
    { tagName: "DIV", isContentEditable: true },
  ];
  for (const target of typing) {
    assert.equal(isTyping(target), true, JSON.stringify(target));
    assert.equal(shortcutFor(key("m"), target), null, JSON.stringify(target));
  }
});

Deno.test("a checkbox or a button takes no letters, so a shortcut works there", () => {
  for (const type of ["checkbox", "radio", "button", "range"]) {
    const target = { tagName: "INPUT", type };
    assert.equal(isTyping(target), false, type);
    assert.equal(shortcutFor(key("m"), target), "toggleMic", type);
  }
  assert.equal(isTyping(button), false);
  assert.equal(isTyping(null), false);
});

Deno.test("other keys ask for nothing", () => {
  for (const k of ["a", "Enter", " ", "Escape", "ArrowUp", "1"]) {
    assert.equal(shortcutFor(key(k), button), null, k);
  }
});

Deno.test("tooltips name the shortcut only while shortcuts are on", () => {
  assert.equal(
    tooltip("Mute microphone", "toggleMic", true),
    "Mute microphone (M)",
  );
  assert.equal(tooltip("Hang up", "hangUp", true), "Hang up (Shift+H)");
  assert.equal(tooltip("Hang up", "hangUp", false), "Hang up");
});

Deno.test("shortcuts are written as aria-keyshortcuts wants: modifiers first, plus signs between", () => {
  for (const s of Object.values(SHORTCUTS)) {
    assert.match(s.label, /^(Shift\+)?[A-Z]$/);
    assert.equal(s.label.startsWith("Shift+"), s.shift);
    assert.equal(s.label.at(-1)!.toLowerCase(), s.key);
  }
});

/** A `localStorage` stand-in. */
function memoryStore() {
  const data = new Map<string, string>();
  return {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

Deno.test("shortcuts are on by default, also for prefs saved before the switch existed", () => {
  assert.equal(loadCallPrefs(null).shortcuts, true);
  const store = memoryStore();
  store.setItem("parley.callPrefs", JSON.stringify({ startMuted: true }));
  assert.equal(loadCallPrefs(store).shortcuts, true);
  assert.equal(loadCallPrefs(store).startMuted, true);
});

Deno.test("shortcuts turned off stay off", () => {
  const store = memoryStore();
  saveCallPrefs(store, { ...loadCallPrefs(store), shortcuts: false });
  assert.equal(loadCallPrefs(store).shortcuts, false);
});
