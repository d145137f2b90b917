/**
 * The session's media settings: the person's call defaults and device
 * choices (`call_prefs.ts`), kept in `localStorage` and handed to the call
 * controller, and the media the pre-call check opens.
 */
import type { CallController } from "./call.ts";
import { type CallPrefs, loadCallPrefs, saveCallPrefs } from "./call_prefs.ts";
import { openLocalMedia } from "./media.ts";
import type { GetUserMedia, StreamLike } from "./peer.ts";
import type { KeyValueStore } from "./saved_session.ts";
import type { SessionActions } from "./session_api.ts";
import type { SessionState } from "./state.ts";

/** What the media settings work with. */
export interface SessionMediaDeps {
  state: SessionState;
  calls: CallController;
  getUserMedia: GetUserMedia;
  /** `localStorage`, or null. */
  prefs: KeyValueStore | null;
}

type MediaActions = Pick<
  SessionActions,
  "chooseDevice" | "setPrefs" | "openDeviceCheck"
>;

/** Loads the saved defaults into state and the controller; the actions. */
export function sessionMedia(deps: SessionMediaDeps): MediaActions {
  const { state, calls } = deps;
  const apply = (prefs: CallPrefs) => {
    state.prefs.value = prefs;
    calls.setDefaults(prefs);
    saveCallPrefs(deps.prefs, prefs);
  };
  state.prefs.value = loadCallPrefs(deps.prefs);
  calls.setDefaults(state.prefs.value);
  return {
    async chooseDevice(kind, deviceId) {
      apply({ ...state.prefs.value, [kind]: deviceId });
      if (kind !== "output") await calls.selectDevice(kind, deviceId);
    },
    setPrefs(change) {
      apply({ ...state.prefs.value, ...change });
    },
    async openDeviceCheck(): Promise<StreamLike> {
      const { audio, video } = state.prefs.value;
      const { stream } = await openLocalMedia(deps.getUserMedia, {
        audioOnly: false,
        audioDeviceId: audio,
        videoDeviceId: video,
      });
      return stream;
    },
  };
}
