/**
 * Ways into the pre-call check (`Settings.tsx`): the gear in the header,
 * the Settings control of a call, and the idle stage's "Check your camera
 * and microphone". They share one dialog through {@link SettingsHost},
 * which keeps whether it is open and which button opened it (focus goes
 * back there when it closes).
 */
import { createContext, type JSX } from "preact";
import { useContext, useState } from "preact/hooks";
import { Icon } from "./Icon.tsx";
import Settings from "./Settings.tsx";

/** Opens the dialog; the element is where focus returns afterwards. */
type OpenSettings = (from: HTMLElement) => void;

/**
 * Outside a host (a part rendered on its own, as tests do) the buttons
 * draw but open nothing.
 */
const SettingsContext = createContext<OpenSettings>(() => {});

/** Provides the dialog to the buttons inside, and draws it when open. */
export function SettingsHost({ children }: { children: JSX.Element }) {
  const [from, setFrom] = useState<HTMLElement | null>(null);
  const close = () => {
    setFrom(null);
    // The call control that opened it may be gone (the call ended): the
    // header's gear is always there.
    const back = from?.isConnected ? from : document.querySelector<
      HTMLElement
    >("[data-testid=open-settings]");
    back?.focus();
  };
  return (
    <SettingsContext.Provider value={setFrom}>
      {children}
      {from && <Settings onClose={close} />}
    </SettingsContext.Provider>
  );
}

function useOpen() {
  const open = useContext(SettingsContext);
  return (ev: Event) => open(ev.currentTarget as HTMLElement);
}

/** The header's gear, before and after joining. */
export function SettingsButton() {
  return (
    <button
      type="button"
      class="icon-button settings-button"
      data-testid="open-settings"
      aria-label="Settings"
      aria-haspopup="dialog"
      title="Camera, microphone and speaker"
      onClick={useOpen()}
    >
      <Icon name="gear" size={18} />
    </button>
  );
}

/** The dialog from a call's control bar. */
export function SettingsControl() {
  return (
    <button
      type="button"
      class="control"
      data-testid="call-settings"
      aria-haspopup="dialog"
      onClick={useOpen()}
    >
      <Icon name="gear" size={22} />
      <span class="control__text">Settings</span>
    </button>
  );
}

/** The idle stage's invitation to try camera and microphone first. */
export function DeviceCheckButton() {
  return (
    <button
      type="button"
      class="button button--small stage__check"
      data-testid="check-devices"
      aria-haspopup="dialog"
      onClick={useOpen()}
    >
      Check your camera and microphone
    </button>
  );
}
