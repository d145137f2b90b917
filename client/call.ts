/**
 * The call controller: one 1:1 call at a time, from ringing to cleanup.
 *
 * Phases: `idle` → `outgoing` (we ring) or `incoming` (we are rung) →
 * `connecting` (accepted, negotiating) → `connected` (media path up) →
 * `ended` (shows why) → `idle` (after {@link CallController.dismiss} or the
 * next call).
 *
 * Speed without leaking SDP: the caller makes the offer while it rings
 * (media, connection, tracks, candidates), but every `signal` waits in an
 * outbox until `accepted`; then the offer leaves at once, listing the
 * candidates gathered meanwhile. The callee opens its media and its
 * connection while the prompt shows, adds its tracks to the offered
 * transceivers and answers, so there is exactly one offer/answer round, and
 * nothing of the callee (not even its address) reaches the caller before
 * Accept. The answerer sets up its video sender when it answers, before
 * the connection is up, so its first camera frame after that is sent; the
 * offerer's sender only starts once the answer is applied, which costs a
 * frame (50 ms at 20 fps). So the callee's picture, the one the caller
 * waits for, comes first.
 *
 * Surviving the signaling socket: media is peer-to-peer, so a call is never
 * torn down because the socket blinked. Signals made meanwhile wait in the
 * outbox. After the next `welcome` the call goes on if the server resumed
 * the session; after a server restart the login claims the call
 * ({@link CallController.claim}) and signals wait until `call-restored`.
 */
import { watchIce } from "./ice_watch.ts";
import { openLocalMedia, toMediaError, trackConstraints } from "./media.ts";
import {
  foldCandidates,
  Negotiator,
  toWireDescription,
} from "./negotiation.ts";
import {
  type GetDisplayMedia,
  type GetUserMedia,
  PC_HANDLERS,
  type PeerConnectionFactory,
  type PeerConnectionLike,
  type SenderLike,
  type StreamLike,
  type TrackLike,
} from "./peer.ts";
import type {
  CallClaim,
  ClientMessage,
  EndReason,
  ServerMessage,
  SignalPayload,
  WelcomeMessage,
} from "./protocol.ts";
import { realTimers, type Timers } from "./timers.ts";
import { SMALL_START_MS, startSmall } from "./video_start.ts";

/** Where a call is in its life. */
export type CallPhase =
  | "idle"
  | "outgoing"
  | "incoming"
  | "connecting"
  | "connected"
  | "ended";

/**
 * Why a call ended: the server's reasons, plus `media-error` (our camera or
 * microphone could not be opened), `failed` (the connection could not be
 * (re)established), `unavailable` (the server refused the call),
 * `interrupted` (it was still ringing when the server forgot it, e.g. a
 * restart) and `not-restored` (after a server restart the peer never
 * claimed the call back).
 */
export type CallEndReason =
  | EndReason
  | "media-error"
  | "failed"
  | "unavailable"
  | "interrupted"
  | "not-restored";

/** Everything a view needs to draw the call; a new object on every change. */
export interface CallSnapshot {
  phase: CallPhase;
  callId: string | null;
  peer: string | null;
  direction: "outgoing" | "incoming" | null;
  audioOnly: boolean;
  endReason: CallEndReason | null;
  /** Whether this side ended the call (hang-up, cancel, decline, or letting it ring out). */
  endedByMe: boolean;
  /** `timers.now()` when media first connected, for the call timer. */
  connectedAt: number | null;
  localStream: StreamLike | null;
  remoteStream: StreamLike | null;
  /** A remote video track exists and is receiving frames. */
  remoteVideoActive: boolean;
  /** Local stream has a camera track. */
  hasCamera: boolean;
  micMuted: boolean;
  cameraOff: boolean;
  screenSharing: boolean;
  /** The screen being shared, for the local preview. */
  screenStream: StreamLike | null;
  /** Latest `iceConnectionState` (`disconnected` means "reconnecting"). */
  iceState: string;
}

/** A message for the person about the call. */
export interface CallNotice {
  tone: "info" | "error";
  text: string;
}

/** What the controller needs from the outside world. */
export interface CallDeps {
  /** Sends a message to the signaling server; false when not connected. */
  send(msg: ClientMessage): boolean;
  createPeerConnection: PeerConnectionFactory;
  getUserMedia: GetUserMedia;
  getDisplayMedia?: GetDisplayMedia;
  /** An empty `MediaStream` (for remote tracks that come without one). */
  createStream(): StreamLike;
  timers?: Timers;
  /** Our own name, to break ties when two people ring each other. */
  myName?(): string | null;
  onChange?(snapshot: CallSnapshot): void;
  onNotice?(notice: CallNotice): void;
  /** The current peer connection, or null; e.g. to expose it to tests. */
  onPeerConnection?(pc: PeerConnectionLike | null): void;
  /** `relay` sends all media through TURN (see `client/README.md`). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Whether the camera's first frames are sent small (`video_start.ts`). */
  startVideoSmall?: boolean;
}

type Kind = "audio" | "video";

interface ActiveCall {
  callId: string | null;
  peer: string;
  direction: "outgoing" | "incoming";
  audioOnly: boolean;
  phase: CallPhase;
  /** The server said `accepted`. */
  accepted?: boolean;
  /**
   * The server lost the call (restart) and we claimed it back in our login:
   * signals wait until `call-restored`, since it would refuse them.
   */
  restoring?: boolean;
  /** We sent `accept`: our signals may follow it. */
  acceptSent?: boolean;
  /** The callee is polite (it yields when offers cross). */
  polite: boolean;
  pc?: PeerConnectionLike | null;
  negotiator?: Negotiator | null;
  stopIce?: (() => void) | null;
  media: Promise<StreamLike | null>;
  stream?: StreamLike | null;
  screen?: TrackLike | null;
  screenStream?: StreamLike | null;
  senders: Map<Kind, SenderLike>;
  tracksAdded?: boolean;
  /** Signals made before accepting, or while the socket was down. */
  outbox: SignalPayload[];
  /** Signals received before the peer connection existed. */
  early: SignalPayload[];
  remote?: StreamLike | null;
  /** The peer's own call to us while we ring them (simultaneous calls). */
  glareIncoming?: string | null;
  connectedAt: number | null;
  iceState: string;
  /** Gives the video sender its full size back (see `video_start.ts`). */
  restoreVideo?: Promise<(() => Promise<void>) | null> | null;
  restoreTimer?: number | undefined;
  /** The callee's fallback offer when the caller's does not come. */
  offerTimer?: number | undefined;
  /**
   * Set while the callee keeps its view as it was, from Accept until its
   * answer is sent (or {@link HOLD_VIEW_MS}): the caller's offer comes right
   * after the server's `accepted`, and redrawing meanwhile kept Chromium's
   * main thread from it for about 40 ms, a quarter of the time from Accept
   * to the first frame.
   */
  holdViewTimer?: number | undefined;
}

interface EndedCall {
  peer: string;
  direction: "outgoing" | "incoming";
  audioOnly: boolean;
  reason: CallEndReason;
  byMe: boolean;
}

/** How long the callee waits for the caller's offer before offering. */
export const OFFER_WAIT_MS = 3_000;

/** The longest the callee's view stays still after Accept. */
export const HOLD_VIEW_MS = 250;

const CALL_ERRORS = new Set([
  "unknown-user",
  "self-call",
  "in-call",
  "not-logged-in",
  "incompatible",
]);

/**
 * What a view needs to draw: the call under way (`c`), else the one that
 * ended (`e`), else no call at all (both null).
 */
export function snapshotOf(
  c: ActiveCall | null,
  e: EndedCall | null,
  micMuted = false,
  cameraOff = false,
): CallSnapshot {
  const remoteVideo = c?.remote?.getVideoTracks()[0];
  return {
    phase: c ? c.phase : e ? "ended" : "idle",
    callId: c?.callId ?? null,
    peer: (c ?? e)?.peer ?? null,
    direction: (c ?? e)?.direction ?? null,
    audioOnly: (c ?? e)?.audioOnly ?? false,
    endReason: e?.reason ?? null,
    endedByMe: e?.byMe ?? false,
    connectedAt: c?.connectedAt ?? null,
    localStream: c?.stream ?? null,
    remoteStream: c?.remote ?? null,
    remoteVideoActive: !!remoteVideo && remoteVideo.muted !== true,
    hasCamera: tracksOf(c?.stream, "video").length > 0,
    micMuted,
    cameraOff,
    screenSharing: !!c?.screen,
    screenStream: c?.screenStream ?? null,
    iceState: c?.iceState ?? "new",
  };
}

/** The tracks of one kind in `stream` (none without a stream). */
function tracksOf(stream: StreamLike | null | undefined, kind: Kind) {
  return (kind === "audio"
    ? stream?.getAudioTracks()
    : stream?.getVideoTracks()) ?? [];
}

function stopAll(stream?: StreamLike | null): void {
  if (!stream) return;
  for (const track of stream.getTracks()) {
    track.onended = null;
    track.stop();
  }
}

/** Runs calls; see the module doc. Independent of any UI framework. */
export class CallController {
  #deps: CallDeps;
  #timers: Timers;
  #c: ActiveCall | null = null;
  #ended: EndedCall | null = null;
  #iceServers: RTCIceServer[] = [];
  #micMuted = false;
  #cameraOff = false;
  #devices: Record<Kind, string | null> = { audio: null, video: null };
  /** A peer we stopped ringing before the server gave us the call id. */
  #cancelOnRinging: string | null = null;
  /** Hang-ups that could not be sent while the socket was down. */
  #deferred: ClientMessage[] = [];

  constructor(deps: CallDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? realTimers;
  }

  /**
   * ICE servers for new peer connections (from `welcome.iceServers` or a
   * refresh). A live connection gets them too, so an ICE restart late in a
   * long call authenticates with credentials that have not expired.
   */
  setIceServers(servers: RTCIceServer[]): void {
    this.#iceServers = servers;
    const pc = this.#c?.pc;
    if (!pc?.setConfiguration) return;
    try {
      pc.setConfiguration({
        ...pc.getConfiguration?.(),
        iceServers: servers,
      });
    } catch (err) {
      // The old servers keep working until their credentials expire.
      console.warn("could not update ICE servers", err);
    }
  }

  /**
   * The call to claim in a login after reconnecting: an accepted call, which
   * the peers keep over their own connection whatever the server knows.
   */
  get claim(): CallClaim | null {
    const c = this.#c;
    return c?.accepted && c.callId
      ? { callId: c.callId, peer: c.peer, polite: c.polite }
      : null;
  }

  /**
   * The server welcomed us (again). With `resumed` it kept our session and
   * any call, and queued what it could not deliver; without, it knows
   * nothing of us: a ringing call is gone, and an accepted one waits for
   * `call-restored` (the login claimed it) or `ended peer-left`.
   */
  onWelcome(welcome: Pick<WelcomeMessage, "resumed" | "call">): void {
    const deferred = this.#deferred;
    this.#deferred = [];
    const c = this.#c;
    if (welcome.resumed) {
      for (const msg of deferred) this.#deps.send(msg);
      if (!c) {
        // We ended it while away, or the page lost it: end it for the peer.
        const callId = welcome.call?.callId;
        const told = deferred.some((m) =>
          m.type === "hangup" && m.callId === callId
        );
        if (callId && !told) this.#deps.send({ type: "hangup", callId });
        return;
      }
      const held = welcome.call;
      c.restoring = false;
      if (held && held.peer === c.peer) {
        if (c.accepted || c.callId === null) c.callId = held.callId;
        if (held.state === "active" && !c.accepted) {
          // Accepted while we were away, and the `accepted` frame went down
          // with the old socket (a queued one arriving later is ignored).
          this.#onAccepted(held.callId, held.peer, held.polite);
          return;
        }
      }
      if (c.accepted) this.#flushOutbox(c);
      return;
    }
    if (!c) return;
    if (c.accepted) {
      c.restoring = true;
      return;
    }
    this.#finish(c, "interrupted", false);
  }

  /** The current state as a fresh object. */
  get snapshot(): CallSnapshot {
    const c = this.#c;
    return snapshotOf(
      c,
      c ? null : this.#ended,
      this.#micMuted,
      this.#cameraOff,
    );
  }

  /**
   * Rings `peer`. Returns false (and says why) when a call is already under
   * way or the server cannot be reached.
   */
  call(peer: string, options: { audioOnly?: boolean } = {}): boolean {
    if (this.#c) {
      this.#notice("error", "Finish the current call first.");
      return false;
    }
    const audioOnly = options.audioOnly ?? false;
    if (!this.#deps.send({ type: "call", to: peer, audioOnly })) {
      this.#notice("error", "Not connected to the server; try again shortly.");
      return false;
    }
    const c = this.#newCall(peer, "outgoing", audioOnly, null);
    // The outbox holds the offer until the callee accepts.
    this.#prepareOffer(c);
    return true;
  }

  /** Accepts the incoming call. */
  accept(): void {
    const c = this.#c;
    if (!c || c.phase !== "incoming" || !c.callId) return;
    if (!this.#deps.send({ type: "accept", callId: c.callId })) {
      this.#notice("error", "Not connected to the server; try again shortly.");
      return;
    }
    c.acceptSent = true;
    c.phase = "connecting";
    c.holdViewTimer = this.#timers.setTimeout(
      () => this.#releaseView(c),
      HOLD_VIEW_MS,
    );
    this.#waitForOffer(c);
    this.#emit();
  }

  /** Declines the incoming call. */
  decline(): void {
    const c = this.#c;
    if (!c || c.phase !== "incoming" || !c.callId) return;
    this.#deps.send({ type: "decline", callId: c.callId });
    this.#finish(c, "declined", true);
  }

  /**
   * Ends whatever is under way: cancels our ringing, declines a ringing
   * incoming call, or hangs up an accepted one.
   */
  hangup(): void {
    const c = this.#c;
    if (!c) return;
    if (c.direction === "incoming" && c.phase === "incoming") {
      this.decline();
      return;
    }
    if (!c.accepted && !c.acceptSent) {
      if (c.callId) this.#deps.send({ type: "cancel", callId: c.callId });
      else this.#cancelOnRinging = c.peer;
      this.#finish(c, "cancelled", true);
      return;
    }
    if (c.callId) {
      const msg: ClientMessage = { type: "hangup", callId: c.callId };
      // Offline: tell the server once we are back, or the peer would keep
      // a dead call until the grace period ends.
      if (!this.#deps.send(msg)) this.#deferred.push(msg);
    }
    this.#finish(c, "hangup", true);
  }

  /** Leaves the `ended` phase for `idle`. */
  dismiss(): void {
    if (this.#c || !this.#ended) return;
    this.#ended = null;
    this.#emit();
  }

  /** Reacts to a server message; ignores those that are not about calls. */
  handle(msg: ServerMessage): void {
    switch (msg.type) {
      case "ringing":
        return this.#onRinging(msg.callId, msg.to);
      case "incoming":
        return this.#onIncoming(msg.callId, msg.from, msg.audioOnly);
      case "accepted":
        return this.#onAccepted(msg.callId, msg.peer, msg.polite);
      case "ended":
        return this.#onEnded(msg.callId, msg.reason, msg.peer);
      case "signal":
        return this.#onSignal(msg.callId, msg);
      case "call-restored":
        return this.#onRestored(msg.callId, msg.peer);
      case "error":
        return this.#onError(msg.code);
    }
  }

  /** Mutes or unmutes the microphone (the track keeps running). */
  setMicMuted(muted: boolean): void {
    this.#micMuted = muted;
    this.#enableTracks(this.#c?.stream);
    this.#emit();
  }

  /**
   * Turns the camera picture off or on. The track is disabled rather than
   * removed, so the peer gets black frames and nothing is renegotiated.
   */
  setCameraOff(off: boolean): void {
    this.#cameraOff = off;
    this.#enableTracks(this.#c?.stream);
    this.#emit();
  }

  /** Applies mute and camera-off to a stream's tracks. */
  #enableTracks(stream?: StreamLike | null): void {
    for (const t of tracksOf(stream, "audio")) t.enabled = !this.#micMuted;
    for (const t of tracksOf(stream, "video")) t.enabled = !this.#cameraOff;
  }

  /**
   * Switches to another microphone or camera. Mid-call the new track replaces
   * the old one on its sender (no renegotiation).
   */
  async selectDevice(kind: Kind, deviceId: string): Promise<void> {
    this.#devices[kind] = deviceId;
    const c = this.#c;
    const stream = c?.stream;
    if (!c || !stream) return;
    const old = tracksOf(stream, kind)[0];
    if (kind === "video" && c.audioOnly) return;
    let fresh: TrackLike | undefined;
    try {
      const got = await this.#deps.getUserMedia({
        [kind]: trackConstraints(kind, deviceId),
      });
      fresh = tracksOf(got, kind)[0];
      for (const t of got.getTracks()) if (t !== fresh) t.stop();
    } catch (err) {
      this.#notice("error", toMediaError(err).message);
      return;
    }
    if (!fresh) return;
    if (this.#c !== c) {
      fresh.stop();
      return;
    }
    fresh.enabled = kind === "audio" ? !this.#micMuted : !this.#cameraOff;
    const sender = c.senders.get(kind);
    // While sharing the screen the video sender carries the screen: only the
    // stream changes, and stopping the share will pick the new camera up.
    if (sender && !(kind === "video" && c.screen)) {
      try {
        await sender.replaceTrack(fresh);
      } catch (err) {
        fresh.stop();
        this.#notice("error", `Could not switch device: ${String(err)}`);
        return;
      }
    }
    if (old) {
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(fresh);
    this.#emit();
  }

  /**
   * Whether this browser can share a screen at all (phones have no
   * `getDisplayMedia`): the control is hidden where it cannot.
   */
  get canShareScreen(): boolean {
    return this.#deps.getDisplayMedia !== undefined;
  }

  /** Shares the screen in place of the camera (replaceTrack). */
  async startScreenShare(): Promise<void> {
    const c = this.#c;
    const sender = c?.senders.get("video");
    if (!c || c.screen || !c.accepted) return;
    if (!sender || !this.#deps.getDisplayMedia) {
      this.#notice("error", "Screen sharing needs a video call.");
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
        this.#notice("info", "This browser has no screen it can share.");
      } else {
        this.#notice("error", "The screen could not be shared.");
      }
      return;
    }
    const track = display.getVideoTracks()[0];
    if (!track || this.#c !== c || c.screen) {
      stopAll(display);
      return;
    }
    try {
      await sender.replaceTrack(track);
    } catch {
      stopAll(display);
      this.#notice("error", "The screen could not be shared.");
      return;
    }
    c.screen = track;
    c.screenStream = display;
    // The browser's own "Stop sharing" button ends the track.
    track.onended = () => void this.stopScreenShare();
    this.#emit();
  }

  /** Goes back from the screen to the camera. */
  async stopScreenShare(): Promise<void> {
    const c = this.#c;
    if (!c?.screen) return;
    const screen = c.screen;
    c.screen = null;
    const display = c.screenStream;
    c.screenStream = null;
    const camera = c.stream?.getVideoTracks()[0] ?? null;
    try {
      await c.senders.get("video")?.replaceTrack(camera);
    } catch (err) {
      console.warn("could not restore the camera", err);
    }
    screen.onended = null;
    screen.stop();
    stopAll(display);
    this.#emit();
  }

  /** Ends everything without telling the server (page unload, tests). */
  dispose(): void {
    this.#deferred = [];
    if (this.#c) this.#cleanup(this.#c);
    this.#c = null;
    this.#ended = null;
  }

  // --- server messages -------------------------------------------------

  #onRinging(callId: string, to: string): void {
    const c = this.#c;
    if (c && c.direction === "outgoing" && c.peer === to && !c.callId) {
      c.callId = callId;
      this.#resolveGlare(c);
      this.#emit();
    } else if (this.#cancelOnRinging === to) {
      this.#cancelOnRinging = null;
      this.#deps.send({ type: "cancel", callId });
    }
  }

  #onIncoming(callId: string, from: string, audioOnly: boolean): void {
    const c = this.#c;
    if (!c) {
      // Media and a connection while it rings, but no tracks, so no offer.
      const call = this.#newCall(from, "incoming", audioOnly, callId);
      call.media.then(() => {
        if (this.#c === call) this.#ensurePc(call);
      });
      return;
    }
    if (c.peer === from && c.direction === "outgoing" && !c.accepted) {
      // We ring them while they ring us.
      c.glareIncoming = callId;
      this.#resolveGlare(c);
      return;
    }
    if (c.callId === callId) return;
    // Already busy with someone else; the server normally prevents this.
    this.#deps.send({ type: "decline", callId });
  }

  /**
   * Simultaneous calls: the person whose name sorts first accepts the peer's
   * call and withdraws their own; the other just waits. Both apply the same
   * rule, so exactly one call survives even if the server does not merge.
   */
  #resolveGlare(c: ActiveCall): void {
    const me = this.#deps.myName?.();
    if (!c.callId || !c.glareIncoming || c.acceptSent || !me) return;
    if (!(me < c.peer)) return;
    const mine = c.callId;
    this.#switchToIncoming(c);
    this.#deps.send({ type: "cancel", callId: mine });
  }

  /**
   * Takes the peer's ringing call instead of ours, accepting it: as its
   * callee we answer the peer's offer, and the one we made for our own call
   * is dropped (being polite, we roll it back when theirs comes).
   */
  #switchToIncoming(c: ActiveCall): void {
    c.callId = c.glareIncoming!;
    c.glareIncoming = null;
    c.direction = "incoming";
    c.acceptSent = true;
    c.phase = "connecting";
    c.outbox = [];
    this.#setPolite(c, true);
    this.#deps.send({ type: "accept", callId: c.callId! });
    this.#waitForOffer(c);
    this.#emit();
  }

  #onAccepted(callId: string, peer: string, polite: boolean): void {
    const c = this.#c;
    const ours = c &&
      (c.callId === callId || c.glareIncoming === callId ||
        (c.peer === peer && !c.accepted));
    if (!c || !ours) {
      // Accepted after we gave up on it: end it for the peer too.
      this.#deps.send({ type: "hangup", callId });
      return;
    }
    if (c.accepted) return;
    c.accepted = true;
    c.callId = callId;
    c.glareIncoming = null;
    c.phase = "connecting";
    this.#setPolite(c, polite);
    if (polite) {
      // We answer; the caller's offer follows `accepted`.
      this.#ensurePc(c);
      this.#waitForOffer(c);
    } else {
      // Normally made while ringing; a server that merged crossing calls
      // may make either side the caller.
      this.#prepareOffer(c);
    }
    this.#flushOutbox(c);
    this.#emit();
  }

  #onEnded(callId: string, reason: EndReason, peer: string): void {
    const c = this.#c;
    if (!c) return;
    const ringingOurs = c.direction === "outgoing" && !c.accepted &&
      c.peer === peer && (c.callId === null || reason === "busy");
    if (c.callId === callId || ringingOurs) {
      if (c.glareIncoming && !c.accepted) {
        // Our call lost the race; theirs to us is still ringing: take it.
        this.#switchToIncoming(c);
        return;
      }
      // A ring that timed out on our side is the call we did not answer.
      const missed = reason === "no-answer" && c.direction === "incoming";
      // peer-left for a claimed call: the peer never came back after the
      // server lost the call, which deserves its own sentence.
      const why = c.restoring && reason === "peer-left"
        ? "not-restored"
        : reason;
      this.#finish(c, why, missed);
    } else if (c.glareIncoming === callId) {
      c.glareIncoming = null;
    }
  }

  #onRestored(callId: string, peer: string): void {
    const c = this.#c;
    if (!c || !c.accepted || c.peer !== peer) {
      // Restored a call we no longer have: end it for the peer as well.
      this.#deps.send({ type: "hangup", callId });
      return;
    }
    c.callId = callId;
    c.restoring = false;
    this.#flushOutbox(c);
    this.#emit();
  }

  #onSignal(callId: string, payload: SignalPayload): void {
    const c = this.#c;
    if (!c || c.callId !== callId || !c.accepted) return;
    const clean: SignalPayload = payload.description
      ? { description: payload.description }
      : { candidate: payload.candidate ?? null };
    if (c.negotiator) void c.negotiator.handle(clean);
    else c.early.push(clean);
  }

  #onError(code: string): void {
    const c = this.#c;
    if (!c || !CALL_ERRORS.has(code)) return;
    if (c.direction !== "outgoing" || c.callId) return;
    if (c.glareIncoming && !c.accepted) {
      // The server refused our call because theirs to us came first
      // (`in-call`): take theirs, since both of us want to talk.
      this.#switchToIncoming(c);
      return;
    }
    this.#finish(c, "unavailable", false);
  }

  // --- call internals --------------------------------------------------

  #newCall(
    peer: string,
    direction: "outgoing" | "incoming",
    audioOnly: boolean,
    callId: string | null,
  ): ActiveCall {
    this.#ended = null;
    this.#micMuted = false;
    this.#cameraOff = false;
    const c: ActiveCall = {
      callId,
      peer,
      direction,
      audioOnly,
      phase: direction,
      polite: direction === "incoming",
      media: Promise.resolve(null),
      senders: new Map(),
      outbox: [],
      early: [],
      connectedAt: null,
      iceState: "new",
    };
    this.#c = c;
    c.media = this.#openMedia(c);
    this.#emit();
    return c;
  }

  async #openMedia(c: ActiveCall): Promise<StreamLike | null> {
    try {
      const { stream, videoMissing } = await openLocalMedia(
        this.#deps.getUserMedia,
        {
          audioOnly: c.audioOnly,
          audioDeviceId: this.#devices.audio,
          videoDeviceId: this.#devices.video,
        },
      );
      if (this.#c !== c) {
        stopAll(stream);
        return null;
      }
      this.#enableTracks(stream);
      c.stream = stream;
      if (videoMissing) {
        this.#notice("info", "No camera was found: you are on audio only.");
      }
      this.#emit();
      return stream;
    } catch (err) {
      if (this.#c !== c) return null;
      this.#notice("error", toMediaError(err).message);
      if (c.direction === "outgoing" && !c.accepted) {
        // Nothing to call with: stop ringing rather than ring silently.
        if (c.callId) this.#deps.send({ type: "cancel", callId: c.callId });
        else this.#cancelOnRinging = c.peer;
        this.#finish(c, "media-error", true);
      }
      // A callee without media can still accept and watch and listen.
      return null;
    }
  }

  /** The caller's side: media, connection, tracks; the offer follows. */
  #prepareOffer(c: ActiveCall): void {
    c.media.then(() => {
      if (this.#c !== c) return;
      this.#ensurePc(c);
      this.#addLocalTracks(c);
    });
  }

  /**
   * Should the caller's offer never come (a page from before callers
   * offered, or an offer lost with a socket), the callee offers itself:
   * perfect negotiation settles any crossing.
   */
  #waitForOffer(c: ActiveCall): void {
    if (c.offerTimer !== undefined) return;
    c.offerTimer = this.#timers.setTimeout(() => {
      if (this.#c !== c || c.pc?.remoteDescription) return;
      this.#ensurePc(c);
      this.#addLocalTracks(c);
    }, OFFER_WAIT_MS);
  }

  #setPolite(c: ActiveCall, polite: boolean): void {
    c.polite = polite;
    if (c.negotiator) c.negotiator.polite = polite;
  }

  #ensurePc(c: ActiveCall): void {
    if (c.pc) return;
    const pc = this.#deps.createPeerConnection({
      iceServers: this.#iceServers,
      // Both ends are this page, which always bundles: gathering and checking
      // one transport instead of one per media line halves the candidates
      // to signal and apply before the media can flow.
      bundlePolicy: "max-bundle",
      ...(this.#deps.iceTransportPolicy
        ? { iceTransportPolicy: this.#deps.iceTransportPolicy }
        : {}),
    });
    c.pc = pc;
    c.negotiator = new Negotiator(pc, {
      polite: c.polite,
      send: (payload) => this.#sendSignal(c, payload),
      beforeAnswer: async () => {
        await c.media;
        if (this.#c === c) this.#addLocalTracks(c);
      },
      onError: (err) => console.warn("negotiation failed", err),
    });
    pc.ontrack = (ev) => {
      if (this.#c !== c) return;
      const stream = ev.streams[0] ?? c.remote ?? this.#deps.createStream();
      if (!ev.streams[0]) stream.addTrack(ev.track);
      c.remote = stream;
      stream.onremovetrack = () => this.#emit();
      ev.track.onmute = ev.track.onunmute = () => this.#emit();
      this.#emit();
    };
    pc.onconnectionstatechange = () => this.#checkConnected(c);
    c.stopIce = watchIce(pc, {
      timers: this.#timers,
      onState: (state) => {
        if (this.#c !== c) return;
        c.iceState = state;
        this.#checkConnected(c);
        this.#emit();
      },
      onGiveUp: () => {
        if (this.#c !== c) return;
        this.#notice("error", "The connection to the other person was lost.");
        if (c.callId) this.#deps.send({ type: "hangup", callId: c.callId });
        this.#finish(c, "failed", false);
      },
    });
    this.#deps.onPeerConnection?.(pc);
    const early = c.early;
    c.early = [];
    for (const payload of early) void c.negotiator.handle(payload);
  }

  #checkConnected(c: ActiveCall): void {
    const pc = c.pc;
    if (this.#c !== c || !pc || c.connectedAt !== null) return;
    const state = pc.connectionState ?? pc.iceConnectionState;
    if (state === "connected" || state === "completed") {
      c.connectedAt = this.#timers.now();
      c.phase = "connected";
      this.#scheduleVideoRestore(c);
      this.#emit();
    }
  }

  /**
   * Attaches local media to the connection once. Before an offer came in we
   * are the one offering, so we also add transceivers for what we lack, to
   * still receive (and later send a screen) without renegotiating.
   */
  #addLocalTracks(c: ActiveCall): void {
    const pc = c.pc;
    if (!pc || c.tracksAdded) return;
    c.tracksAdded = true;
    const stream = c.stream;
    const kinds: Kind[] = c.audioOnly ? ["audio"] : ["audio", "video"];
    for (const kind of kinds) {
      const track = tracksOf(stream, kind)[0];
      if (track && stream) {
        const sender = pc.addTrack(track, stream);
        c.senders.set(kind, sender);
        // Not awaited: the parameters apply before the first frame is
        // encoded, which waits for the connection anyway.
        if (kind === "video" && this.#deps.startVideoSmall !== false) {
          c.restoreVideo = startSmall(sender, track);
        }
      } else if (!pc.remoteDescription) {
        const transceiver = pc.addTransceiver(kind, {
          direction: "sendrecv",
          streams: stream ? [stream] : [],
        });
        c.senders.set(kind, transceiver.sender);
      }
    }
  }

  /** Shortly after connecting, lets WebRTC pick the video size again. */
  #scheduleVideoRestore(c: ActiveCall): void {
    const pending = c.restoreVideo;
    if (!pending) return;
    c.restoreTimer = this.#timers.setTimeout(() => {
      c.restoreTimer = undefined;
      if (this.#c !== c || c.restoreVideo !== pending) return;
      c.restoreVideo = null;
      void pending.then((restore) => restore?.());
    }, SMALL_START_MS);
  }

  #sendSignal(c: ActiveCall, payload: SignalPayload): void {
    if (this.#c !== c) return;
    const open = c.accepted || c.acceptSent;
    if (
      !open || !c.callId || c.restoring || c.outbox.length > 0 ||
      !this.#deps.send({ type: "signal", callId: c.callId, ...payload })
    ) {
      c.outbox.push(payload);
      if (open) this.#flushOutbox(c);
    }
    // Drawn once the answer has left, not before.
    if (payload.description?.type === "answer") this.#releaseView(c);
  }

  #flushOutbox(c: ActiveCall): void {
    if (!c.callId || c.restoring) return;
    // An offer held back goes as the description is now, with the
    // candidates gathered meanwhile in it.
    const local = c.pc?.localDescription;
    if (local) c.outbox = foldCandidates(c.outbox, toWireDescription(local));
    while (c.outbox.length > 0) {
      const payload = c.outbox[0];
      if (!this.#deps.send({ type: "signal", callId: c.callId, ...payload })) {
        return;
      }
      c.outbox.shift();
    }
  }

  #finish(c: ActiveCall, reason: CallEndReason, byMe: boolean): void {
    if (this.#c !== c) return;
    this.#cleanup(c);
    this.#c = null;
    this.#ended = {
      peer: c.peer,
      direction: c.direction,
      audioOnly: c.audioOnly,
      reason,
      byMe,
    };
    this.#emit();
  }

  /**
   * Releases everything the call holds: connection, tracks, timers. Late
   * callbacks of the call find it is no longer `#c` and do nothing.
   */
  #cleanup(c: ActiveCall): void {
    c.negotiator?.detach();
    c.stopIce?.();
    this.#timers.clearTimeout(c.restoreTimer);
    this.#timers.clearTimeout(c.offerTimer);
    this.#timers.clearTimeout(c.holdViewTimer);
    const pc = c.pc;
    if (pc) {
      // Detach first so that close() cannot call back into a finished call.
      for (const handler of PC_HANDLERS) pc[handler] = null;
      try {
        pc.close();
      } catch {
        // Already closed.
      }
      this.#deps.onPeerConnection?.(null);
    }
    // The shared screen's track is in screenStream.
    stopAll(c.screenStream);
    stopAll(c.stream);
    if (c.remote) {
      c.remote.onremovetrack = null;
      for (const t of c.remote.getTracks()) {
        t.onmute = t.onunmute = null;
      }
      stopAll(c.remote);
    }
  }

  #notice(tone: CallNotice["tone"], text: string): void {
    this.#deps.onNotice?.({ tone, text });
  }

  #releaseView(c: ActiveCall): void {
    if (c.holdViewTimer === undefined) return;
    this.#timers.clearTimeout(c.holdViewTimer);
    c.holdViewTimer = undefined;
    this.#emit();
  }

  #emit(): void {
    if (this.#c?.holdViewTimer !== undefined) return;
    this.#deps.onChange?.(this.snapshot);
  }
}
