/**
 * The person's defaults for calls, kept in `localStorage` so they last
 * across visits: which camera, microphone and speaker to use, and whether
 * calls start with the microphone muted or the camera off, and whether
 * the call's keyboard shortcuts work. The pre-call check edits them; every
 * new call starts from them.
 */
import type { KeyValueStore } from "./saved_session.ts";

/** The person's call defaults; a device of null is the browser's default. */
export interface CallPrefs {
  /** The microphone to open (a `deviceId`). */
  audio: string | null;
  /** The camera to open (a `deviceId`). */
  video: string | null;
  /** The speaker the other person is heard on (`setSinkId`). */
  output: string | null;
  /** Calls start with the microphone muted. */
  startMuted: boolean;
  /** Calls start with the camera off (it is not even opened). */
  startCameraOff: boolean;
  /** The call's keyboard shortcuts (`shortcuts.ts`) work. */
  shortcuts: boolean;
}

/** No choices made: default devices, microphone and camera on. */
export const DEFAULT_PREFS: Readonly<CallPrefs> = {
  audio: null,
  video: null,
  output: null,
  startMuted: false,
  startCameraOff: false,
  shortcuts: true,
};

const KEY = "parley.callPrefs";

const idOrNull = (v: unknown): string | null =>
  typeof v === "string" && v !== "" && v.length <= 512 ? v : null;

/**
 * The saved defaults, or {@link DEFAULT_PREFS} for each field that is
 * missing or malformed. Storage that throws counts as empty.
 */
export function loadCallPrefs(store: KeyValueStore | null): CallPrefs {
  let raw: unknown = null;
  try {
    raw = JSON.parse(store?.getItem(KEY) ?? "null");
  } catch {
    raw = null;
  }
  const o = (raw && typeof raw === "object" ? raw : {}) as Record<
    string,
    unknown
  >;
  return {
    audio: idOrNull(o.audio),
    video: idOrNull(o.video),
    output: idOrNull(o.output),
    startMuted: o.startMuted === true,
    startCameraOff: o.startCameraOff === true,
    // On unless turned off: prefs saved before the switch existed have none.
    shortcuts: o.shortcuts !== false,
  };
}

/** Saves `prefs`; a store that refuses (full, disabled) is ignored. */
export function saveCallPrefs(
  store: KeyValueStore | null,
  prefs: CallPrefs,
): void {
  try {
    store?.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // The defaults still apply for this visit.
  }
}
