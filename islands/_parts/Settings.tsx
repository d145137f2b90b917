/**
 * The pre-call check: a modal dialog with a camera preview, a live
 * microphone level, pickers for camera, microphone and speaker, and the
 * defaults calls start with. Outside a call it opens camera and microphone
 * itself (`openDeviceCheck`) and stops them when it closes; in a call it
 * shows the call's own media and never opens a second camera. Device
 * choices are the session's (`chooseDevice`): remembered for the next
 * call, and switched at once in a call.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { useSession } from "./session_context.ts";
import {
  type AudioContextLike,
  startLevelMeter,
} from "../../client/level_meter.ts";
import { LocalMediaError } from "../../client/media.ts";
import type { DeviceChoice } from "../../client/media.ts";
import type { StreamLike } from "../../client/peer.ts";
import { SHORTCUTS } from "../../client/shortcuts.ts";

/** Whether this browser can send a media element's sound to a chosen speaker. */
export function canSetSink(): boolean {
  return typeof HTMLMediaElement !== "undefined" &&
    "setSinkId" in HTMLMediaElement.prototype;
}

/** Props of {@link Settings}. */
export interface SettingsProps {
  /** Closes the dialog (Done, Escape, a click beside it). */
  onClose: () => void;
  /** Whether to offer a speaker; by default, where `setSinkId` exists. */
  canChooseSpeaker?: boolean;
  /** Makes the level meter's AudioContext. */
  createAudioContext?: () => AudioContextLike;
}

const stopTracks = (stream: StreamLike) => {
  for (const t of stream.getTracks()) t.stop();
};

/** The id of the device a stream's first track of `kind` comes from. */
function deviceInUse(
  stream: StreamLike | null,
  kind: "audio" | "video",
): string | undefined {
  const track = kind === "audio"
    ? stream?.getAudioTracks()[0]
    : stream?.getVideoTracks()[0];
  return track?.getSettings?.().deviceId;
}

/**
 * The preview's stream: the call's own while there is one, otherwise one
 * opened here (again whenever the chosen camera or microphone changes) and
 * stopped when the dialog closes. Also what went wrong opening it.
 */
function usePreview(callStream: StreamLike | null) {
  const { state, actions } = useSession();
  const { audio, video } = state.prefs.value;
  const [own, setOwn] = useState<StreamLike | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inCall = callStream !== null;
  useEffect(() => {
    setError(null);
    if (inCall || !actions) return;
    let current = true;
    let opened: StreamLike | null = null;
    actions.openDeviceCheck().then((stream) => {
      // Closed, or another device chosen, while it opened.
      if (!current) return stopTracks(stream);
      opened = stream;
      setOwn(stream);
      // Labels are only listed once the page may use the devices.
      void actions.refreshDevices();
    }, (err) => {
      if (!current) return;
      setError(
        err instanceof LocalMediaError
          ? err.message
          : "Your camera or microphone could not be opened.",
      );
    });
    return () => {
      current = false;
      if (opened) stopTracks(opened);
      setOwn(null);
    };
  }, [inCall, actions, audio, video]);
  return { stream: callStream ?? own, error };
}

/**
 * Drives `<meter>` from the stream's microphone. It writes the element
 * directly: 15 re-renders a second of the whole dialog would buy nothing.
 */
function useLevel(
  stream: StreamLike | null,
  createContext: () => AudioContextLike,
) {
  const meterRef = useRef<HTMLMeterElement>(null);
  const track = stream?.getAudioTracks()[0] as MediaStreamTrack | undefined;
  useEffect(() => {
    const meter = meterRef.current;
    if (!track || !meter) return;
    let running: { stop(): void } | null = null;
    try {
      running = startLevelMeter({
        track,
        createContext,
        onLevel: (level) => meter.value = level,
      });
    } catch {
      // No Web Audio: the meter stays at zero, the rest still works.
    }
    return () => {
      running?.stop();
      meter.value = 0;
    };
  }, [track]);
  return meterRef;
}

/** The pre-call check; see the module doc. */
export default function Settings(props: SettingsProps) {
  const { state, actions } = useSession();
  const prefs = state.prefs.value;
  const devices = state.devices.value;
  const callStream = state.call.value.localStream;
  const { stream, error } = usePreview(callStream);
  const meterRef = useLevel(
    stream,
    props.createAudioContext ?? (() => new AudioContext()),
  );
  const videoRef = useRef<HTMLVideoElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const speaker = (props.canChooseSpeaker ?? canSetSink()) &&
    devices.output.length > 0;

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    video.srcObject = stream as unknown as MediaStream | null;
    if (stream) video.play().catch(() => {});
  }, [stream]);

  // The dialog itself takes focus: a screen reader reads its title, and a
  // short screen shows it from the top rather than scrolled to a control.
  useEffect(() => dialogRef.current?.focus(), []);

  const onKeyDown = (ev: KeyboardEvent) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      props.onClose();
    } else if (ev.key === "Tab") {
      // Keep Tab inside the dialog: past the last control to the first,
      // and back from the first (or the dialog itself) to the last.
      const all = [
        ...dialogRef.current!.querySelectorAll<HTMLElement>(
          ":is(select, input, button):not(:disabled)",
        ),
      ];
      const at = all.indexOf(document.activeElement as HTMLElement);
      const wrap = ev.shiftKey ? at <= 0 : at === all.length - 1;
      if (wrap) {
        ev.preventDefault();
        all.at(ev.shiftKey ? -1 : 0)?.focus();
      }
    }
  };

  const choose = (kind: "audio" | "video" | "output") => (ev: Event) =>
    void actions?.chooseDevice(kind, (ev.target as HTMLSelectElement).value)
      .catch(() => {});
  const hasVideo = (stream?.getVideoTracks().length ?? 0) > 0;

  return (
    <div
      class="overlay settings-overlay"
      onClick={(ev) => ev.target === ev.currentTarget && props.onClose()}
    >
      <div
        ref={dialogRef}
        class="dialog settings"
        role="dialog"
        aria-modal="true"
        aria-labelledby="settings-title"
        data-testid="settings"
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <h2 id="settings-title" class="settings__title">
          Camera and microphone
        </h2>
        <div class="settings__body">
          <div class="settings__media">
            <div class="settings__preview">
              <video
                ref={videoRef}
                id="settings-preview"
                data-testid="settings-preview"
                class="video video--mirrored"
                autoplay
                playsInline
                muted
                aria-label="Your camera"
                hidden={!hasVideo}
              />
              {!hasVideo && (
                <p class="settings__placeholder">
                  {error
                    ? "No preview"
                    : stream
                    ? "No camera"
                    : "Opening camera…"}
                </p>
              )}
            </div>
            {error && <p class="settings__error" role="alert">{error}</p>}
            <label class="settings__level" for="settings-level">
              <span>
                Microphone level
                {state.call.value.micMuted && callStream && (
                  <span class="settings__muted">· muted in this call</span>
                )}
              </span>
              <meter
                ref={meterRef}
                id="settings-level"
                data-testid="mic-level"
                min={0}
                max={1}
                value={0}
              />
            </label>
          </div>
          <div class="settings__options">
            <DevicePicker
              id="settings-camera"
              label="Camera"
              choices={devices.video}
              value={prefs.video ?? deviceInUse(stream, "video")}
              onChange={choose("video")}
            />
            <DevicePicker
              id="settings-mic"
              label="Microphone"
              choices={devices.audio}
              value={prefs.audio ?? deviceInUse(stream, "audio")}
              onChange={choose("audio")}
            />
            {speaker && (
              <DevicePicker
                id="settings-speaker"
                label="Speaker"
                choices={devices.output}
                value={prefs.output ?? undefined}
                onChange={choose("output")}
              />
            )}
            <fieldset class="settings__defaults">
              <legend>When a call starts</legend>
              <label class="settings__check">
                <input
                  type="checkbox"
                  data-testid="start-muted"
                  checked={prefs.startMuted}
                  onChange={(ev) =>
                    actions?.setPrefs({ startMuted: ev.currentTarget.checked })}
                />
                Start calls with my microphone muted
              </label>
              <label class="settings__check">
                <input
                  type="checkbox"
                  data-testid="start-camera-off"
                  checked={prefs.startCameraOff}
                  onChange={(ev) =>
                    actions?.setPrefs({
                      startCameraOff: ev.currentTarget.checked,
                    })}
                />
                Start calls with my camera off
              </label>
            </fieldset>
            <fieldset class="settings__defaults">
              <legend>Keyboard</legend>
              <label class="settings__check">
                <input
                  type="checkbox"
                  data-testid="shortcuts"
                  aria-describedby="settings-shortcuts-keys"
                  checked={prefs.shortcuts}
                  onChange={(ev) =>
                    actions?.setPrefs({ shortcuts: ev.currentTarget.checked })}
                />
                Keyboard shortcuts in calls
              </label>
              <p id="settings-shortcuts-keys" class="settings__hint">
                {shortcutsText()}
              </p>
            </fieldset>
          </div>
        </div>
        <div class="dialog__actions">
          <button
            type="button"
            class="button button--primary"
            data-testid="close-settings"
            onClick={props.onClose}
          >
            Done
          </button>
        </div>
      </div>
    </div>
  );
}

/** What the shortcuts are, in a line: "M mutes, V turns the camera…". */
function shortcutsText(): string {
  return `${SHORTCUTS.toggleMic.label} mutes or unmutes, ` +
    `${SHORTCUTS.toggleCamera.label} turns the camera off or on, ` +
    `${SHORTCUTS.hangUp.label} hangs up (not while typing).`;
}

/** A labelled device `<select>`; the browser's default when none listed. */
function DevicePicker(props: {
  id: string;
  label: string;
  choices: DeviceChoice[];
  value: string | undefined;
  onChange: (ev: Event) => void;
}) {
  // A value not listed leaves a picker blank, and stays so in Firefox once
  // the list arrives (it lists devices only after permission, so after
  // the preview opened): show the first, which browsers open by default.
  const listed = props.choices.some((c) => c.deviceId === props.value);
  return (
    <div class="settings__field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        class="select"
        value={listed ? props.value : props.choices[0]?.deviceId}
        disabled={props.choices.length === 0}
        onChange={props.onChange}
      >
        {props.choices.length === 0 && <option value="">Default</option>}
        {props.choices.map((c) => (
          <option key={c.deviceId} value={c.deviceId}>{c.label}</option>
        ))}
      </select>
    </div>
  );
}
