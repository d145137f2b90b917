/**
 * The page session: wires the signaling client and the call controller to
 * the shared signals, and offers the actions islands call (log in, chat,
 * call, hang up, devices).
 *
 * Data path: socket frame → `SignalingClient` → here (presence, chat,
 * errors) or `CallController` (calls) → signals → islands.
 *
 * Across reconnects: every login carries the resume token of the last
 * `welcome` and, during a call, a claim on it; the status stays
 * "reconnecting" until the server welcomes us again. Name and token are
 * saved per tab (`saved_session.ts`) so a reload joins again by itself.
 */
import { CallController, type CallDeps, type CallSnapshot } from "./call.ts";
import { IceRefresh } from "./ice_refresh.ts";
import { groupDevices } from "./media.ts";
import type { PeerConnectionLike, StreamLike } from "./peer.ts";
import type { ServerMessage } from "./protocol.ts";
import { sampleQuality } from "./quality_sampler.ts";
import { sendChangesRestartReceiving } from "./video_start.ts";
import { applyPresence, sortedUsers } from "./roster.ts";
import {
  forgetSession,
  type KeyValueStore,
  loadSavedSession,
  saveSession,
} from "./saved_session.ts";
import {
  REPLACED_CLOSE_CODE,
  SignalingClient,
  type SignalingOptions,
} from "./signaling.ts";
import {
  call,
  chat,
  chosenDevices,
  connection,
  devices,
  me,
  nameError,
  type Notice,
  notices,
  pendingName,
  quality,
  roomName,
  users,
} from "./state.ts";
import {
  chatDisplayText,
  droppedChatText,
  endReasonText,
  MAX_CHAT,
  nameProblem,
  renamedText,
} from "./text.ts";
import { realTimers, type Timers } from "./timers.ts";

/** How long a notice stays on screen. */
const NOTICE_MS = 8_000;
/** How long the "call ended" screen stays before going back to idle. */
const ENDED_MS = 4_000;
/** Chat lines kept in memory. */
const CHAT_LIMIT = 500;
/** Shown next to the name form when the server turns a login away. */
export const ROOM_FULL_TEXT =
  "This room is full. Try again in a while, or use another room.";

/** What a session is built from; the browser defaults come from {@link browserSession}. */
export interface SessionOptions {
  room: string;
  signaling: SignalingOptions;
  call: Omit<CallDeps, "send" | "onChange" | "onNotice" | "myName">;
  timers?: Timers;
  /** `navigator.mediaDevices.enumerateDevices`, when available. */
  enumerateDevices?: () => Promise<MediaDeviceInfo[]>;
  /** Where name and resume token are kept for a reload (`sessionStorage`). */
  storage?: KeyValueStore | null;
  /** Time between connection-quality readings during a call. */
  qualityIntervalMs?: number;
}

/** Call phases during which ICE servers may be needed. */
const ACTIVE_PHASES = new Set([
  "outgoing",
  "incoming",
  "connecting",
  "connected",
]);

/** One person's presence in one room; see the module doc. */
export class Session {
  /** The underlying signaling connection. */
  readonly signaling: SignalingClient;
  /** The call controller. */
  readonly calls: CallController;
  #options: SessionOptions;
  #timers: Timers;
  #resume: string | undefined;
  #loginName: string | null = null;
  #noticeId = 0;
  #chatId = 0;
  #endedTimer: number | undefined;
  #lastPhase = "idle";
  /** ICE servers, and their renewal during a call. */
  readonly #ice: IceRefresh;
  #stopQuality: (() => void) | null = null;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
    roomName.value = options.room;
    this.signaling = new SignalingClient({
      timers: this.#timers,
      ...options.signaling,
    });
    this.calls = new CallController({
      timers: this.#timers,
      ...options.call,
      send: (msg) => this.signaling.send(msg),
      myName: () => me.value,
      onChange: (snap) => this.#onCall(snap),
      onNotice: (n) => this.notify(n.tone, n.text),
      onPeerConnection: (pc) => {
        options.call.onPeerConnection?.(pc);
        this.#watchQuality(pc);
      },
    });
    this.#ice = new IceRefresh({
      timers: this.#timers,
      request: () => this.signaling.send({ type: "ice-servers" }),
      apply: (servers) => this.calls.setIceServers(servers),
    });
    this.signaling.onStatus((status, detail) => {
      if (status === "open") {
        // A socket that opened again is not "connected" until the server
        // has welcomed us back: keep saying "reconnecting" until then.
        if (connection.value !== "reconnecting") {
          connection.value = "connecting";
        }
        this.#sendLogin();
      } else if (status === "reconnecting") {
        connection.value = "reconnecting";
      } else if (status === "connecting") {
        connection.value = "connecting";
      } else {
        connection.value = "offline";
        if (detail.code === REPLACED_CLOSE_CODE) {
          this.notify(
            "error",
            "You joined again from another tab or window, so this one is disconnected. Reload to use this one.",
          );
        }
      }
    });
    this.signaling.onMessage((msg) => this.#onMessage(msg));
  }

  /** Joins the room under `name` (connecting first if needed). */
  login(name: string): boolean {
    const problem = nameProblem(name);
    if (problem) {
      nameError.value = problem;
      return false;
    }
    nameError.value = null;
    this.#loginName = name.normalize("NFC").trim();
    pendingName.value = this.#loginName;
    if (this.signaling.status === "open") this.#sendLogin();
    else this.signaling.start();
    return true;
  }

  /**
   * Joins again under the name saved for this room by an earlier visit in
   * this tab, with its resume token when `withToken` (see
   * `saved_session.ts` for why a duplicated tab must not use it). Returns
   * false when nothing was saved.
   */
  resumeSaved({ withToken = true } = {}): boolean {
    const saved = loadSavedSession(
      this.#options.storage ?? null,
      this.#options.room,
      { withToken },
    );
    if (!saved) return false;
    this.#resume = saved.resume;
    return this.login(saved.name);
  }

  /**
   * Calls someone from the user list. If that person is ringing us right
   * now, this answers their call instead of crossing it with a second one.
   */
  callUser(name: string, audioOnly = false): boolean {
    const snap = this.calls.snapshot;
    if (snap.phase === "incoming" && snap.peer === name) {
      this.calls.accept();
      return true;
    }
    return this.calls.call(name, { audioOnly });
  }

  /** Sends a chat message; false (with a notice) when it could not go. */
  sendChat(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed) return false;
    if (trimmed.length > MAX_CHAT) {
      this.notify("error", `Messages can be at most ${MAX_CHAT} characters.`);
      return false;
    }
    if (!me.value || !this.signaling.send({ type: "chat", text: trimmed })) {
      this.notify("error", "Not connected: the message was not sent.");
      return false;
    }
    return true;
  }

  /** Shows a status line in the live region for a while. */
  notify(tone: Notice["tone"], text: string): void {
    const id = ++this.#noticeId;
    notices.value = [...notices.value.slice(-2), { id, tone, text }];
    this.#timers.setTimeout(() => this.dismissNotice(id), NOTICE_MS);
  }

  /** Removes a notice before its time. */
  dismissNotice(id: number): void {
    notices.value = notices.value.filter((n) => n.id !== id);
  }

  /** Chooses a microphone or camera (switching mid-call). */
  async chooseDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    chosenDevices.value = { ...chosenDevices.value, [kind]: deviceId };
    await this.calls.selectDevice(kind, deviceId);
  }

  /** Re-reads the device list (after permission, or on devicechange). */
  async refreshDevices(): Promise<void> {
    if (!this.#options.enumerateDevices) return;
    try {
      devices.value = groupDevices(await this.#options.enumerateDevices());
    } catch {
      // Listing devices is a nicety; the defaults still work.
    }
  }

  /** Leaves: hangs up and closes the socket. */
  close(): void {
    this.calls.hangup();
    this.calls.dispose();
    this.signaling.stop();
    this.#ice.dispose();
    this.#watchQuality(null);
  }

  #sendLogin(): void {
    const name = me.value ?? this.#loginName;
    if (!name) return;
    const claim = this.calls.claim;
    this.signaling.send({
      type: "login",
      name,
      ...(this.#resume ? { resume: this.#resume } : {}),
      ...(claim ? { call: claim } : {}),
    });
  }

  #onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case "welcome": {
        // Several signals change here; Preact renders once for all of them.
        const was = me.value;
        me.value = msg.name;
        pendingName.value = null;
        nameError.value = null;
        users.value = sortedUsers(msg.users);
        connection.value = "connected";
        if (msg.renamed && was !== msg.name) {
          this.notify(
            "info",
            renamedText(
              was ?? this.#loginName ?? msg.name,
              msg.name,
              msg.users.map((u) => u.name),
            ),
          );
        }
        this.#resume = msg.resume;
        saveSession(this.#options.storage ?? null, this.#options.room, {
          name: msg.name,
          resume: msg.resume,
        });
        this.#ice.received(msg.iceServers ?? []);
        this.calls.onWelcome(msg);
        return;
      }
      case "ice-servers":
        this.#ice.received(msg.iceServers ?? []);
        return;
      case "presence":
        users.value = applyPresence(users.value, msg, me.value);
        return;
      case "chat": {
        const line = {
          id: ++this.#chatId,
          from: msg.from,
          // The server neutralises chat already; one more pass (a regex
          // test when there is nothing to remove) keeps a server from
          // before that rule from reversing text on screen.
          text: chatDisplayText(msg.text),
          at: msg.at,
          mine: msg.from === me.value,
        };
        chat.value = [...chat.value.slice(-(CHAT_LIMIT - 1)), line];
        return;
      }
      case "chat-dropped": {
        if (!Number.isInteger(msg.count) || msg.count < 1) return;
        const line = {
          id: ++this.#chatId,
          from: "",
          text: droppedChatText(msg.count),
          at: this.#timers.now(),
          mine: false,
          notice: true,
        };
        chat.value = [...chat.value.slice(-(CHAT_LIMIT - 1)), line];
        return;
      }
      case "error": {
        const wasRingingOut = this.calls.snapshot.phase === "outgoing";
        this.calls.handle(msg);
        // `in-call` while we ring someone who rings us too: the controller
        // took their call instead, which connects, so it is no error to show.
        const tookCrossingCall = msg.code === "in-call" && wasRingingOut &&
          this.calls.snapshot.direction === "incoming";
        if (!tookCrossingCall) this.#onError(msg.code, msg.message);
        return;
      }
      default:
        this.calls.handle(msg);
    }
  }

  #onError(code: string, message: string): void {
    switch (code) {
      case "bad-name":
        me.value = null;
        pendingName.value = null;
        this.#loginName = null;
        this.#resume = undefined;
        forgetSession(this.#options.storage ?? null, this.#options.room);
        // The socket is up and waits for a better name: say so, rather
        // than "Connecting…" for ever.
        if (this.signaling.status === "open") connection.value = "connected";
        nameError.value = message || "That name cannot be used.";
        return;
      case "room-full":
        // Not let in: back to the name form, which says why. The socket
        // stays open, so joining again later is one click.
        me.value = null;
        pendingName.value = null;
        this.#loginName = null;
        if (this.signaling.status === "open") connection.value = "connected";
        nameError.value = ROOM_FULL_TEXT;
        return;
      case "rate-limited":
        this.notify("error", "Slow down a little: too many messages.");
        return;
      case "text-too-long":
        this.notify("error", `Messages can be at most ${MAX_CHAT} characters.`);
        return;
      case "already-logged-in":
      case "no-call":
        // Harmless races (a re-sent login, a candidate after hang-up).
        return;
      default:
        this.notify("error", message || code);
    }
  }

  #onCall(snap: CallSnapshot): void {
    const previous = this.#lastPhase;
    this.#lastPhase = snap.phase;
    call.value = snap;
    if (snap.phase === "ended" && previous !== "ended") {
      this.notify(
        snap.endReason === "hangup" || snap.endedByMe ? "info" : "error",
        endReasonText(snap.endReason, snap.peer, snap.endedByMe),
      );
      this.#timers.clearTimeout(this.#endedTimer);
      this.#endedTimer = this.#timers.setTimeout(
        () => this.calls.dismiss(),
        ENDED_MS,
      );
    }
    if (snap.localStream && previous !== snap.phase) void this.refreshDevices();
    const wasActive = ACTIVE_PHASES.has(previous);
    const active = ACTIVE_PHASES.has(snap.phase);
    if (active && !wasActive) this.#ice.callStarted();
    else if (!active && wasActive) this.#ice.callEnded();
  }

  /** Samples connection quality while a peer connection exists. */
  #watchQuality(pc: PeerConnectionLike | null): void {
    this.#stopQuality?.();
    this.#stopQuality = null;
    quality.value = null;
    if (!pc?.getStats) return;
    this.#stopQuality = sampleQuality({ getStats: () => pc.getStats!() }, {
      timers: this.#timers,
      intervalMs: this.#options.qualityIntervalMs,
      onQuality: (q) => {
        quality.value = q;
      },
    });
  }
}

let current: Session | null = null;

/** The session of this page, if one was started. */
export function getSession(): Session | null {
  return current;
}

/** The signaling URL for a room, on the page's own host. */
export function socketUrl(location: Location, room: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = room ? `?room=${encodeURIComponent(room)}` : "";
  return `${scheme}//${location.host}/ws${query}`;
}

// The DOM's handler types are narrower than StreamLike's on purpose (fakes
// fire plain Events); the shapes match at run time.
function asStream(p: Promise<MediaStream>): Promise<StreamLike> {
  return p as unknown as Promise<StreamLike>;
}

function exposePeerConnection(pc: PeerConnectionLike | null): void {
  // For end-to-end tests (getStats); absent when there is no call.
  const g = globalThis as { __parleyPc?: PeerConnectionLike };
  if (pc) g.__parleyPc = pc;
  else delete g.__parleyPc;
}

/**
 * `?relay=1` in the page URL: send all media through the TURN server
 * (`iceTransportPolicy: "relay"`). It hides this browser's addresses from
 * the other person and lets tests prove the relay works; it can only make a
 * call fail to connect when no TURN server is configured, never leak more.
 */
export function relayForced(search: string): boolean {
  return new URLSearchParams(search).get("relay") === "1";
}

/** Whether this page load is a reload (not a new or duplicated tab). */
function pageWasReloaded(): boolean {
  const [nav] = performance.getEntriesByType?.("navigation") ?? [];
  return (nav as PerformanceNavigationTiming | undefined)?.type === "reload";
}

function sessionStore(): KeyValueStore | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    // Access can throw (storage disabled for the site).
    return null;
  }
}

/**
 * Starts (once) the browser session for this page, in `room` ("" for the
 * lobby; the page's route knows it). Safe to call from every island's
 * effect; does nothing outside a browser. A name saved by an earlier visit
 * in this tab joins again at once.
 */
export function browserSession(room = ""): Session | null {
  if (current) return current;
  if (typeof document === "undefined" || typeof WebSocket === "undefined") {
    return null;
  }
  const media = navigator.mediaDevices;
  current = new Session({
    room,
    signaling: { url: socketUrl(location, room) },
    call: {
      createPeerConnection: (config) =>
        new RTCPeerConnection(config) as unknown as PeerConnectionLike,
      getUserMedia: (c) =>
        media
          ? asStream(media.getUserMedia(c))
          : Promise.reject(new DOMException("no media", "TypeError")),
      getDisplayMedia: media?.getDisplayMedia
        ? (c) => asStream(media.getDisplayMedia(c))
        : undefined,
      createStream: () => new MediaStream() as unknown as StreamLike,
      onPeerConnection: exposePeerConnection,
      iceTransportPolicy: relayForced(location.search) ? "relay" : undefined,
      startVideoSmall: !sendChangesRestartReceiving(navigator.userAgent),
    },
    enumerateDevices: media ? () => media.enumerateDevices() : undefined,
    storage: sessionStore(),
  });
  const session = current;
  addEventListener("online", () => session.signaling.reconnectNow());
  addEventListener("pagehide", () => session.close());
  // Back from the back/forward cache: the session was closed on pagehide
  // (so the name was freed at once); join again as if reloaded.
  addEventListener("pageshow", (ev) => {
    if ((ev as PageTransitionEvent).persisted) session.resumeSaved();
  });
  media?.addEventListener?.(
    "devicechange",
    () => void session.refreshDevices(),
  );
  void session.refreshDevices();
  session.resumeSaved({ withToken: pageWasReloaded() });
  return session;
}
