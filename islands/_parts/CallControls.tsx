/**
 * The control bar of a call under way: mute, camera, flip camera (with
 * two or more cameras), hang up, and on a phone's call screen Chat (with
 * its unread count) and More; sharing the screen and settings sit in the
 * bar on wide screens and behind More on a phone. Which ones show where is
 * CSS (`.control--phone`, `.controls__more`); the buttons are the same.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { CallSnapshot } from "../../client/call.ts";
import { useChatSheet } from "./ChatSheet.tsx";
import { Icon } from "./Icon.tsx";
import { useSession } from "./session_context.ts";
import { SettingsControl } from "./SettingsButton.tsx";
import { VerifyControl } from "./SafetyNumber.tsx";
import { useShortcutHint } from "./call_keyboard.ts";
import type { ShortcutAction } from "../../client/shortcuts.ts";

/**
 * A toggle in the call controls: icon, text, and its state in aria-pressed.
 * Its words stay the same whatever the state (the icon and aria-pressed
 * change): a label that flips along with aria-pressed says the state twice
 * ("Unmute, pressed"), and a voice-control user names the button by the
 * words it shows, which must be in its accessible name (WCAG 2.5.3).
 */
function Control(props: {
  testid: string;
  label: string;
  /** Its keyboard shortcut, shown in the tooltip while shortcuts are on. */
  shortcut?: ShortcutAction;
  pressed?: boolean;
  disabled?: boolean;
  icon: string;
  text: string;
  class?: string;
  badge?: number;
  onClick: () => void;
}) {
  const hint = useShortcutHint(props.shortcut, props.label);
  return (
    <button
      type="button"
      class={`control ${props.class ?? ""}`}
      data-testid={props.testid}
      aria-label={props.label}
      {...hint}
      aria-pressed={props.pressed}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      <Icon name={props.icon} size={22} />
      <span class="control__text">{props.text}</span>
      {!!props.badge && (
        <span class="control__badge" data-testid="chat-badge">
          {props.badge}
          <span class="visually-hidden">unread</span>
        </span>
      )}
    </button>
  );
}

/** The next camera after the one in use, or null with fewer than two. */
function useNextCamera(snap: CallSnapshot): string | null {
  const { state } = useSession();
  const cameras = state.devices.value.video;
  if (cameras.length < 2 || snap.audioOnly || snap.cameraOff) return null;
  const track = snap.localStream?.getVideoTracks()[0];
  const current = track?.getSettings?.().deviceId ?? state.prefs.value.video;
  const at = cameras.findIndex((c) => c.deviceId === current);
  return cameras[(at + 1) % cameras.length].deviceId;
}

/** The bar; see the module doc. */
export function CallControls({ snap }: { snap: CallSnapshot }) {
  const { actions } = useSession();
  const sheet = useChatSheet();
  const [more, setMore] = useState(false);
  const moreRef = useRef<HTMLDivElement>(null);
  const nextCamera = useNextCamera(snap);
  const outgoing = snap.phase === "outgoing";
  const hangUpLabel = outgoing ? "Cancel call" : "Hang up";
  const hangUpHint = useShortcutHint("hangUp", hangUpLabel);

  // More closes on Escape or a tap elsewhere, like any menu.
  useEffect(() => {
    if (!more) return;
    const close = (ev: Event) => {
      if (ev instanceof KeyboardEvent && ev.key !== "Escape") return;
      if (
        ev.type === "pointerdown" &&
        moreRef.current?.contains(ev.target as Node)
      ) {
        return;
      }
      setMore(false);
    };
    document.addEventListener("keydown", close);
    document.addEventListener("pointerdown", close);
    return () => {
      document.removeEventListener("keydown", close);
      document.removeEventListener("pointerdown", close);
    };
  }, [more]);

  return (
    <div class="controls" role="group" aria-label="Call controls">
      <Control
        testid="mute"
        label="Mute microphone"
        shortcut="toggleMic"
        pressed={snap.micMuted}
        icon={snap.micMuted ? "mic-off" : "mic"}
        text="Mute"
        onClick={() => actions?.setMicMuted(!snap.micMuted)}
      />
      {!snap.audioOnly && (
        <Control
          testid="camera"
          label="Turn camera off"
          shortcut="toggleCamera"
          pressed={snap.cameraOff}
          disabled={!snap.hasCamera}
          icon={snap.cameraOff ? "cam-off" : "cam"}
          text="Camera off"
          onClick={() => actions?.setCameraOff(!snap.cameraOff)}
        />
      )}
      {nextCamera && (
        <Control
          testid="flip-camera"
          label="Switch camera"
          icon="flip"
          text="Flip"
          onClick={() => void actions?.chooseDevice("video", nextCamera)}
        />
      )}
      <button
        type="button"
        class="control control--danger"
        data-testid={outgoing ? "cancel-call" : "hangup"}
        aria-label={hangUpLabel}
        {...hangUpHint}
        onClick={() => actions?.hangUp()}
      >
        <Icon name="hangup" size={22} />
        <span class="control__text">{outgoing ? "Cancel" : "Hang up"}</span>
      </button>
      <Control
        testid="open-chat"
        class="control--phone"
        label="Chat"
        pressed={sheet.open}
        icon="chat"
        text="Chat"
        badge={sheet.unread}
        onClick={() => sheet.setOpen(!sheet.open)}
      />
      <div class="controls__more" ref={moreRef}>
        <button
          type="button"
          class="control control--phone"
          data-testid="more-controls"
          aria-label="More"
          aria-expanded={more}
          aria-controls="call-more"
          onClick={() => setMore(!more)}
        >
          <Icon name="more" size={22} />
          <span class="control__text">More</span>
        </button>
        <div
          id="call-more"
          class={`controls__extra ${more ? "controls__extra--open" : ""}`}
          onClick={(ev) => {
            if ((ev.target as HTMLElement).closest("button")) setMore(false);
          }}
        >
          {!snap.audioOnly && actions?.canShareScreen() && (
            <Control
              testid="screen-share"
              label="Share screen"
              pressed={snap.screenSharing}
              disabled={outgoing}
              icon="screen"
              text="Share screen"
              onClick={() =>
                snap.screenSharing
                  ? actions?.stopScreenShare()
                  : actions?.startScreenShare()}
            />
          )}
          <VerifyControl snap={snap} />
          <SettingsControl />
        </div>
      </div>
    </div>
  );
}
