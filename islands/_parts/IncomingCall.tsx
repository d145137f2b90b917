/**
 * The incoming-call prompt: a modal alert dialog with Decline, Answer
 * without video (a video call, with a camera) and Answer. The camera opens
 * while it rings, so the person sees themselves before answering, just as
 * the other side will. Focus lands on Answer; Escape declines; Tab cycles
 * through the buttons.
 */
import { useEffect, useRef } from "preact/hooks";
import type { StreamLike } from "../../client/peer.ts";
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
      const next = call.peek().phase;
      // Declined or cancelled: the summary offers Call again, and
      // `useCallFocus` puts focus there. Handing it back instead would race
      // with presence, which decides whether the caller's button is enabled.
      if (next === "ended") return;
      const accepted = next === "connecting" || next === "connected";
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
      // Focus stays in the dialog: Tab cycles through its buttons.
      const buttons = [...dialogRef.current!.querySelectorAll("button")];
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const step = ev.shiftKey ? -1 : 1;
      ev.preventDefault();
      buttons[(at + step + buttons.length) % buttons.length]?.focus();
    }
  };

  const kind = snap.audioOnly ? "audio" : "video";
  const preview = !snap.audioOnly && !snap.cameraOff &&
      (snap.localStream?.getVideoTracks().length ?? 0) > 0
    ? snap.localStream
    : null;
  // With the camera off by the person's default, Answer already answers
  // without video: say so instead of offering it twice.
  const withoutVideo = !snap.audioOnly && snap.hasCamera && !snap.cameraOff;
  const cameraOffNote = !snap.audioOnly && snap.hasCamera && snap.cameraOff;
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
        {preview && <Preview stream={preview} />}
        <h2 id="incoming-title" class="dialog__title">
          <span dir="auto">{snap.peer}</span> is calling
        </h2>
        <p id="incoming-desc" class="dialog__text">
          Incoming {kind} call
        </p>
        {cameraOffNote && (
          <p class="dialog__text" data-testid="incoming-camera-off">
            Your camera is off: you can turn it on in the call.
          </p>
        )}
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
          {withoutVideo && (
            <button
              type="button"
              class="button"
              data-testid="accept-audio"
              aria-label={`Answer ${snap.peer} without video`}
              onClick={() => actions?.accept({ video: false })}
            >
              Without video
            </button>
          )}
          <button
            ref={acceptRef}
            type="button"
            class="button button--accept"
            data-testid="accept-call"
            aria-label={`Answer ${kind} call from ${snap.peer}`}
            onClick={() => actions?.accept()}
          >
            Answer
          </button>
        </div>
      </div>
    </div>
  );
}

/** The person's own camera while it rings: what the caller will see. */
function Preview({ stream }: { stream: StreamLike }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream as unknown as MediaStream;
    video.play().catch(() => {});
    return () => {
      video.srcObject = null;
    };
  }, [stream]);
  return (
    <figure class="dialog__preview">
      <video
        ref={ref}
        class="video video--mirrored"
        data-testid="incoming-preview"
        autoplay
        playsInline
        muted
        aria-label="Your camera"
      />
      <figcaption class="visually-hidden">
        Your camera: this is what the caller sees if you answer with video
      </figcaption>
    </figure>
  );
}
