/**
 * The safety number in a call (`client/safety/`): the Verify control, the
 * dialog that shows the code and asks whether it matches, and what the
 * stage says of it: "Verified", or a warning when a verified person's
 * number changed or the two people found different numbers. The control
 * and the warning's button open one dialog through {@link SafetyHost}.
 */
import { type ComponentChildren, createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { CallSnapshot } from "../../client/call.ts";
import type { SafetyView } from "../../client/safety/link_safety.ts";
import { PEER_SLOT } from "../../client/text.ts";
import { Icon } from "./Icon.tsx";
import { Named } from "./Named.tsx";
import { useSession } from "./session_context.ts";

/** What `data-verify-state` says of a call's safety number. */
export type VerifyState = "unverified" | "verified" | "changed" | "differ";

/** The state a view and its tests read off a safety number. */
export function verifyState(view: SafetyView | null): VerifyState {
  if (!view) return "unverified";
  if (view.status === "verified") return "verified";
  if (view.status === "differ") return "differ";
  return view.warning === "changed" ? "changed" : "unverified";
}

/** What the dialog says under the code, as a template with the peer's slot. */
export function verdictTemplate(view: SafetyView | null): string {
  const who = PEER_SLOT;
  switch (view?.status ?? "pending") {
    case "pending":
      return "Working out the safety number…";
    case "failed":
      return `No safety number could be made with ${who}'s browser. Treat this call as unverified.`;
    case "mineSaid":
      return `Waiting for ${who} to say the numbers match.`;
    case "theirsSaid":
      return `${who} says the numbers match.`;
    case "verified":
      return `${who} is verified. This browser will show it in your next calls.`;
    case "differ":
      return view?.differBy === "me"
        ? "You said the numbers differ: someone may be listening in."
        : `${who} says the numbers differ: someone may be listening in.`;
    default:
      return view?.warning === "changed"
        ? `${who}'s safety number has changed since you verified it.`
        : "";
  }
}

type OpenVerify = (from: HTMLElement) => void;
const VerifyContext = createContext<OpenVerify>(() => {});

/** Provides the dialog to the controls inside, and draws it when open. */
export function SafetyHost(
  props: { snap: CallSnapshot; children: ComponentChildren },
) {
  const [from, setFrom] = useState<HTMLElement | null>(null);
  const open = props.snap.phase === "connected" && from !== null;
  const close = () => {
    setFrom(null);
    if (from?.isConnected) from.focus();
  };
  return (
    <VerifyContext.Provider value={setFrom}>
      {props.children}
      {open && <VerifyDialog snap={props.snap} onClose={close} />}
    </VerifyContext.Provider>
  );
}

function useOpen() {
  const open = useContext(VerifyContext);
  return (ev: Event) => open(ev.currentTarget as HTMLElement);
}

/** The call control that opens the dialog. */
export function VerifyControl({ snap }: { snap: CallSnapshot }) {
  const verified = snap.safety?.status === "verified";
  return (
    <button
      type="button"
      id="verify-call"
      class="control"
      data-testid="verify-call"
      aria-haspopup="dialog"
      disabled={snap.phase !== "connected"}
      onClick={useOpen()}
    >
      <Icon name={verified ? "shield-check" : "shield"} size={22} />
      <span class="control__text">Verify</span>
    </button>
  );
}

/** What the stage says of the safety number: a chip or a warning. */
export function SafetyStatus({ snap }: { snap: CallSnapshot }) {
  const open = useOpen();
  const state = verifyState(snap.safety);
  if (snap.phase !== "connected") return null;
  if (state === "verified") {
    return (
      <p class="call__badge call__badge--ok" data-testid="safety-verified">
        <Icon name="shield-check" size={14} />
        <span>Verified</span>
      </p>
    );
  }
  if (state !== "changed" && state !== "differ") return null;
  return (
    <div class="call__warning" role="alert" data-testid="safety-warning">
      <Icon name="shield" size={18} />
      <p>
        <Named template={verdictTemplate(snap.safety)} peer={snap.peer} />
      </p>
      {state === "changed" && (
        <button type="button" class="button" onClick={open}>
          Compare numbers
        </button>
      )}
    </div>
  );
}

/** The dialog: the code, what to do with it, and the two answers. */
function VerifyDialog(props: { snap: CallSnapshot; onClose: () => void }) {
  const { actions } = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const view = props.snap.safety;
  const code = view?.code ?? null;
  const answered = view?.status === "mineSaid" ||
    view?.status === "verified" || view?.status === "differ";

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog
      ref={ref}
      class="verify"
      aria-labelledby="verify-title"
      data-testid="verify-dialog"
      data-verify-state={verifyState(view)}
      onClose={props.onClose}
    >
      <h2 id="verify-title" class="verify__title">
        <Named template={`Verify ${PEER_SLOT}`} peer={props.snap.peer} />
      </h2>
      <p>
        Read these numbers aloud to each other. If they match, nobody is
        listening in on this call.
      </p>
      <p class="verify__code" data-safety-code aria-live="polite">
        {code ?? ""}
      </p>
      <p class="verify__state" data-testid="verify-state">
        <Named template={verdictTemplate(view)} peer={props.snap.peer} />
      </p>
      <div class="dialog__actions">
        {code && !answered && (
          <>
            <button
              type="button"
              class="button"
              data-testid="safety-differ"
              onClick={() => actions?.saySafety(false)}
            >
              They don't match
            </button>
            <button
              type="button"
              class="button button--primary"
              data-testid="safety-match"
              onClick={() => actions?.saySafety(true)}
            >
              They match
            </button>
          </>
        )}
        <button
          type="button"
          class="button"
          data-testid="verify-close"
          onClick={() => ref.current?.close()}
        >
          Close
        </button>
      </div>
    </dialog>
  );
}
