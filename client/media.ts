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

/** Which device a failure is about; `both` when it cannot be told. */
export type MediaDevice = "audio" | "video" | "both";

const DEVICE_NAMES: Record<MediaDevice, string> = {
  audio: "microphone",
  video: "camera",
  both: "camera and microphone",
};

/** What the person reads for each kind of failure of `device`. */
function messageFor(kind: MediaErrorKind, device: MediaDevice): string {
  const name = DEVICE_NAMES[device];
  const Name = name[0].toUpperCase() + name.slice(1);
  switch (kind) {
    case "no-device":
      return device === "both"
        ? "No microphone or camera was found. Plug one in and try again."
        : `No ${name} was found. Plug one in and try again.`;
    case "denied":
      return `${Name} access is blocked for this site. Allow it in the site settings (the ${
        device === "audio" ? "microphone" : "camera"
      } or lock icon in the address bar), then try again.`;
    case "in-use":
      return `Your ${name} is in use by another app or could not start. Close the other app and try again.`;
    case "insecure":
      return "Camera and microphone only work on a secure (https) page.";
    case "unsupported":
      return "This browser cannot open a camera or microphone.";
    case "unknown":
      return `Your ${name} could not be opened.`;
  }
}

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

/**
 * Maps a `getUserMedia`/`getDisplayMedia` rejection to a named error,
 * worded for `device` when the failure is known to be about one.
 */
export function toMediaError(
  err: unknown,
  device: MediaDevice = "both",
): LocalMediaError {
  if (err instanceof LocalMediaError) return err;
  const kind = KINDS[errorName(err)] ?? "unknown";
  return new LocalMediaError(kind, messageFor(kind, device), err);
}

/** What to open. */
export interface MediaRequest {
  audioOnly: boolean;
  audioDeviceId?: string | null;
  videoDeviceId?: string | null;
}

/** The opened stream, and why video had to be left out, if it was. */
export interface OpenedMedia {
  stream: StreamLike;
  /**
   * Video was asked for but the camera could not be used (none, blocked,
   * busy): what went wrong, worded for the camera. Null otherwise.
   */
  videoProblem: LocalMediaError | null;
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
 * Opens microphone and (unless audio-only) camera. A camera that cannot be
 * used (none, blocked, busy) leaves the microphone alone, and
 * `videoProblem` says what was wrong with the camera; a chosen device
 * that vanished falls back to the default. Only the microphone is needed.
 *
 * @throws LocalMediaError worded for the device at fault
 */
export async function openLocalMedia(
  getUserMedia: GetUserMedia,
  request: MediaRequest,
): Promise<OpenedMedia> {
  const audio = trackConstraints("audio", request.audioDeviceId);
  if (request.audioOnly) {
    try {
      return { stream: await getUserMedia({ audio }), videoProblem: null };
    } catch (err) {
      if (isMissing(err) && request.audioDeviceId) {
        return openLocalMedia(getUserMedia, { audioOnly: true });
      }
      throw toMediaError(err, "audio");
    }
  }
  const video = trackConstraints("video", request.videoDeviceId);
  let both: unknown;
  try {
    return {
      stream: await getUserMedia({ audio, video }),
      videoProblem: null,
    };
  } catch (err) {
    if (isMissing(err) && (request.audioDeviceId || request.videoDeviceId)) {
      // A remembered device was unplugged: try the defaults before giving up.
      return openLocalMedia(getUserMedia, { audioOnly: false });
    }
    both = err;
  }
  // Which device was it? With the microphone alone working, the camera.
  try {
    const stream = await getUserMedia({ audio });
    return { stream, videoProblem: toMediaError(both, "video") };
  } catch (err) {
    if (isMissing(err) && isMissing(both)) {
      throw toMediaError(err, "both");
    }
    throw toMediaError(err, "audio");
  }
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
