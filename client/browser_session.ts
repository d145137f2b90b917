/**
 * The browser's session for the page: real WebSocket, WebRTC, media devices
 * and `sessionStorage`, plus the page events that matter to it (going
 * online, leaving, coming back from the back/forward cache, devices
 * plugged in), and the ringing tones. The island that owns the app
 * (`islands/Parley.tsx`) calls {@link startBrowserSession} once, after
 * hydration.
 */
import { type AttentionDeps, watchAttention } from "./attention/watch.ts";
import { effect } from "@preact/signals";
import type { PeerConnectionLike, StreamLike } from "./peer.ts";
import { toneFor } from "./ringing_tone.ts";
import { loadCertificate } from "./safety/certificate.ts";
import { verifiedNames } from "./safety/verified_store.ts";
import type { KeyValueStore } from "./saved_session.ts";
import { createSession, type Session } from "./session.ts";
import { realTimers } from "./timers.ts";
import { TonePlayer } from "./tone_player.ts";
import { sendChangesRestartReceiving } from "./video_start.ts";

/** The relay socket URL for a room, on the page's own host. */
export function socketUrl(location: Location, room: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = room ? `?room=${encodeURIComponent(room)}` : "";
  return `${scheme}//${location.host}/ws${query}`;
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

/** Whether this page load is a reload (not a new or duplicated tab). */
function pageWasReloaded(): boolean {
  const [nav] = performance.getEntriesByType?.("navigation") ?? [];
  return (nav as PerformanceNavigationTiming | undefined)?.type === "reload";
}

function store(kind: "sessionStorage" | "localStorage"): KeyValueStore | null {
  try {
    return globalThis[kind] ?? null;
  } catch {
    // Access can throw (storage disabled for the site).
    return null;
  }
}

/** The browser's parts for a ringing call's cues (`attention/`). */
function attentionDeps(): AttentionDeps {
  const api = typeof Notification === "undefined" ? null : Notification;
  // Without storage (disabled for the site), "Not now" lasts for this page.
  const storage = store("localStorage");
  return {
    doc: document,
    timers: realTimers,
    vibrate: navigator.vibrate?.bind(navigator),
    mayVibrate: () => navigator.userActivation?.hasBeenActive ?? true,
    notifications: api && {
      permission: () => api.permission,
      request: () => api.requestPermission(),
      maxActions: (api as { maxActions?: number }).maxActions ?? 0,
    },
    serviceWorker: navigator.serviceWorker ?? null,
    storage,
    pageUrl: () => location.href,
  };
}

/** Gestures that let a page make sound from then on (user activation). */
const GESTURES = ["pointerdown", "pointerup", "keydown"];

/**
 * Rings while the call rings: the tone follows the call's phase and the
 * ringtone setting. The AudioContext is made on the person's first gesture
 * (usually the Join click, or Enter in the name field), which autoplay
 * rules require; if it cannot be, nothing sounds. The player lives as long
 * as the page, so it is never disposed: it falls silent with the call
 * (pagehide closes the session, which ends the call).
 */
function ringTones(session: Session): void {
  if (typeof AudioContext === "undefined") return;
  const player = new TonePlayer({ createContext: () => new AudioContext() });
  const unlock = () => {
    if (!player.unlock()) return;
    for (const g of GESTURES) removeEventListener(g, unlock, true);
  };
  for (const g of GESTURES) addEventListener(g, unlock, true);
  const { call, ringtone } = session.state;
  effect(() => player.play(toneFor(call.value, { ringtone: ringtone.value })));
}

/**
 * Starts the browser session for this page, in `room` ("" for the lobby;
 * the page's route knows it), or returns null outside a browser. A name
 * saved by an earlier visit in this tab joins again at once. Each call
 * starts a new session: call it once per page.
 */
export function startBrowserSession(room = ""): Session | null {
  if (typeof document === "undefined" || typeof WebSocket === "undefined") {
    return null;
  }
  const media = navigator.mediaDevices;
  // Loaded long before anyone can place or take a call; a connection made
  // sooner gets a certificate of its own.
  let certificate: RTCCertificate | null = null;
  void loadCertificate().then((c) => certificate = c);
  const session = createSession({
    room,
    relay: { url: socketUrl(location, room) },
    call: {
      createPeerConnection: (config) =>
        new RTCPeerConnection(
          certificate ? { ...config, certificates: [certificate] } : config,
        ) as unknown as PeerConnectionLike,
      verified: verifiedNames(store("localStorage"), room),
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
    storage: store("sessionStorage"),
    prefs: store("localStorage"),
  });
  ringTones(session);
  addEventListener("online", () => session.reconnectNow());
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
  const attention = watchAttention(session, attentionDeps());
  session.resumeSaved({ withToken: pageWasReloaded() });
  return Object.assign(session, { notificationPrompt: attention.prompt });
}
