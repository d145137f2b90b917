/**
 * The keyboard around a call: its shortcuts (`client/shortcuts.ts`), heard
 * on the whole document while a call is live, with the hints the controls
 * show; and where keyboard focus goes when a call's controls come and go,
 * so that it never falls back to `<body>` (where the next Tab starts from
 * the top of the page and a screen reader says nothing).
 */
import { useEffect, useRef } from "preact/hooks";
import {
  type ShortcutAction,
  shortcutFor,
  SHORTCUTS,
  tooltip,
} from "../../client/shortcuts.ts";
import type { CallSnapshot } from "../../client/call.ts";
import { useSession } from "./session_context.ts";

/** Whether the call has controls (and so shortcuts): as `CallView` draws. */
function isLive(snap: CallSnapshot): boolean {
  return snap.phase === "outgoing" || snap.phase === "connecting" ||
    snap.phase === "connected";
}

/**
 * Listens for the call's shortcuts while a call is live and they are on,
 * and carries them out through the session's actions.
 */
export function useCallShortcuts(): void {
  const { state, actions } = useSession();
  const on = isLive(state.call.value) && state.prefs.value.shortcuts;
  useEffect(() => {
    if (!on || !actions) return;
    const onKeyDown = (ev: KeyboardEvent) => {
      if (ev.defaultPrevented) return;
      const action = shortcutFor(ev, ev.target as HTMLElement | null);
      // The call as it is now: a press may come between two renders.
      const snap = state.call.peek();
      if (!action || !isLive(snap)) return;
      if (action === "toggleMic") actions.setMicMuted(!snap.micMuted);
      else if (action === "hangUp") actions.hangUp();
      else if (snap.audioOnly || !snap.hasCamera) return;
      else actions.setCameraOff(!snap.cameraOff);
      ev.preventDefault();
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [on, actions]);
}

/**
 * A control's `title` and `aria-keyshortcuts` for `action`: its shortcut
 * when shortcuts are on, and the label alone otherwise (or without an
 * action).
 */
export function useShortcutHint(
  action: ShortcutAction | undefined,
  label: string,
): { title?: string; "aria-keyshortcuts"?: string } {
  const on = useSession().state.prefs.value.shortcuts;
  if (!action) return {};
  return on
    ? {
      title: tooltip(label, action, on),
      "aria-keyshortcuts": SHORTCUTS[action].label,
    }
    : { title: label };
}

/**
 * Where focus goes when the call's phase changes and focus is lost: the
 * control that changed in place went away with the phase, or was turned
 * off (the people list's call buttons during a call). The first of each
 * phase's places that exists and is enabled takes it.
 */
function placesFor(phase: CallSnapshot["phase"], peer: string | null) {
  switch (phase) {
    case "outgoing":
    case "connecting":
    case "connected":
      return ["[data-testid=cancel-call]", "[data-testid=hangup]"];
    case "ended":
      // Calling back is the likeliest next step; Close is always there.
      return ["[data-testid=call-again]", "[data-testid=dismiss-call]"];
    case "idle":
      // The summary closed (it closes by itself after a few seconds): back
      // to the button that calls the same person, else to the list.
      return [
        ...(peer ? [`[data-testid=${JSON.stringify(`user-${peer}`)}]`] : []),
        "#people-title",
      ];
    default:
      // The incoming prompt moves focus itself (`IncomingCall.tsx`).
      return [];
  }
}

/** Whether nothing in particular has keyboard focus. */
function focusLost(): boolean {
  const el = document.activeElement;
  return el === null || el === document.body || !el.isConnected;
}

/**
 * Keeps focus off `<body>` across a call: see {@link placesFor}. It only
 * ever moves focus that is already lost, so it never pulls the person away
 * from what they are doing (typing in the chat, say).
 */
export function useCallFocus(): void {
  const { state } = useSession();
  const snap = state.call.value;
  const phase = snap.phase;
  const last = useRef({ phase, peer: snap.peer });
  useEffect(() => {
    const before = last.current;
    last.current = { phase, peer: snap.peer ?? before.peer };
    if (before.phase === phase) return;
    // After this render's other effects: an incoming prompt that closes
    // without an ended call hands focus back itself, and that choice wins.
    const timer = setTimeout(() => {
      if (!focusLost()) return;
      for (const selector of placesFor(phase, last.current.peer)) {
        const el = document.querySelector<HTMLElement>(selector);
        if (el && !(el as HTMLButtonElement).disabled) {
          el.focus();
          return;
        }
      }
    }, 0);
    return () => clearTimeout(timer);
  }, [phase]);
}
