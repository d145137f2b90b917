/**
 * The state of one session as signals, made per session by
 * {@link createSessionState}: nothing here lives at module level, so a page
 * (or a test, or the server rendering many requests) can hold several.
 * The session (`session.ts`) writes these; islands only read them.
 */
import { type Signal, signal } from "@preact/signals";
import { type CallSnapshot, snapshotOf } from "./call.ts";
import type { MissedCall } from "./call_outcome.ts";
import { type CallPrefs, DEFAULT_PREFS } from "./call_prefs.ts";
import type { DeviceList } from "./media.ts";
import type { UserInfo } from "./protocol.ts";
import type { Quality } from "./quality.ts";

/** The link to the relay server, as shown to the person. */
export type RelayStatus =
  | "offline"
  | "connecting"
  | "connected"
  | "reconnecting";

/**
 * One line of the chat log: a person's message, a line from the app
 * (`notice`), or a call we missed (`missed`, with `from` its caller).
 */
export interface ChatLine {
  id: number;
  from: string;
  text: string;
  at: number;
  mine: boolean;
  /** A line from the app itself (e.g. chat that was lost), not a person. */
  notice?: boolean;
  /** A call that rang us unanswered; the view offers to call back. */
  missed?: MissedCall;
}

/** A status or error line for the live region. */
export interface Notice {
  id: number;
  tone: "info" | "error";
  text: string;
  /** Notices of one group replace each other (e.g. how calls ended). */
  group?: string;
}

/**
 * The private conversation of a call: what the two people type to each
 * other over their peer connection's data channel, never through the
 * server. It stays after the call ends, until the next call begins.
 */
export interface CallConversation {
  /** The call it belongs to. */
  callId: string;
  /** The other person. */
  peer: string;
  /** Whether a message can be sent now (the data channel is open). */
  open: boolean;
  lines: ChatLine[];
}

/** The snapshot of a call that is not there. */
export const IDLE_CALL: CallSnapshot = snapshotOf(null, null);

/** Everything the views draw, as signals; see the module doc. */
export interface SessionState {
  /** The room we are in ("" is the lobby). */
  readonly room: string;
  /** The link to the relay server, as shown to the person. */
  readonly relayStatus: Signal<RelayStatus>;
  /** Our name once the server welcomed us, else null. */
  readonly me: Signal<string | null>;
  /** Other people in the room, sorted by name. */
  readonly users: Signal<UserInfo[]>;
  /** Chat history of this visit. */
  readonly chat: Signal<ChatLine[]>;
  /** The current call. */
  readonly call: Signal<CallSnapshot>;
  /** Status and error lines, newest last. */
  readonly notices: Signal<Notice[]>;
  /** Why the name was refused, if it was. */
  readonly nameError: Signal<string | null>;
  /** A name the person typed and that is being logged in. */
  readonly pendingName: Signal<string | null>;
  /** The name last used in this tab (any room), to fill in the name form. */
  readonly savedName: Signal<string | null>;
  /** Microphones and cameras present. */
  readonly devices: Signal<DeviceList>;
  /** The person's call defaults and device choices (`call_prefs.ts`). */
  readonly prefs: Signal<CallPrefs>;
  /** The current or last call's private conversation, if any. */
  readonly callChat: Signal<CallConversation | null>;
  /** Connection quality of the current call, null without a connection. */
  readonly quality: Signal<Quality | null>;
  /**
   * How long the call that ended last was connected (ms), for the
   * end-of-call view; null when it never connected.
   */
  readonly endedCallMs: Signal<number | null>;
  /** Whether an incoming call rings out loud (the person's setting). */
  readonly ringtone: Signal<boolean>;
}

/** Fresh state for a session in `room`: offline, nobody, no call. */
export function createSessionState(room = ""): SessionState {
  return {
    room,
    relayStatus: signal<RelayStatus>("offline"),
    me: signal<string | null>(null),
    users: signal<UserInfo[]>([]),
    chat: signal<ChatLine[]>([]),
    call: signal<CallSnapshot>(IDLE_CALL),
    notices: signal<Notice[]>([]),
    nameError: signal<string | null>(null),
    pendingName: signal<string | null>(null),
    savedName: signal<string | null>(null),
    devices: signal<DeviceList>({ audio: [], video: [], output: [] }),
    prefs: signal<CallPrefs>({ ...DEFAULT_PREFS }),
    callChat: signal<CallConversation | null>(null),
    quality: signal<Quality | null>(null),
    endedCallMs: signal<number | null>(null),
    ringtone: signal(true),
  };
}
