/**
 * The call controller: one 1:1 call at a time, from ringing to cleanup.
 *
 * A thin facade over `call/`: the pure machine (`call/machine.ts`) decides,
 * a runner per call (`call/runner.ts`) does the I/O and owns the call's
 * resources, `call/media_controls.ts` handles mute, camera, devices and the
 * screen, and `call/view_hold.ts` keeps the callee's view still after Accept.
 *
 * Speed without leaking SDP: the caller makes the offer while it rings, but
 * every `signal` waits in an outbox until `accepted`; the callee answers.
 * The answerer sets up its video sender when it answers, before the
 * connection is up, so its first camera frame after that is sent; the
 * offerer's sender only starts once the answer is applied, which costs a
 * frame. So the callee's picture, the one the caller waits for, comes first.
 */
import {
  type CallEffect,
  type CallEvent,
  INITIAL,
  type Machine,
  OFFLINE_TEXT,
  step,
  takesCrossingOnRefusal,
} from "./call/machine.ts";
import { basics, callIdOf, isAccepted, isLive } from "./call/shape.ts";
import { type Kind, MediaControls } from "./call/media_controls.ts";
import { CallRunner } from "./call/runner.ts";
import {
  type CallSnapshot,
  sameSnapshot,
  snapshotOf,
} from "./call/snapshot.ts";
import { toEvent } from "./call/server_events.ts";
import { ViewHold } from "./call/view_hold.ts";
import type {
  GetDisplayMedia,
  GetUserMedia,
  PeerConnectionFactory,
  PeerConnectionLike,
  StreamLike,
} from "./peer.ts";
import type {
  CallClaim,
  ClientMessage,
  ServerMessage,
  WelcomeMessage,
} from "./protocol.ts";
import { realTimers, type Timers } from "./timers.ts";
import type { CallPrefs } from "./call_prefs.ts";
import { peerRecord, type VerifiedNames } from "./safety/verified_store.ts";

export { OFFER_WAIT_MS } from "./call/machine.ts";
export type { CallEndReason } from "./call/states.ts";
export {
  type CallPhase,
  type CallSnapshot,
  snapshotOf,
} from "./call/snapshot.ts";
export { HOLD_VIEW_MS } from "./call/view_hold.ts";

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
  /** A line the peer typed on the call's private channel. */
  onPeerChat?(text: string): void;
  /**
   * Mute and camera-off as the person left call `callId`, if this page
   * was reloaded in it; new calls start from the defaults.
   */
  keptMedia?(callId: string): { micMuted: boolean; cameraOff: boolean } | null;
  /** The current peer connection, or null; e.g. to expose it to tests. */
  onPeerConnection?(pc: PeerConnectionLike | null): void;
  /** Who this browser verified in the room (`safety/verified_store.ts`). */
  verified?: VerifiedNames;
  /** `relay` sends all media through TURN (see `client/README.md`). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Whether the camera's first frames are sent small (`video_start.ts`). */
  startVideoSmall?: boolean;
}

/** Runs calls; see the module doc. Independent of any UI framework. */
export class CallController {
  #deps: CallDeps;
  #timers: Timers;
  #m: Machine = INITIAL;
  #runner: CallRunner | null = null;
  #iceServers: RTCIceServer[] = [];
  #controls: MediaControls;
  #hold: ViewHold;
  /** Follow-ups dispatched by an effect draw once, when the outer step ends. */
  #depth = 0;
  /** The last snapshot handed to the view, so unchanged ones are not redrawn. */
  #drawn: CallSnapshot | null = null;

  constructor(deps: CallDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? realTimers;
    this.#controls = new MediaControls({
      getUserMedia: deps.getUserMedia,
      getDisplayMedia: deps.getDisplayMedia,
      notice: (tone, text) => this.#notice(tone, text),
      changed: () => {
        this.#runner?.sendMediaState();
        this.#emit(true);
      },
    });
    this.#hold = new ViewHold(this.#timers, () => this.#emit(true));
  }

  /**
   * ICE servers for new peer connections (from `welcome.iceServers` or a
   * refresh). A live connection gets them too, so an ICE restart late in a
   * long call authenticates with credentials that have not expired.
   */
  setIceServers(servers: RTCIceServer[]): void {
    this.#iceServers = servers;
    const pc = this.#runner?.pc;
    if (!pc?.setConfiguration) return;
    try {
      pc.setConfiguration({ ...pc.getConfiguration?.(), iceServers: servers });
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
    const c = this.#m.call;
    if (!isAccepted(c)) return null;
    const { callId, peer, polite } = c.call;
    return { callId, peer, polite };
  }

  /**
   * The server welcomed us (again). With `resumed` it kept our session and
   * any call; without, it knows nothing of us (see `call/restore.ts`).
   */
  onWelcome(welcome: Pick<WelcomeMessage, "resumed" | "call">): void {
    this.#dispatch({
      kind: "welcome",
      resumed: !!welcome.resumed,
      held: welcome.call ?? null,
    });
  }

  /** The current state as a fresh object. */
  get snapshot(): CallSnapshot {
    return snapshotOf(
      this.#m.call,
      this.#runner,
      this.#controls.micMuted,
      this.#controls.cameraOff,
    );
  }

  /**
   * Rings `peer`. Returns false (and says why) when a call is already under
   * way or the server cannot be reached.
   */
  call(peer: string, options: { audioOnly?: boolean } = {}): boolean {
    const before = this.#m.call;
    this.#dispatch({ kind: "call", peer, audioOnly: !!options.audioOnly });
    return this.#m.call !== before;
  }

  /** Accepts the incoming call; `video: false` answers with the camera off. */
  accept(options: { video?: boolean } = {}): void {
    if (options.video === false) void this.setCameraOff(true);
    this.#dispatch({ kind: "accept" });
  }

  /** The defaults new calls start from, and the devices they open. */
  setDefaults(prefs: CallPrefs): void {
    this.#controls.setDefaults(prefs);
  }

  /**
   * Sends `text` to the peer over the call's data channel; false when
   * there is none open.
   */
  sendCallChat(text: string): boolean {
    return this.#runner?.sendChat(text) ?? false;
  }

  /** Our person says whether the two safety numbers match. */
  saySafety(match: boolean): void {
    this.#runner?.safety?.say(match);
  }

  /** Declines the incoming call. */
  decline(): void {
    this.#dispatch({ kind: "decline" });
  }

  /**
   * Ends whatever is under way: cancels our ringing, declines a ringing
   * incoming call, or hangs up an accepted one.
   */
  hangup(): void {
    this.#dispatch({ kind: "hangup" });
  }

  /** Leaves the `ended` phase for `idle`. */
  dismiss(): void {
    this.#dispatch({ kind: "dismiss" });
  }

  /** Reacts to a server message; ignores those that are not about calls. */
  /**
   * Whether an `error` frame with `code`, handled now, would be taken as
   * the refusal of a call that crossed the peer's call to us (which we then
   * take): no error to show.
   */
  takesCrossingOnRefusal(code: string): boolean {
    return takesCrossingOnRefusal(this.#m, code);
  }

  handle(msg: ServerMessage): void {
    const event = toEvent(msg, () => this.#deps.myName?.() ?? null);
    if (event) this.#dispatch(event);
  }

  /** Mutes or unmutes the microphone (the track keeps running). */
  setMicMuted(muted: boolean): void {
    this.#controls.setMicMuted(muted, this.#runner?.media ?? null);
  }

  /**
   * Turns the camera off (its track stops: the camera is released) or on
   * again (a new track on the same sender); nothing is renegotiated.
   */
  setCameraOff(off: boolean): Promise<void> {
    return this.#controls.setCameraOff(off, this.#runner?.media ?? null);
  }

  /**
   * Switches to another microphone or camera. Mid-call the new track replaces
   * the old one on its sender (no renegotiation).
   */
  selectDevice(kind: Kind, deviceId: string): Promise<void> {
    return this.#controls.selectDevice(
      kind,
      deviceId,
      this.#runner?.media ?? null,
    );
  }

  /**
   * Whether this browser can share a screen at all (phones have no
   * `getDisplayMedia`): the control is hidden where it cannot.
   */
  get canShareScreen(): boolean {
    return this.#controls.canShareScreen;
  }

  /** Shares the screen in place of the camera (replaceTrack). */
  startScreenShare(): Promise<void> {
    const accepted = isAccepted(this.#m.call);
    return this.#controls.startScreenShare(
      accepted ? this.#runner?.media ?? null : null,
    );
  }

  /** Goes back from the screen to the camera. */
  stopScreenShare(): Promise<void> {
    return this.#controls.stopScreenShare(this.#runner?.media ?? null);
  }

  /** Ends everything without telling the server (page unload, tests). */
  dispose(): void {
    this.#hold.cancel();
    const { state, effects } = step(this.#m, { kind: "dispose" });
    this.#m = state;
    for (const effect of effects) this.#run(effect);
    this.#drawn = null;
  }

  /**
   * Steps the machine and carries out the effects. A step whose first
   * effect is a frame that must leave (`ifOffline: "abandon"`) does not
   * happen at all when the server cannot be reached.
   */
  #dispatch(event: CallEvent): void {
    const { state, effects } = step(this.#m, event);
    const first = effects[0];
    if (first?.kind === "send" && first.ifOffline === "abandon") {
      if (!this.#deps.send(first.msg)) {
        this.#notice("error", OFFLINE_TEXT);
        return;
      }
      effects.shift();
    }
    this.#m = state;
    this.#depth++;
    try {
      for (const effect of effects) this.#run(effect);
    } finally {
      this.#depth--;
    }
    this.#holdView(event);
    this.#emit(false);
  }

  /** The callee's view stays still from Accept until its answer has left. */
  #holdView(event: CallEvent): void {
    if (event.kind === "accept" && this.#m.call.kind === "accepting") {
      this.#hold.hold();
    } else if (event.kind === "localNegotiation") {
      if (event.payload.description?.type === "answer") this.#hold.release();
    }
  }

  #run(effect: CallEffect): void {
    switch (effect.kind) {
      case "send":
        if (!this.#deps.send(effect.msg) && effect.ifOffline !== undefined) {
          this.#dispatch({ kind: "frameUnsent", msg: effect.msg });
        }
        return;
      case "notice":
        return this.#notice(effect.tone, effect.text);
      case "begin":
        return this.#begin(effect.audioOnly, effect.polite);
      case "release":
        this.#runner?.dispose();
        this.#runner = null;
        return;
      default:
        this.#runner?.run(effect);
    }
  }

  #begin(audioOnly: boolean, polite: boolean): void {
    this.#runner?.dispose();
    // The machine is already in the new call's state: its id, if named,
    // and its peer, the same for the whole call.
    const call = this.#m.call;
    const callId = callIdOf(call);
    const peer = isLive(call) ? basics(call).peer : null;
    this.#controls.reset(callId ? this.#deps.keptMedia?.(callId) : null);
    this.#runner = new CallRunner(
      {
        ...this.#deps,
        timers: this.#timers,
        iceServers: () => this.#iceServers,
        devices: () => this.#controls.devices,
        prepare: (stream) => this.#controls.apply(stream),
        cameraOn: () => !this.#controls.cameraOff,
        mediaState: () => ({
          micMuted: this.#controls.micMuted,
          // A shared screen is a picture too.
          cameraOff: this.#controls.cameraOff && !this.#runner?.screenStream,
        }),
        peerChat: (text) => this.#deps.onPeerChat?.(text),
        safety: peerRecord(this.#deps.verified, () => peer),
        dispatch: (event) => this.#dispatch(event),
        changed: () => this.#emit(false),
      },
      audioOnly,
      polite,
    );
  }

  #notice(tone: CallNotice["tone"], text: string): void {
    this.#deps.onNotice?.({ tone, text });
  }

  /** Hands a new snapshot to the view when it draws differently (or `force`). */
  #emit(force: boolean): void {
    if (this.#depth > 0) return;
    if (!isLive(this.#m.call)) this.#hold.cancel();
    if (this.#hold.holding) return;
    const snap = this.snapshot;
    if (!force && this.#drawn && sameSnapshot(snap, this.#drawn)) return;
    this.#drawn = snap;
    this.#deps.onChange?.(snap);
  }
}
