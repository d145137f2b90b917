/**
 * What the person changes about their own media during a call: mute,
 * camera off, which microphone or camera, and sharing the screen. None of it
 * renegotiates: the microphone's track is disabled, the camera's is stopped
 * (its light goes out) and later replaced by a fresh one on the same sender
 * (`replaceTrack`).
 */
import type { CallPrefs } from "../call_prefs.ts";
import { toMediaError, trackConstraints } from "../media.ts";
import type {
  GetDisplayMedia,
  GetUserMedia,
  SenderLike,
  StreamLike,
  TrackLike,
} from "../peer.ts";

/** A kind of local track. */
export type Kind = "audio" | "video";

/** The media of one call, held by its runner and gone with it. */
export interface CallMedia {
  /** No video at all: an audio call, or one our camera could not join. */
  audioOnly: boolean;
  /** Aborted when the call ends: late results are dropped. */
  readonly signal: AbortSignal;
  stream: StreamLike | null;
  senders: Map<Kind, SenderLike>;
  /** The shared screen, sent in place of the camera. */
  screen: { track: TrackLike; stream: StreamLike } | null;
  /**
   * Whether a camera can be used: false when none was found or it is
   * blocked (then the call goes on without our picture).
   */
  cameraUsable: boolean;
}

/** What {@link MediaControls} needs from outside. */
export interface MediaControlsDeps {
  getUserMedia: GetUserMedia;
  getDisplayMedia?: GetDisplayMedia;
  notice(tone: "info" | "error", text: string): void;
  /** Something a view draws changed. */
  changed(): void;
}

/** The tracks of one kind in `stream` (none without a stream). */
export function tracksOf(stream: StreamLike | null | undefined, kind: Kind) {
  return (kind === "audio"
    ? stream?.getAudioTracks()
    : stream?.getVideoTracks()) ?? [];
}

/** Stops every track of `stream` (and forgets their `ended` handlers). */
export function stopAll(stream?: StreamLike | null): void {
  if (!stream) return;
  for (const track of stream.getTracks()) {
    track.onended = null;
    track.stop();
  }
}

/** The person's choices about their media; they outlive a single call. */
export class MediaControls {
  #deps: MediaControlsDeps;
  #micMuted = false;
  #cameraOff = false;
  /** Counts camera switches, so a late one cannot undo a newer one. */
  #cameraTurn = 0;
  #devices: Record<Kind, string | null> = { audio: null, video: null };

  constructor(deps: MediaControlsDeps) {
    this.#deps = deps;
  }

  /** Whether the microphone is muted. */
  get micMuted(): boolean {
    return this.#micMuted;
  }

  /** Whether the camera picture is off. */
  get cameraOff(): boolean {
    return this.#cameraOff;
  }

  /** The devices chosen, for opening the next call's media. */
  get devices(): Readonly<Record<Kind, string | null>> {
    return this.#devices;
  }

  /** Whether this browser can share a screen at all (phones cannot). */
  get canShareScreen(): boolean {
    return this.#deps.getDisplayMedia !== undefined;
  }

  #defaults = { startMuted: false, startCameraOff: false };

  /** The person's defaults for new calls, and the devices to open. */
  setDefaults(prefs: CallPrefs): void {
    this.#defaults = {
      startMuted: prefs.startMuted,
      startCameraOff: prefs.startCameraOff,
    };
    this.#devices = { audio: prefs.audio, video: prefs.video };
  }

  /**
   * A new call starts as the person's defaults say, or as `kept` says (a
   * call the page was reloaded in).
   */
  reset(kept?: { micMuted: boolean; cameraOff: boolean } | null): void {
    this.#micMuted = kept?.micMuted ?? this.#defaults.startMuted;
    this.#cameraOff = kept?.cameraOff ?? this.#defaults.startCameraOff;
  }

  /** Applies mute to a stream's tracks. */
  apply(stream?: StreamLike | null): void {
    for (const t of tracksOf(stream, "audio")) t.enabled = !this.#micMuted;
  }

  /** Mutes or unmutes the microphone (the track keeps running). */
  setMicMuted(muted: boolean, media: CallMedia | null): void {
    this.#micMuted = muted;
    this.apply(media?.stream);
    this.#deps.changed();
  }

  /**
   * Turns the camera off or on. Off stops its track, so the camera is
   * released (its light goes out) and nothing is sent; on opens it again
   * and puts the new track on the same sender. While a screen is shared,
   * the sender keeps the screen and only the self-view changes.
   */
  async setCameraOff(off: boolean, media: CallMedia | null): Promise<void> {
    const turn = ++this.#cameraTurn;
    const stream = media?.stream;
    const inCall = !!media && !!stream && !media.audioOnly &&
      media.cameraUsable;
    if (off || !inCall || tracksOf(stream, "video").length > 0) {
      this.#cameraOff = off;
      this.#deps.changed();
    }
    if (!inCall) return;
    const sender = media.screen ? undefined : media.senders.get("video");
    if (off) {
      for (const track of tracksOf(stream, "video")) {
        stream.removeTrack(track);
        track.stop();
      }
      await sender?.replaceTrack(null).catch(() => {});
      return;
    }
    if (!this.#cameraOff) return;
    // On: the camera counts as on (and the peer is told) only once its new
    // track is on the sender, so the other side never waits on a blank tile.
    const fresh = await this.#open("video", media);
    if (!fresh) return this.#deps.changed();
    if (turn !== this.#cameraTurn) return fresh.stop();
    stream.addTrack(fresh);
    await sender?.replaceTrack(fresh).catch((err) => {
      console.warn("could not send the camera again", err);
    });
    // Turned off again meanwhile: that step already stopped `fresh`.
    if (turn !== this.#cameraTurn) return;
    this.#cameraOff = false;
    this.#deps.changed();
  }

  /** A new track of `kind` from the chosen device, or null (said why). */
  async #open(kind: Kind, media: CallMedia): Promise<TrackLike | null> {
    try {
      const got = await this.#deps.getUserMedia({
        [kind]: trackConstraints(kind, this.#devices[kind]),
      });
      const fresh = tracksOf(got, kind)[0] ?? null;
      for (const t of got.getTracks()) if (t !== fresh) t.stop();
      if (fresh && media.signal.aborted) {
        fresh.stop();
        return null;
      }
      return fresh;
    } catch (err) {
      this.#deps.notice("error", toMediaError(err, kind).message);
      return null;
    }
  }

  /**
   * Switches to another microphone or camera. Mid-call the new track replaces
   * the old one on its sender (no renegotiation).
   */
  async selectDevice(
    kind: Kind,
    deviceId: string,
    media: CallMedia | null,
  ): Promise<void> {
    this.#devices[kind] = deviceId;
    const stream = media?.stream;
    if (!media || !stream) return;
    const old = tracksOf(stream, kind)[0];
    // A camera that is off stays off: the choice applies when it comes on.
    if (kind === "video" && (!old || media.audioOnly)) return;
    const fresh = await this.#open(kind, media);
    if (!fresh) return;
    if (kind === "audio") fresh.enabled = !this.#micMuted;
    const sender = media.senders.get(kind);
    // While sharing the screen the video sender carries the screen: only the
    // stream changes, and stopping the share will pick the new camera up.
    if (sender && !(kind === "video" && media.screen)) {
      try {
        await sender.replaceTrack(fresh);
      } catch (err) {
        fresh.stop();
        this.#deps.notice("error", `Could not switch device: ${String(err)}`);
        return;
      }
    }
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(fresh);
    this.#deps.changed();
  }

  /** Shares the screen in place of the camera (replaceTrack). */
  async startScreenShare(media: CallMedia | null): Promise<void> {
    const sender = media?.senders.get("video");
    if (!media || media.screen) return;
    if (!sender || !this.#deps.getDisplayMedia) {
      this.#deps.notice("error", "Screen sharing needs a video call.");
      return;
    }
    let display: StreamLike;
    try {
      display = await this.#deps.getDisplayMedia({ video: true, audio: false });
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      // Closing the browser's picker is a choice, not an error.
      if (name === "NotAllowedError" || name === "AbortError") return;
      if (name === "NotFoundError" || name === "NotSupportedError") {
        // Nothing to pick from (e.g. headless Firefox): say so, calmly.
        this.#deps.notice("info", "This browser has no screen it can share.");
      } else {
        this.#deps.notice("error", "The screen could not be shared.");
      }
      return;
    }
    const track = display.getVideoTracks()[0];
    if (!track || media.signal.aborted || media.screen) {
      stopAll(display);
      return;
    }
    try {
      await sender.replaceTrack(track);
    } catch {
      stopAll(display);
      this.#deps.notice("error", "The screen could not be shared.");
      return;
    }
    media.screen = { track, stream: display };
    // The browser's own "Stop sharing" button ends the track.
    track.onended = () => void this.stopScreenShare(media);
    this.#deps.changed();
  }

  /** Goes back from the screen to the camera. */
  async stopScreenShare(media: CallMedia | null): Promise<void> {
    const screen = media?.screen;
    if (!media || !screen) return;
    media.screen = null;
    const camera = media.stream?.getVideoTracks()[0] ?? null;
    try {
      await media.senders.get("video")?.replaceTrack(camera);
    } catch (err) {
      console.warn("could not restore the camera", err);
    }
    // The shared screen's track is in its stream.
    stopAll(screen.stream);
    this.#deps.changed();
  }
}
