/**
 * Chat as a sheet over a phone's call screen: during a call on a narrow
 * screen the chat panel slides up over the video when the call's Chat
 * button opens it, and the button counts the lines that came while it was
 * closed. {@link ChatSheetHost} keeps whether it is open; the layout itself
 * is CSS (`.chat--sheet-open`), so wide screens, where chat is a column
 * beside the call, ignore it.
 *
 * An on-screen keyboard shrinks only the visual viewport: the sheet is
 * lifted by the keyboard's height (`--keyboard-inset`) so its message box
 * stays above the keys.
 */
import { createContext, type JSX } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { ChatLine } from "../../client/state.ts";
import { useSession } from "./session_context.ts";

interface Sheet {
  open: boolean;
  setOpen(open: boolean): void;
  /** Lines from others since the sheet was last open. */
  unread: number;
}

/** Outside a host (parts rendered alone, as tests do) it stays closed. */
const SheetContext = createContext<Sheet>({
  open: false,
  setOpen: () => {},
  unread: 0,
});

/** The newest line id among `lines`, or 0. */
const lastId = (lines: readonly ChatLine[]) => lines.at(-1)?.id ?? 0;

/** Keeps the sheet's state for the parts inside; see the module doc. */
export function ChatSheetHost({ children }: { children: JSX.Element }) {
  const { state } = useSession();
  const [open, setOpen] = useState(false);
  const [seen, setSeen] = useState(0);
  const room = state.chat.value;
  const call = state.callChat.value?.lines ?? [];
  const newest = Math.max(lastId(room), lastId(call));
  // Line ids grow across both conversations: what is open is read.
  useEffect(() => {
    if (open) setSeen(newest);
  }, [open, newest]);
  const unread = open
    ? 0
    : [...room, ...call].filter((l) => l.id > seen && !l.mine && !l.notice)
      .length;
  useKeyboardInset(open);
  // A sheet left open belongs to its call: the next one starts on the video.
  const phase = state.call.value.phase;
  const live = phase === "outgoing" || phase === "connecting" ||
    phase === "connected";
  // What was said before the call is not news on its Chat button.
  useEffect(() => {
    if (live) setSeen(newest);
    else setOpen(false);
  }, [live]);
  return (
    <SheetContext.Provider value={{ open, setOpen, unread }}>
      {children}
    </SheetContext.Provider>
  );
}

/** The sheet's state, for the Chat button and the chat panel. */
export function useChatSheet(): Sheet {
  return useContext(SheetContext);
}

/**
 * While `active`, `--keyboard-inset` on the root is how much of the layout
 * viewport an on-screen keyboard covers (the visual viewport's shortfall).
 */
function useKeyboardInset(active: boolean): void {
  useEffect(() => {
    const vv = globalThis.visualViewport;
    const root = document.documentElement;
    if (!active || !vv) return;
    const update = () => {
      const covered = innerHeight - vv.height - vv.offsetTop;
      root.style.setProperty(
        "--keyboard-inset",
        `${Math.max(0, Math.round(covered))}px`,
      );
    };
    update();
    vv.addEventListener("resize", update);
    vv.addEventListener("scroll", update);
    return () => {
      vv.removeEventListener("resize", update);
      vv.removeEventListener("scroll", update);
      root.style.removeProperty("--keyboard-inset");
    };
  }, [active]);
}
