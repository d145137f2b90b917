/**
 * The contract of a session (`session.ts`): what it is built from, and what
 * the views and the page's boot may ask of it. Views see only this, never
 * the relay client or the call controller behind it.
 */
import type { NotificationPrompt } from "./attention/permission_prompt.ts";
import type { CallDeps } from "./call.ts";
import type { CallPrefs } from "./call_prefs.ts";
import type { StreamLike } from "./peer.ts";
import type { KeyValueStore } from "./saved_session.ts";
import type { RelayClientOptions } from "./relay_client.ts";
import type { Notice, SessionState } from "./state.ts";
import type { Timers } from "./timers.ts";

/** What a session is built from; `browser_session.ts` gives the browser's. */
export interface SessionOptions {
  room: string;
  relay: RelayClientOptions;
  call: Omit<CallDeps, "send" | "onChange" | "onNotice" | "myName">;
  timers?: Timers;
  /** `navigator.mediaDevices.enumerateDevices`, when available. */
  enumerateDevices?: () => Promise<MediaDeviceInfo[]>;
  /** Where name and resume token are kept for a reload (`sessionStorage`). */
  storage?: KeyValueStore | null;
  /** Time between connection-quality readings during a call. */
  qualityIntervalMs?: number;
  /**
   * Where the person's settings last (`localStorage`): the ringtone's and
   * the call defaults (`call_prefs.ts`).
   */
  prefs?: KeyValueStore | null;
}

/** What the views (and the page's boot) can ask of a session. */
export interface SessionActions {
  /** Joins the room under `name` (connecting first if needed). */
  join(name: string): boolean;
  /**
   * Joins again under the name saved for this room by an earlier visit in
   * this tab, with its resume token when `withToken` (see
   * `saved_session.ts` for why a duplicated tab must not use it). Returns
   * false when nothing was saved.
   */
  resumeSaved(options?: { withToken?: boolean }): boolean;
  /**
   * Calls someone from the user list. If that person is ringing us right
   * now, this answers their call instead of crossing it with a second one.
   */
  call(name: string, audioOnly?: boolean): boolean;
  /**
   * Accepts the call ringing us; with `video: false` it is answered with
   * the camera off (the person can turn it on later).
   */
  accept(options?: { video?: boolean }): void;
  /** Declines the call ringing us. */
  decline(): void;
  /** Hangs up, or cancels the call we are making. */
  hangUp(): void;
  /** Closes the summary of a call that ended. */
  dismissCall(): void;
  /**
   * Says whether the two safety numbers read aloud match; both people
   * saying so verifies the other's key in this browser.
   */
  saySafety(match: boolean): void;
  /** Mutes or unmutes the microphone. */
  setMicMuted(muted: boolean): void;
  /** Turns the camera off or on. */
  setCameraOff(off: boolean): void;
  /**
   * Chooses a microphone, camera or speaker: remembered for the next
   * calls, and switched at once in a call (no renegotiation).
   */
  chooseDevice(
    kind: "audio" | "video" | "output",
    deviceId: string,
  ): Promise<void>;
  /**
   * Changes the defaults calls start with (and whether the call's keyboard
   * shortcuts work), and remembers them.
   */
  setPrefs(
    change: Partial<
      Pick<CallPrefs, "startMuted" | "startCameraOff" | "shortcuts">
    >,
  ): void;
  /**
   * Opens camera and microphone as the prefs choose, for the pre-call
   * check's preview and level meter; the caller stops the tracks.
   *
   * @throws LocalMediaError saying which device could not be opened
   */
  openDeviceCheck(): Promise<StreamLike>;
  /**
   * Sends a message to the person in the call over the call's own data
   * channel (never through the server); false (with a notice) when there
   * is no open channel.
   */
  sendCallChat(text: string): boolean;
  /** Whether this browser can share a screen at all. */
  canShareScreen(): boolean;
  /** Shares a screen instead of the camera. */
  startScreenShare(): Promise<void>;
  /** Goes back from the screen to the camera. */
  stopScreenShare(): Promise<void>;
  /** Sends a chat message; false (with a notice) when it could not go. */
  sendChat(text: string): boolean;
  /**
   * Shows a status line in the live region for a while; one of a `group`
   * replaces the group's previous one.
   */
  notify(tone: Notice["tone"], text: string, group?: string): void;
  /** Removes a notice before its time. */
  dismissNotice(id: number): void;
  /** Re-reads the device list (after permission, or on devicechange). */
  refreshDevices(): Promise<void>;
  /** Turns the ringtone of incoming calls on or off, and remembers it. */
  setRingtone(on: boolean): void;
  /** Reconnects at once instead of waiting out the backoff (back online). */
  reconnectNow(): void;
  /** Leaves: hangs up and closes the socket. */
  close(): void;
  /**
   * The banner asking for notification permission (the browser's session
   * only, where notifications exist: `attention/watch.ts`).
   */
  readonly notificationPrompt?: NotificationPrompt;
}

/** A session: its state, for the views to draw, and its actions. */
export interface Session extends SessionActions {
  readonly state: SessionState;
}
