/**
 * Carries out the machine's effects for ONE call and owns everything it
 * holds: media, peer connection, negotiator, ICE watch, timers. Ending the
 * call is one {@link CallRunner.dispose}: its AbortController is aborted, so
 * whatever the call's promises and handlers report afterwards is dropped
 * here, in one place, instead of being checked against "the current call"
 * all over.
 */
import { openLocalMedia, toMediaError } from "../media.ts";
import { foldCandidates, toWireDescription } from "../negotiation.ts";
import type { GetUserMedia, PeerConnectionLike, StreamLike } from "../peer.ts";
import type { ClientMessage, NegotiationMessage } from "../protocol.ts";
import { startSmall } from "../video_start.ts";
import {
  type CallMedia,
  type Kind,
  stopAll,
  tracksOf,
} from "./media_controls.ts";
import { offersChannel, type PeerMedia } from "./peer_channel.ts";
import { offerFromNewPeer, PeerLink, type PeerLinkDeps } from "./peer_link.ts";
import type { LinkSafety } from "../safety/link_safety.ts";
import type { CallMediaView } from "./snapshot.ts";
import type { CallEffect, CallEvent, TimerName } from "./states.ts";

/** What a runner needs from outside; shared by every call's runner. */
export interface RunnerDeps extends PeerLinkDeps {
  send(msg: ClientMessage): boolean;
  getUserMedia: GetUserMedia;
  startVideoSmall?: boolean;
  /** The devices the person chose. */
  devices(): Readonly<Record<Kind, string | null>>;
  /** Applies mute to freshly opened media. */
  prepare(stream: StreamLike): void;
  /** Whether the person wants their camera on (else it is not opened). */
  cameraOn(): boolean;
  /** Hands an event back to the machine. */
  dispatch(event: CallEvent): void;
  /** Something a view draws changed. */
  changed(): void;
  onPeerConnection?(pc: PeerConnectionLike | null): void;
  /** What we say of our own media, sent to the peer whenever it changes. */
  mediaState(): PeerMedia;
  /** A line the peer typed on the call's private channel. */
  peerChat(text: string): void;
}

/** The effects a runner carries out (the others concern no single call). */
export type RunnerEffect = Exclude<
  CallEffect,
  { kind: "send" | "notice" | "begin" | "release" }
>;

const TIMER_EVENTS: Record<TimerName, CallEvent> = {
  "offer-wait": { kind: "offerWaitElapsed" },
  "small-start": { kind: "smallStartElapsed" },
};

/** One call's resources; see the module doc. */
export class CallRunner implements CallMediaView {
  readonly media: CallMedia;
  #deps: RunnerDeps;
  #abort = new AbortController();
  #polite: boolean;
  #link: PeerLink | null = null;
  /** Settles once media is opened or failed (never rejects). */
  #mediaSettled: Promise<void> = Promise.resolve();
  #tracksAdded = false;
  /** Signals received before the peer connection existed. */
  #early: NegotiationMessage[] = [];
  #timers = new Map<TimerName, number>();
  /** Gives the video sender its full size back (see `video_start.ts`). */
  #restoreVideo: Promise<(() => Promise<void>) | null> | null = null;
  /** Whether the video sender starts small (not on a replaced connection). */
  #startSmall: boolean;
  /** What the peer last said of its media (kept across a replaced link). */
  #peerMedia: PeerMedia | null = null;

  constructor(deps: RunnerDeps, audioOnly: boolean, polite: boolean) {
    this.#deps = deps;
    this.#polite = polite;
    this.#startSmall = deps.startVideoSmall !== false;
    this.media = {
      audioOnly,
      signal: this.#abort.signal,
      stream: null,
      senders: new Map(),
      screen: null,
      cameraUsable: true,
    };
  }

  /** Our camera and microphone. */
  get localStream(): StreamLike | null {
    return this.media.stream;
  }

  /** What the peer sends. */
  get remoteStream(): StreamLike | null {
    return this.#link?.remote ?? null;
  }

  /** The screen being shared. */
  get screenStream(): StreamLike | null {
    return this.media.screen?.stream ?? null;
  }

  /** Latest `iceConnectionState`. */
  get iceState(): string {
    return this.#link?.iceState ?? "new";
  }

  /** Whether our camera can take part (a video call, a usable camera). */
  get cameraUsable(): boolean {
    return !this.media.audioOnly && this.media.cameraUsable;
  }

  /** What the peer last said of its microphone and camera. */
  get peerMedia(): PeerMedia | null {
    return this.#peerMedia;
  }

  /** Whether the private channel is open (messages can be sent). */
  get channelOpen(): boolean {
    return this.#link?.channel.open ?? false;
  }

  /** The connection's safety number, once there is a connection. */
  get safety(): LinkSafety | null {
    return this.#link?.safety ?? null;
  }

  /** The live peer connection, if made. */
  get pc(): PeerConnectionLike | null {
    return this.#link?.pc ?? null;
  }

  /** Carries out one effect; nothing once disposed. */
  run(effect: RunnerEffect): void {
    if (this.#abort.signal.aborted) return;
    switch (effect.kind) {
      case "openMedia":
        this.#mediaSettled = this.#openMedia();
        return;
      case "dropVideo":
        this.media.audioOnly = true;
        return;
      case "prepareOffer":
        void this.#afterMedia(() => this.#addTracks());
        return;
      case "prepareAnswer":
        void this.#afterMedia(() => this.#connect());
        return;
      case "connect":
        this.#connect();
        return;
      case "fallbackOffer":
        if (!this.pc?.remoteDescription) this.#addTracks();
        return;
      case "setPolite":
        this.#polite = effect.polite;
        if (this.#link) this.#link.negotiator.polite = effect.polite;
        return;
      case "applyNegotiation":
        if (this.#link && offerFromNewPeer(this.#link.pc, effect.payload)) {
          this.#replaceLink();
        }
        if (this.#link) void this.#link.negotiator.handle(effect.payload);
        else this.#early.push(effect.payload);
        return;
      case "sendNegotiation":
        return this.#sendNegotiation(effect.callId, effect.payloads);
      case "startTimer":
        return this.#startTimer(effect.timer, effect.ms);
      case "clearTimer":
        this.#deps.timers.clearTimeout(this.#timers.get(effect.timer));
        this.#timers.delete(effect.timer);
        return;
      case "restoreVideo": {
        const pending = this.#restoreVideo;
        this.#restoreVideo = null;
        void pending?.then((restore) => restore?.());
        return;
      }
    }
  }

  /** Sends a private message over the call's data channel. */
  sendChat(text: string): boolean {
    return this.#link?.channel.send({ type: "chat", text }) ?? false;
  }

  /** Tells the peer what our microphone and camera are doing now. */
  sendMediaState(): void {
    this.#link?.channel.send({ type: "media", ...this.#deps.mediaState() });
  }

  /** Releases everything the call holds. */
  dispose(): void {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    for (const id of this.#timers.values()) this.#deps.timers.clearTimeout(id);
    this.#timers.clear();
    if (this.#link) {
      this.#link.close();
      this.#deps.onPeerConnection?.(null);
    }
    stopAll(this.media.screen?.stream);
    stopAll(this.media.stream);
  }

  /** Hands `event` to the machine while the call lasts. */
  #report = (event: CallEvent): void => {
    if (!this.#abort.signal.aborted) this.#deps.dispatch(event);
  };

  #changed = (): void => {
    if (!this.#abort.signal.aborted) this.#deps.changed();
  };

  async #openMedia(): Promise<void> {
    const devices = this.#deps.devices();
    try {
      const { stream, videoProblem } = await openLocalMedia(
        this.#deps.getUserMedia,
        {
          // A camera the person turned off is not even opened.
          audioOnly: this.media.audioOnly || !this.#deps.cameraOn(),
          audioDeviceId: devices.audio,
          videoDeviceId: devices.video,
        },
      );
      if (this.#abort.signal.aborted) {
        stopAll(stream);
        return;
      }
      this.#deps.prepare(stream);
      this.media.stream = stream;
      this.media.cameraUsable = videoProblem === null;
      this.#report({
        kind: "mediaOpened",
        videoProblem: videoProblem && {
          text: videoProblem.message,
          blocked: videoProblem.kind === "denied",
        },
      });
      this.#changed();
    } catch (err) {
      this.#report({ kind: "mediaFailed", message: toMediaError(err).message });
    }
  }

  async #afterMedia(then: () => void): Promise<void> {
    await this.#mediaSettled;
    if (!this.#abort.signal.aborted) then();
  }

  #connect(): PeerLink {
    if (this.#link) return this.#link;
    const link = new PeerLink(this.#deps, {
      polite: this.#polite,
      report: this.#report,
      changed: this.#changed,
      beforeAnswer: () => this.#afterMedia(() => this.#answerWith(link)),
      channel: {
        changed: () => {
          // Each new channel learns our state: the peer's page may be new.
          if (link.channel.open) this.sendMediaState();
          this.#changed();
        },
        media: (state) => {
          this.#peerMedia = state;
          this.#changed();
        },
        chat: (text) => {
          if (!this.#abort.signal.aborted) this.#deps.peerChat(text);
        },
        now: () => this.#deps.timers.now(),
      },
    });
    this.#link = link;
    this.#deps.onPeerConnection?.(link.pc);
    const early = this.#early;
    this.#early = [];
    for (const payload of early) void link.negotiator.handle(payload);
    return link;
  }

  /**
   * The peer's page was reloaded and offers from a new connection: ours
   * goes, and a fresh one (same media) answers. The video starts at full
   * size: the machine's small-start timer ran with the first connection.
   */
  #replaceLink(): void {
    this.#link?.close();
    this.#link = null;
    this.#tracksAdded = false;
    this.#startSmall = false;
    this.media.senders.clear();
    this.#connect();
    this.#changed();
  }

  /**
   * Attaches local media to the connection once. Before an offer came in we
   * are the one offering, so we also add transceivers for what we lack, to
   * still receive (and later send a screen) without renegotiating.
   */
  #addTracks(): void {
    const link = this.#connect();
    const pc = link.pc;
    if (this.#tracksAdded) return;
    this.#tracksAdded = true;
    // Before the tracks, in the same task: one offer carries them all.
    if (!pc.remoteDescription) link.channel.attach(pc);
    const stream = this.media.stream;
    const kinds: Kind[] = this.media.audioOnly ? ["audio"] : ["audio", "video"];
    for (const kind of kinds) {
      const track = tracksOf(stream, kind)[0];
      if (track && stream) {
        const sender = pc.addTrack(track, stream);
        this.media.senders.set(kind, sender);
        // Not awaited: the parameters apply before the first frame is
        // encoded, which waits for the connection anyway.
        if (kind === "video" && this.#startSmall) {
          this.#restoreVideo = startSmall(sender, track);
        }
      } else if (!pc.remoteDescription) {
        const transceiver = pc.addTransceiver(kind, {
          direction: "sendrecv",
          streams: stream ? [stream] : [],
        });
        this.media.senders.set(kind, transceiver.sender);
      } else if (kind === "audio" || this.media.cameraUsable) {
        // Answering with no track yet (camera off): send on the offered
        // line anyway, so turning the camera on is a `replaceTrack`, not a
        // new negotiation.
        const offered = pc.getTransceivers?.().find((t) =>
          t.mid !== null && t.receiver.track.kind === kind && !t.sender.track
        );
        if (offered) {
          offered.direction = "sendrecv";
          this.media.senders.set(kind, offered.sender);
        }
      }
    }
  }

  /**
   * Before answering an offer: our tracks on its lines, and the private
   * channel if the offer has one (an offerer without one is left alone:
   * adding it would start a second negotiation).
   */
  #answerWith(link: PeerLink): void {
    if (offersChannel(link.pc.remoteDescription?.sdp)) {
      link.channel.attach(link.pc);
    }
    this.#addTracks();
  }

  /**
   * Relays `payloads` in order. An offer held back goes as the description
   * is now, with the candidates gathered meanwhile in it. What cannot leave
   * goes back to the machine's outbox.
   */
  #sendNegotiation(callId: string, payloads: NegotiationMessage[]): void {
    const local = this.pc?.localDescription;
    const queue = local
      ? foldCandidates(payloads, toWireDescription(local))
      : payloads;
    for (let i = 0; i < queue.length; i++) {
      if (!this.#deps.send({ type: "signal", callId, ...queue[i] })) {
        this.#report({ kind: "negotiationUnsent", payloads: queue.slice(i) });
        return;
      }
    }
  }

  /** Starts `timer` unless it is already running. */
  #startTimer(timer: TimerName, ms: number): void {
    if (this.#timers.has(timer)) return;
    const id = this.#deps.timers.setTimeout(() => {
      this.#timers.delete(timer);
      this.#report(TIMER_EVENTS[timer]);
    }, ms);
    this.#timers.set(timer, id);
  }
}
