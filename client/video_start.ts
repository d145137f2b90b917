/**
 * The first video frames of a call, sent small so they are not dropped.
 *
 * WebRTC starts its bandwidth estimate at about 300 kbps. With the default
 * degradation preference, a camera frame larger than 320×240 at that rate is
 * dropped before encoding and the resolution stepped down, frame after frame
 * (up to four: 1280×720 → 960×540 → 640×360 → 480×270 → 320×180), so the
 * peer's first picture comes some 100–200 ms later than the connection
 * allows. Measured in Chromium, that was the largest share of the time from
 * Accept to the first frame.
 *
 * So the video sender starts at a scale that fits 320×240, with
 * `maintain-resolution` (which turns those initial drops off), and shortly
 * after the call connects it gets its original parameters back: from then on
 * WebRTC adapts resolution to the (by then measured) bandwidth as usual. The
 * first second is no smaller than what WebRTC would have sent anyway.
 *
 * Not in Firefox: see {@link sendChangesRestartReceiving}.
 */
import type { SenderLike, TrackLike } from "./peer.ts";

/** Largest frame (in pixels) WebRTC encodes at its start bitrate. */
export const START_MAX_PIXELS = 320 * 240;

/** How long after connecting the sender keeps its small start. */
export const SMALL_START_MS = 1_000;

/**
 * The integer `scaleResolutionDownBy` that brings `width`×`height` to at most
 * {@link START_MAX_PIXELS}; 1 when it already fits or the size is unknown.
 */
export function startScale(width?: number, height?: number): number {
  if (!width || !height) return 1;
  const pixels = width * height;
  if (pixels <= START_MAX_PIXELS) return 1;
  return Math.ceil(Math.sqrt(pixels / START_MAX_PIXELS));
}

/**
 * Whether, in the browser with this user agent, changing a video sender's
 * parameters during a call restarts the video coming the other way.
 *
 * Firefox's video conduit carries both directions of a transceiver, and any
 * change to the send configuration (an encoding's scale, the degradation
 * preference) deletes and re-creates its receive stream as well: the
 * picture from the other side stops and starts again from the next key
 * frame. There, putting the small start's parameters back would make every
 * call's incoming video restart a second in, which is worse than a later
 * first frame, so Firefox senders start at full size. No API tells this
 * behaviour apart, hence the user agent.
 */
export function sendChangesRestartReceiving(userAgent: string): boolean {
  return /\bFirefox\/\d/.test(userAgent);
}

type Encoding = { scaleResolutionDownBy?: number };
type Params = {
  encodings?: Encoding[];
  degradationPreference?: string;
};

/**
 * Makes `sender` (carrying the camera `track`) start small. Resolves to a
 * function that puts the original parameters back, or null when nothing
 * was changed (the size is unknown or small already, or the browser lacks
 * `setParameters`). Never rejects.
 */
export async function startSmall(
  sender: SenderLike,
  track: TrackLike,
): Promise<(() => Promise<void>) | null> {
  const settings = track.getSettings?.() ?? {};
  const scale = startScale(settings.width, settings.height);
  if (scale === 1 || !sender.getParameters || !sender.setParameters) {
    return null;
  }
  try {
    const params = sender.getParameters() as Params;
    const encodings = params.encodings ?? [];
    if (encodings.length !== 1) return null;
    const before = {
      scale: encodings[0].scaleResolutionDownBy,
      preference: params.degradationPreference,
    };
    encodings[0].scaleResolutionDownBy = scale;
    params.degradationPreference = "maintain-resolution";
    await sender.setParameters(params as RTCRtpSendParameters);
    return () => restore(sender, before);
  } catch (err) {
    // The call works without it, only its first frame comes later.
    console.warn("could not start video small", err);
    return null;
  }
}

async function restore(
  sender: SenderLike,
  before: { scale?: number; preference?: string },
): Promise<void> {
  try {
    const params = sender.getParameters!() as Params;
    const encoding = params.encodings?.[0];
    if (encoding) {
      if (before.scale === undefined) delete encoding.scaleResolutionDownBy;
      else encoding.scaleResolutionDownBy = before.scale;
    }
    if (before.preference === undefined) delete params.degradationPreference;
    else params.degradationPreference = before.preference;
    await sender.setParameters!(params as RTCRtpSendParameters);
  } catch (err) {
    console.warn("could not restore video parameters", err);
  }
}
