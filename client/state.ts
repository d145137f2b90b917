/**
 * Shared page state as signals. Islands only read these; the session
 * (`session.ts`) writes them, and only in the browser: on the server these
 * module-level values are shared by every request and must stay untouched.
 */
import { signal } from "./signal.ts";
import { type CallSnapshot, snapshotOf } from "./call.ts";
import type { DeviceList } from "./media.ts";
import type { UserInfo } from "./protocol.ts";
import type { Quality } from "./quality.ts";

/** Connection to the signaling server, as shown to the person. */
export type Connection =
  | "offline"
  | "connecting"
  | "connected"
  | "reconnecting";

/** One chat message. */
export interface ChatLine {
  id: number;
  from: string;
  text: string;
  at: number;
  mine: boolean;
  /** A line from the app itself (e.g. chat that was lost), not a person. */
  notice?: boolean;
}

/** A status or error line for the live region. */
export interface Notice {
  id: number;
  tone: "info" | "error";
  text: string;
}

/** The snapshot of a call that is not there. */
export const IDLE_CALL: CallSnapshot = snapshotOf(null, null);

/** Signaling connection status. */
export const connection = signal<Connection>("offline");
/** Our name once the server welcomed us, else null. */
export const me = signal<string | null>(null);
/** The room we are in ("" is the lobby). */
export const roomName = signal<string>("");
/** Other people in the room, sorted by name. */
export const users = signal<UserInfo[]>([]);
/** Chat history of this visit. */
export const chat = signal<ChatLine[]>([]);
/** The current call. */
export const call = signal<CallSnapshot>(IDLE_CALL);
/** Status and error lines, newest last. */
export const notices = signal<Notice[]>([]);
/** Why the name was refused, if it was. */
export const nameError = signal<string | null>(null);
/** A name the person typed and that is being logged in. */
export const pendingName = signal<string | null>(null);
/** Microphones and cameras present. */
export const devices = signal<DeviceList>({ audio: [], video: [] });
/** Devices chosen by the person (null: browser default). */
export const chosenDevices = signal<{
  audio: string | null;
  video: string | null;
}>({ audio: null, video: null });
/** Connection quality of the current call, null without a connection. */
export const quality = signal<Quality | null>(null);
