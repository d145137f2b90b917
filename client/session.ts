/**
 * One person's presence in one room, made by {@link createSession}: it wires
 * a relay client and a call controller to a fresh set of signals
 * (`state.ts`) and offers the actions the views need (join, chat, call,
 * answer, hang up, devices, screen). Nothing lives at module level, so a
 * page could hold two sessions; the browser's one is started by
 * `browser_session.ts`.
 *
 * Data path: socket frame → `RelayClient` → here (presence, chat,
 * errors) or `CallController` (calls) → signals → islands.
 *
 * Across reconnects: every login carries the resume token of the last
 * `welcome` and, during a call, a claim on it; the status stays
 * "reconnecting" until the server welcomes us again. Name and token are
 * saved per tab (`saved_session.ts`) so a reload joins again by itself.
 */
import { batch } from "@preact/signals";
import { CallController, type CallSnapshot } from "./call.ts";
import { type CallOutcome, OUTCOME_GROUP, outcomeOf } from "./call_outcome.ts";
import { IceRefresh } from "./ice_refresh.ts";
import {
  type KeptCallMedia,
  loadCallMedia,
  saveCallMedia,
} from "./kept_call_media.ts";
import { groupDevices } from "./media.ts";
import type { PeerConnectionLike } from "./peer.ts";
import type { ServerMessage } from "./protocol.ts";
import { sampleQuality } from "./quality_sampler.ts";
import { loadRingtoneOn, saveRingtoneOn } from "./ringing_tone.ts";
import { applyPresence, sortedUsers } from "./roster.ts";
import {
  forgetSession,
  loadLastName,
  loadSavedSession,
  saveSession,
} from "./saved_session.ts";
import { errorOutcome } from "./server_errors.ts";
import type { Session, SessionOptions } from "./session_api.ts";
import { sessionChat } from "./session_chat.ts";
import { sessionMedia } from "./session_media.ts";
import {
  AWAY_IN_CALL_CLOSE_CODE,
  RelayClient,
  REPLACED_CLOSE_CODE,
} from "./relay_client.ts";
import { createSessionState, type Notice } from "./state.ts";
import {
  EMPTY_NAME,
  fillTemplate,
  missedCallTemplate,
  renamedText,
} from "./text.ts";
import { realTimers } from "./timers.ts";

export { ROOM_FULL_TEXT } from "./server_errors.ts";
export type { Session, SessionActions, SessionOptions } from "./session_api.ts";

/** How long a notice stays on screen. */
const NOTICE_MS = 8_000;
/** How long the "call ended" screen stays before going back to idle. */
const ENDED_MS = 4_000;

/** Call phases during which ICE servers may be needed. */
const ACTIVE_PHASES = new Set([
  "outgoing",
  "incoming",
  "connecting",
  "connected",
]);

/** A new session for `options.room`; see the module doc. */
export function createSession(options: SessionOptions): Session {
  const state = createSessionState(options.room);
  const timers = options.timers ?? realTimers;
  const store = options.storage ?? null;
  let resume: string | undefined;
  let loginName: string | null = null;
  let noticeId = 0;
  let endedTimer: number | undefined;
  let lastPhase = "idle";
  /** When the current call's media connected (null: not yet, or no call). */
  let connectedAt: number | null = null;
  let stopQuality: (() => void) | null = null;
  /** What `keepCallMedia` last wrote. */
  let kept: KeptCallMedia | null = null;

  state.savedName.value = loadLastName(store);
  state.ringtone.value = loadRingtoneOn(options.prefs ?? null);

  const relay = new RelayClient({ timers, ...options.relay });
  const calls = new CallController({
    timers,
    ...options.call,
    send: (msg) => relay.send(msg),
    myName: () => state.me.value,
    onChange: onCall,
    onNotice: (n) => notify(n.tone, n.text),
    onPeerChat: (text) => chat.peerSaid(text),
    keptMedia: (callId) => loadCallMedia(store, options.room, callId),
    onPeerConnection: (pc) => {
      options.call.onPeerConnection?.(pc);
      watchQuality(pc);
    },
  });
  const chat = sessionChat({
    state,
    timers,
    notify,
    sendRoom: (text) => relay.send({ type: "chat", text }),
    sendPrivate: (text) => calls.sendCallChat(text),
  });
  const media = sessionMedia({
    state,
    calls,
    getUserMedia: options.call.getUserMedia,
    prefs: options.prefs ?? null,
  });
  const ice = new IceRefresh({
    timers,
    request: () => relay.send({ type: "ice-servers" }),
    apply: (servers) => calls.setIceServers(servers),
  });

  relay.onStatus((status, detail) => {
    const { relayStatus } = state;
    if (status === "open") {
      // A socket that opened again is not "connected" until the server
      // has welcomed us back: keep saying "reconnecting" until then.
      if (relayStatus.value !== "reconnecting") {
        relayStatus.value = "connecting";
      }
      sendLogin();
    } else if (status === "reconnecting" || status === "connecting") {
      relayStatus.value = status;
    } else {
      relayStatus.value = "offline";
      if (detail.code === REPLACED_CLOSE_CODE) {
        notify(
          "error",
          "You joined again from another tab or window, so this one is disconnected. Reload to use this one.",
        );
      }
    }
  });
  relay.onMessage(onMessage);

  /**
   * Sends `name` as typed: the server checks it (`signaling/text_rules.ts`)
   * and answers with the canonical form, or with a sentence saying what to
   * change, which `onError` shows by the form. Only a blank name is not
   * worth the round trip.
   */
  function join(name: string): boolean {
    const blank = name.trim() === "";
    state.nameError.value = blank ? EMPTY_NAME : null;
    if (blank) return false;
    loginName = name;
    state.pendingName.value = loginName;
    if (relay.status === "open") sendLogin();
    else relay.start();
    return true;
  }

  /**
   * Shows a notice for {@link NOTICE_MS}. One of a `group` replaces the one
   * before it, so that, say, a declined call then a cancelled one read as
   * the latest news rather than a pile.
   */
  function notify(tone: Notice["tone"], text: string, group?: string): void {
    const id = ++noticeId;
    const kept = group
      ? state.notices.value.filter((n) => n.group !== group)
      : state.notices.value;
    state.notices.value = [...kept.slice(-2), {
      id,
      tone,
      text,
      ...(group ? { group } : {}),
    }];
    timers.setTimeout(() => dismissNotice(id), NOTICE_MS);
  }

  function dismissNotice(id: number): void {
    state.notices.value = state.notices.value.filter((n) => n.id !== id);
  }

  async function refreshDevices(): Promise<void> {
    if (!options.enumerateDevices) return;
    try {
      state.devices.value = groupDevices(await options.enumerateDevices());
    } catch {
      // Listing devices is a nicety; the defaults still work.
    }
  }

  function sendLogin(): void {
    const name = state.me.value ?? loginName;
    if (!name) return;
    const claim = calls.claim;
    relay.send({
      type: "login",
      name,
      ...(resume ? { resume } : {}),
      ...(claim ? { call: claim } : {}),
    });
  }

  function onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case "welcome":
        // Several signals change here; one batch, one render.
        return batch(() => onWelcome(msg));
      case "ice-servers":
        return ice.received(msg.iceServers ?? []);
      case "presence":
        state.users.value = applyPresence(
          state.users.value,
          msg,
          state.me.value,
        );
        return;
      case "chat":
      case "chat-dropped":
        return chat.received(msg);
      case "error": {
        // The server refuses one of two crossing calls; when it is ours, the
        // controller takes theirs, so that refusal is no error to show.
        const crossing = calls.takesCrossingOnRefusal(msg.code);
        calls.handle(msg);
        if (!crossing) onError(msg.code, msg.message);
        return;
      }
      default:
        calls.handle(msg);
    }
  }

  function onWelcome(msg: Extract<ServerMessage, { type: "welcome" }>): void {
    const was = state.me.value;
    state.me.value = msg.name;
    state.pendingName.value = null;
    state.nameError.value = null;
    state.users.value = sortedUsers(msg.users);
    state.relayStatus.value = "connected";
    // `renamed` is also true when the server only normalised what we typed
    // (NFC, trimmed): that is no news.
    const asked = was ?? loginName?.normalize("NFC").trim() ?? msg.name;
    if (msg.renamed && asked !== msg.name) {
      const names = msg.users.map((u) => u.name);
      notify("info", renamedText(asked, msg.name, names));
    }
    resume = msg.resume;
    saveSession(store, options.room, { name: msg.name, resume: msg.resume });
    state.savedName.value = msg.name;
    ice.received(msg.iceServers ?? []);
    calls.onWelcome(msg);
  }

  function onError(code: string, message: string): void {
    const outcome = errorOutcome(code, message);
    if (outcome.show === "notice") notify("error", outcome.text);
    if (outcome.show !== "name") return;
    state.me.value = null;
    state.pendingName.value = null;
    loginName = null;
    if (outcome.forget) {
      resume = undefined;
      forgetSession(store, options.room);
    }
    // The socket is up and waits for a better name: say so, rather than
    // "Connecting…" for ever.
    if (relay.status === "open") state.relayStatus.value = "connected";
    state.nameError.value = outcome.text;
  }

  function onCall(snap: CallSnapshot): void {
    const previous = lastPhase;
    lastPhase = snap.phase;
    const outcome = snap.phase === "ended" && previous !== "ended"
      ? outcomeOf(snap, connectedAt, timers.now())
      : null;
    // An ended call's snapshot no longer says when it connected: keep it.
    connectedAt = snap.connectedAt;
    batch(() => {
      if (outcome) state.endedCallMs.value = outcome.durationMs;
      state.call.value = snap;
      chat.followCall(snap);
    });
    if (outcome) onCallEnded(outcome);
    keepCallMedia(snap);
    if (snap.localStream && previous !== snap.phase) void refreshDevices();
    const wasActive = ACTIVE_PHASES.has(previous);
    const active = ACTIVE_PHASES.has(snap.phase);
    if (active && !wasActive) ice.callStarted();
    else if (!active && wasActive) ice.callEnded();
  }

  /**
   * Mute and camera-off of the call, for a reload in the middle of it;
   * written only when they change, not on every snapshot.
   */
  function keepCallMedia(snap: CallSnapshot): void {
    const { callId, micMuted, cameraOff, phase } = snap;
    if (!callId || (phase !== "connecting" && phase !== "connected")) return;
    if (
      kept?.callId === callId && kept.micMuted === micMuted &&
      kept.cameraOff === cameraOff
    ) return;
    kept = { callId, micMuted, cameraOff };
    saveCallMedia(store, options.room, kept);
  }

  function onCallEnded(outcome: CallOutcome): void {
    notify(outcome.notice.tone, outcome.notice.text, OUTCOME_GROUP);
    // The notice goes after a while; the chat log keeps the missed call.
    if (outcome.missed) {
      const { peer, audioOnly } = outcome.missed;
      chat.addRoomLine({
        from: peer,
        text: fillTemplate(missedCallTemplate(audioOnly), peer),
        at: timers.now(),
        mine: false,
        missed: outcome.missed,
      });
    }
    timers.clearTimeout(endedTimer);
    endedTimer = timers.setTimeout(() => calls.dismiss(), ENDED_MS);
  }

  /** Samples connection quality while a peer connection exists. */
  function watchQuality(pc: PeerConnectionLike | null): void {
    stopQuality?.();
    stopQuality = null;
    state.quality.value = null;
    if (!pc?.getStats) return;
    stopQuality = sampleQuality({ getStats: () => pc.getStats!() }, {
      timers,
      intervalMs: options.qualityIntervalMs,
      onQuality: (q) => {
        state.quality.value = q;
      },
    });
  }

  return {
    state,
    join,
    resumeSaved({ withToken = true } = {}) {
      const saved = loadSavedSession(store, options.room, { withToken });
      if (!saved) return false;
      resume = saved.resume;
      return join(saved.name);
    },
    call(name, audioOnly = false) {
      const snap = calls.snapshot;
      if (snap.phase === "incoming" && snap.peer === name) {
        calls.accept();
        return true;
      }
      return calls.call(name, { audioOnly });
    },
    accept: (options) => calls.accept(options),
    decline: () => calls.decline(),
    hangUp: () => calls.hangup(),
    dismissCall: () => calls.dismiss(),
    saySafety: (match) => calls.saySafety(match),
    setMicMuted: (muted) => calls.setMicMuted(muted),
    setCameraOff: (off) => calls.setCameraOff(off),
    ...media,
    canShareScreen: () => calls.canShareScreen,
    startScreenShare: () => calls.startScreenShare(),
    stopScreenShare: () => calls.stopScreenShare(),
    ...chat.actions,
    notify,
    dismissNotice,
    refreshDevices,
    setRingtone(on) {
      state.ringtone.value = on;
      saveRingtoneOn(options.prefs ?? null, on);
    },
    reconnectNow: () => relay.reconnectNow(),
    close() {
      // Away in an accepted call (a reload, most likely; the page cannot
      // tell a reload from a closing tab): no hang-up, and a close that
      // keeps the session, so the page that loads next rejoins the call
      // (`call/restore.ts`) and the peer sees "Reconnecting…" meanwhile. A
      // tab closed for good ends the call when the grace period runs out.
      const phase = calls.snapshot.phase;
      const inCall = phase === "connecting" || phase === "connected";
      if (!inCall) calls.hangup();
      calls.dispose();
      if (inCall) relay.stop(AWAY_IN_CALL_CLOSE_CODE, "away in a call");
      else relay.stop();
      ice.dispose();
      watchQuality(null);
    },
  };
}
