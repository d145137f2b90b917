/**
 * The peer connection of one call with what hangs on it: perfect
 * negotiation, the remote stream, and the ICE watch (restarts, giving up).
 * What happens on it is reported to the machine as events.
 */
import { watchIce } from "../ice_watch.ts";
import { Negotiator } from "../negotiation.ts";
import {
  PC_HANDLERS,
  type PeerConnectionFactory,
  type PeerConnectionLike,
  type StreamLike,
} from "../peer.ts";
import type { Timers } from "../timers.ts";
import { stopAll } from "./media_controls.ts";
import { PeerChannel, type PeerChannelHooks } from "./peer_channel.ts";
import { LinkSafety, type SafetyHooks } from "../safety/link_safety.ts";
import type { NegotiationMessage } from "../protocol.ts";
import type { CallEvent } from "./states.ts";

/** What every call's connection is made with. */
export interface PeerLinkDeps {
  createPeerConnection: PeerConnectionFactory;
  createStream(): StreamLike;
  timers: Timers;
  iceServers(): RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Who was verified under the peer's name (`safety/link_safety.ts`). */
  safety: Omit<SafetyHooks, "changed">;
}

/** What this call's connection reports to. */
export interface PeerLinkHooks {
  polite: boolean;
  report(event: CallEvent): void;
  /** The remote stream or the ICE state changed. */
  changed(): void;
  /** Runs before an answer is made: adds our tracks to the offered lines. */
  beforeAnswer(): Promise<void>;
  /** What the private channel reports (`peer_channel.ts`). */
  channel: Omit<PeerChannelHooks, "safety">;
}

/** A connection, its negotiator and its watchers; see the module doc. */
export class PeerLink {
  readonly pc: PeerConnectionLike;
  readonly negotiator: Negotiator;
  /** The call's private channel; opened by whoever offers first. */
  readonly channel: PeerChannel;
  /** The safety number of this connection, compared over its channel. */
  readonly safety: LinkSafety;
  remote: StreamLike | null = null;
  iceState = "new";
  #stopIce: () => void;

  constructor(deps: PeerLinkDeps, hooks: PeerLinkHooks) {
    const pc = deps.createPeerConnection({
      iceServers: deps.iceServers(),
      // Both ends are this page, which always bundles: gathering and checking
      // one transport instead of one per media line halves the candidates
      // to signal and apply before the media can flow.
      bundlePolicy: "max-bundle",
      ...(deps.iceTransportPolicy
        ? { iceTransportPolicy: deps.iceTransportPolicy }
        : {}),
    });
    this.pc = pc;
    this.safety = new LinkSafety(
      pc,
      (message) => this.channel.send(message),
      { ...deps.safety, changed: hooks.changed },
    );
    this.channel = new PeerChannel({
      ...hooks.channel,
      changed: () => {
        if (this.channel.open) void this.safety.opened();
        hooks.channel.changed();
      },
      safety: (message) => this.safety.receive(message),
    });
    this.negotiator = new Negotiator(pc, {
      polite: hooks.polite,
      send: (payload) => hooks.report({ kind: "localNegotiation", payload }),
      beforeAnswer: hooks.beforeAnswer,
      onError: (err) => console.warn("negotiation failed", err),
    });
    const linkState = () =>
      hooks.report({
        kind: "linkState",
        state: pc.connectionState ?? pc.iceConnectionState,
        at: deps.timers.now(),
      });
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] ?? this.remote ?? deps.createStream();
      if (!ev.streams[0]) stream.addTrack(ev.track);
      this.remote = stream;
      stream.onremovetrack = hooks.changed;
      ev.track.onmute = ev.track.onunmute = hooks.changed;
      hooks.changed();
    };
    pc.onconnectionstatechange = linkState;
    this.#stopIce = watchIce(pc, {
      timers: deps.timers,
      onState: (state) => {
        this.iceState = state;
        linkState();
        hooks.changed();
      },
      onGiveUp: () => hooks.report({ kind: "iceGaveUp" }),
    });
  }

  /** Closes the connection and stops what it received. */
  close(): void {
    this.safety.close();
    this.channel.close();
    this.negotiator.detach();
    this.#stopIce();
    // Detach first so that close() cannot call back into a finished call.
    for (const handler of PC_HANDLERS) this.pc[handler] = null;
    try {
      this.pc.close();
    } catch {
      // Already closed.
    }
    const remote = this.remote;
    if (!remote) return;
    remote.onremovetrack = null;
    for (const t of remote.getTracks()) t.onmute = t.onunmute = null;
    stopAll(remote);
  }
}

/**
 * The session an SDP belongs to: the id of its `o=` line, which a
 * connection picks once and keeps through every renegotiation.
 */
function sessionOf(sdp: string | undefined): string | null {
  return sdp ? /^o=\S+ (\S+) /m.exec(sdp)?.[1] ?? null : null;
}

/**
 * Whether `payload` is an offer from a new connection of the peer (its page
 * was reloaded and rejoined the call): a session other than the one `pc` is
 * connected to. (Not the certificate: a browser keeps one across reloads,
 * see `safety/certificate.ts`.) A connection cannot move to a new peer
 * connection, so the call needs a new one of its own.
 */
export function offerFromNewPeer(
  pc: PeerConnectionLike,
  payload: NegotiationMessage,
): boolean {
  if (payload.description?.type !== "offer") return false;
  const current = sessionOf(pc.remoteDescription?.sdp);
  const offered = sessionOf(payload.description.sdp);
  return current !== null && offered !== null && current !== offered;
}
