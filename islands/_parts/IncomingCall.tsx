/**
 * The incoming-call prompt: a modal alert dialog with Accept and Decline.
 * Focus lands on Accept; Escape declines; Tab moves between its two buttons.
 */
import { useEffect, useRef } from "preact/hooks";
import { useSession } from "./session_context.ts";
import { initial } from "../../client/text.ts";

/** Incoming-call prompt; no props. */
export default function IncomingCall() {
  const { state, actions } = useSession();
  const { call } = state;
  const snap = call.value;
  const open = snap.phase === "incoming";
  const acceptRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const before = document.activeElement as HTMLElement | null;
    acceptRef.current?.focus();
    return () => {
      // Accepted: the call is what matters now. Handing focus back to, say,
      // the chat box would scroll a phone away from the video.
      const accepted = call.peek().phase === "connecting" ||
        call.peek().phase === "connected";
      if (!accepted) return before?.focus?.();
      setTimeout(() => {
        const view = document.querySelector<HTMLElement>(
          "[data-testid=call-view] [data-testid=hangup]",
        );
        view?.focus();
        view?.scrollIntoView({ block: "nearest" });
      }, 0);
    };
  }, [open]);

  if (!open) return null;

  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      actions?.decline();
    } else if (ev.key === "Tab") {
      // Two buttons: either way, Tab goes to the other one.
      const [decline, accept] = dialogRef.current!.querySelectorAll("button");
      ev.preventDefault();
      (document.activeElement === decline ? accept : decline).focus();
    }
  };

  const kind = snap.audioOnly ? "audio" : "video";
  return (
    <div class="overlay">
      <div
        ref={dialogRef}
        class="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="incoming-title"
        aria-describedby="incoming-desc"
        data-testid="incoming-call"
        onKeyDown={onKeyDown}
      >
        <span class="avatar avatar--large avatar--ringing" aria-hidden="true">
          {initial(snap.peer ?? "?")}
        </span>
        <h2 id="incoming-title" class="dialog__title">
          <span dir="auto">{snap.peer}</span> is calling
        </h2>
        <p id="incoming-desc" class="dialog__text">
          Incoming {kind} call
        </p>
        <div class="dialog__actions">
          <button
            type="button"
            class="button button--danger"
            data-testid="decline-call"
            aria-label={`Decline call from ${snap.peer}`}
            onClick={() => actions?.decline()}
          >
            Decline
          </button>
          <button
            ref={acceptRef}
            type="button"
            class="button button--accept"
            data-testid="accept-call"
            aria-label={`Accept ${kind} call from ${snap.peer}`}
            onClick={() => actions?.accept()}
          >
            Accept
          </button>
        </div>
      </div>
    </div>
  );
}
