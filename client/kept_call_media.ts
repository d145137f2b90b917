/**
 * Mute and camera-off of the call under way, kept per tab in
 * `sessionStorage`, so that a page reloaded in the middle of a call comes
 * back to it as the person left it: a camera they had turned off does not
 * come on by itself.
 */
import type { KeyValueStore } from "./saved_session.ts";

/** What is kept of one call. */
export interface KeptCallMedia {
  callId: string;
  micMuted: boolean;
  cameraOff: boolean;
}

const key = (room: string) => `parley.callMedia.${room}`;

/** The state kept for `callId` in `room`, or null (another call, none). */
export function loadCallMedia(
  store: KeyValueStore | null,
  room: string,
  callId: string,
): KeptCallMedia | null {
  let value: unknown;
  try {
    value = JSON.parse(store?.getItem(key(room)) ?? "null");
  } catch {
    return null;
  }
  const v = value as Partial<KeptCallMedia> | null;
  if (!v || v.callId !== callId) return null;
  return {
    callId,
    micMuted: v.micMuted === true,
    cameraOff: v.cameraOff === true,
  };
}

/** Keeps `media` for `room`; storage errors are ignored. */
export function saveCallMedia(
  store: KeyValueStore | null,
  room: string,
  media: KeptCallMedia,
): void {
  try {
    store?.setItem(key(room), JSON.stringify(media));
  } catch {
    // A reload then starts from the person's defaults.
  }
}
