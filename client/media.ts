/**
 * Camera, microphone and screen: acquiring them with errors named for the
 * person, listing devices, and the constraints used for switching.
 */
import type { GetUserMedia, StreamLike } from "./peer.ts";

/** What went wrong when opening media, in terms a person can act on. */
export type MediaErrorKind =
  | "no-device"
  | "denied"
  | "in-use"
  | "insecure"
  | "unsupported"
  | "unknown";

/** A media failure with a message written for the person. */
export class LocalMediaError extends Error {
  constructor(
    /** The category, for code that reacts differently per cause. */
    readonly kind: MediaErrorKind,
    message: string,
    /** The browser's error. */
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

const MESSAGES: Record<MediaErrorKind, string> = {
  "no-device": "No microphone or camera was found. Plug one in and try again.",
  "denied":
    "Camera and microphone access is blocked: allow it for this site (the camera or lock icon in the address bar) and try again.",
  "in-use":
    "Your camera or microphone is in use by another app or could not start. Close the other app and try again.",
  "insecure": "Camera and microphone only work on a secure (https) page.",
  "unsupported": "This browser cannot open a camera or microphone.",
  "unknown": "Your camera or microphone could not be opened.",
};

/** The kind of each `DOMException` name `getUserMedia` rejects with. */
const KINDS: Record<string, MediaErrorKind> = {
  NotFoundError: "no-device",
  DevicesNotFoundError: "no-device",
  OverconstrainedError: "no-device",
  NotAllowedError: "denied",
  PermissionDeniedError: "denied",
  NotReadableError: "in-use",
  TrackStartError: "in-use",
  AbortError: "in-use",
  SecurityError: "insecure",
  TypeError: "unsupported",
};

const errorName = (err: unknown) =>
  (err as { name?: string } | null)?.name ?? "";

/** Maps a `getUserMedia`/`getDisplayMedia` rejection to a named error. */
export function toMediaError(err: unknown): LocalMediaError {
  if (err instanceof LocalMediaError) return err;
  const kind = KINDS[errorName(err)] ?? "unknown";
  return new LocalMediaError(kind, MESSAGES[kind], err);
}

/** What to open. */
export interface MediaRequest {
  audioOnly: boolean;
  audioDeviceId?: string | null;
  videoDeviceId?: string | null;
}

/** The opened stream, and whether video had to be left out. */
export interface OpenedMedia {
  stream: StreamLike;
  /** Video was asked for but no camera could be used. */
  videoMissing: boolean;
}

/** Constraints for one kind, honouring a chosen device if any. */
export function trackConstraints(
  kind: "audio" | "video",
  deviceId?: string | null,
): MediaTrackConstraints | true {
  const base: MediaTrackConstraints = kind === "video"
    ? { width: { ideal: 1280 }, height: { ideal: 720 } }
    : { echoCancellation: true, noiseSuppression: true };
  return deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
}

function isMissing(err: unknown): boolean {
  return KINDS[errorName(err)] === "no-device";
}

/**
 * Opens microphone and (unless audio-only) camera. When there is no usable
 * camera it falls back to the microphone alone and says so through
 * `videoMissing`; a chosen device that vanished falls back to the default.
 *
 * @throws LocalMediaError with a message meant for the person
 */
export async function openLocalMedia(
  getUserMedia: GetUserMedia,
  request: MediaRequest,
): Promise<OpenedMedia> {
  const audio = trackConstraints("audio", request.audioDeviceId);
  if (request.audioOnly) {
    try {
      return { stream: await getUserMedia({ audio }), videoMissing: false };
    } catch (err) {
      if (isMissing(err) && request.audioDeviceId) {
        return openLocalMedia(getUserMedia, { audioOnly: true });
      }
      throw toMediaError(err);
    }
  }
  const video = trackConstraints("video", request.videoDeviceId);
  try {
    return {
      stream: await getUserMedia({ audio, video }),
      videoMissing: false,
    };
  } catch (err) {
    if (!isMissing(err)) throw toMediaError(err);
    if (request.audioDeviceId || request.videoDeviceId) {
      // A remembered device was unplugged: try the defaults before giving up.
      return openLocalMedia(getUserMedia, { audioOnly: false });
    }
  }
  try {
    return { stream: await getUserMedia({ audio }), videoMissing: true };
  } catch (err) {
    if (!isMissing(err)) throw toMediaError(err);
  }
  throw new LocalMediaError("no-device", MESSAGES["no-device"]);
}

/** A device the person can pick. */
export interface DeviceChoice {
  deviceId: string;
  label: string;
}

/** Microphones, cameras and speakers present. */
export interface DeviceList {
  audio: DeviceChoice[];
  video: DeviceChoice[];
  /** Speakers; empty where the browser cannot choose one (`setSinkId`). */
  output: DeviceChoice[];
}

const DEVICE_KINDS: Record<string, keyof DeviceList> = {
  audioinput: "audio",
  videoinput: "video",
  audiooutput: "output",
};

const FALLBACK_LABELS: Record<keyof DeviceList, string> = {
  audio: "Microphone",
  video: "Camera",
  output: "Speaker",
};

/**
 * Groups `enumerateDevices()` output by kind. Labels are empty until permission is
 * granted, so numbered names stand in for them.
 */
export function groupDevices(devices: readonly MediaDeviceInfo[]): DeviceList {
  const list: DeviceList = { audio: [], video: [], output: [] };
  for (const device of devices) {
    const kind = DEVICE_KINDS[device.kind];
    if (!kind || !device.deviceId) continue;
    // Chromium lists "default" and "communications" aliases of real devices.
    if (device.deviceId === "communications") continue;
    const fallback = `${FALLBACK_LABELS[kind]} ${list[kind].length + 1}`;
    list[kind].push({
      deviceId: device.deviceId,
      label: device.label || fallback,
    });
  }
  return list;
}
