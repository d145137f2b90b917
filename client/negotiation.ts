/**
 * Perfect negotiation (W3C / MDN pattern) over one peer connection, plus the
 * buffering of ICE candidates that arrive before a remote description.
 *
 * Roles: the impolite peer ignores an offer that collides with its own; the
 * polite peer drops its own offer (implicit rollback in
 * `setRemoteDescription`) and answers. Either way exactly one offer wins.
 */
import type {
  NegotiationMessage,
  WireCandidate,
  WireDescription,
} from "./protocol.ts";
import type { CandidateLike, PeerConnectionLike } from "./peer.ts";

/** Options of {@link Negotiator}. */
export interface NegotiatorOptions {
  polite: boolean;
  /** Sends SDP or a candidate to the peer (the caller may gate it). */
  send(payload: NegotiationMessage): void;
  /**
   * Runs after a remote offer is applied and before the answer is made. The
   * answering side adds its tracks here so they ride on the offered
   * transceivers: one offer/answer round, no renegotiation afterwards.
   */
  beforeAnswer?(): Promise<void> | void;
  /** A description could not be applied; the call is probably broken. */
  onError?(err: unknown): void;
}

export function toWireDescription(
  desc: RTCSessionDescriptionInit,
): WireDescription {
  return { type: desc.type as WireDescription["type"], sdp: desc.sdp ?? "" };
}

function toWireCandidate(candidate: CandidateLike): RTCIceCandidateInit {
  if (typeof candidate.toJSON === "function") return candidate.toJSON();
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid,
    sdpMLineIndex: candidate.sdpMLineIndex,
    usernameFragment: candidate.usernameFragment,
  };
}

/**
 * Folds the candidates gathered while an offer was held back into the offer:
 * `current`, the connection's local description now, in place of the held
 * offer and its candidates. A browser adds each candidate to the local
 * description before it fires the event, so `current` lists them all. The
 * peer gets one message instead of one per candidate and can check them all
 * as soon as it has answered. Returns `outbox` as it is unless it holds
 * exactly one description, an offer, and `current` is an offer too.
 */
export function foldCandidates(
  outbox: NegotiationMessage[],
  current: WireDescription | null,
): NegotiationMessage[] {
  return current?.type === "offer" &&
      outbox[0]?.description?.type === "offer" &&
      outbox.filter((p) => p.description).length === 1
    ? [{ description: current }]
    : outbox;
}

/** Drives offers and answers for one peer connection; see the module doc. */
export class Negotiator {
  /** Whether this side yields on an offer collision. */
  polite: boolean;
  #pc: PeerConnectionLike;
  #options: NegotiatorOptions;
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswer = false;
  #pending: RTCIceCandidateInit[] = [];
  // Incoming SDP and candidates are applied strictly in arrival order.
  #queue: Promise<void> = Promise.resolve();
  #detached = false;

  constructor(pc: PeerConnectionLike, options: NegotiatorOptions) {
    this.#pc = pc;
    this.#options = options;
    this.polite = options.polite;
    pc.onnegotiationneeded = () => void this.#offer();
    pc.onicecandidate = (ev) => {
      // A null candidate (end of gathering) is optional in trickle ICE and
      // only adds a frame; skip it.
      if (!ev.candidate || this.#detached) return;
      this.#options.send({ candidate: toWireCandidate(ev.candidate) });
    };
  }

  /** Candidates waiting for a remote description (for tests and stats). */
  get pendingCandidates(): number {
    return this.#pending.length;
  }

  /**
   * Applies one incoming `signal` payload. Resolves when it (and everything
   * before it) has been applied; never rejects.
   */
  handle(payload: NegotiationMessage): Promise<void> {
    this.#queue = this.#queue.then(() =>
      this.#detached ? undefined : this.#apply(payload)
    );
    return this.#queue;
  }

  /** Stops reacting to the connection (before it is closed). */
  detach(): void {
    this.#detached = true;
    this.#pending = [];
  }

  async #offer(): Promise<void> {
    if (this.#detached) return;
    try {
      this.#makingOffer = true;
      // No argument: the browser creates the right kind of description for
      // the current state, which is what makes rollback-free races safe.
      await this.#pc.setLocalDescription();
      const local = this.#pc.localDescription;
      if (local && !this.#detached) {
        this.#options.send({ description: toWireDescription(local) });
      }
    } catch (err) {
      if (!this.#detached) this.#options.onError?.(err);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #apply(payload: NegotiationMessage): Promise<void> {
    try {
      if (payload.description) {
        await this.#applyDescription(payload.description);
      } else if (payload.candidate !== undefined) {
        await this.#applyCandidate(payload.candidate);
      }
    } catch (err) {
      if (!this.#detached) this.#options.onError?.(err);
    }
  }

  async #applyDescription(description: WireDescription): Promise<void> {
    const pc = this.#pc;
    const readyForOffer = !this.#makingOffer &&
      (pc.signalingState === "stable" || this.#settingRemoteAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    this.#ignoreOffer = !this.polite && collision;
    if (this.#ignoreOffer) return;

    this.#settingRemoteAnswer = description.type === "answer";
    try {
      await pc.setRemoteDescription(description);
    } finally {
      this.#settingRemoteAnswer = false;
    }
    if (this.#detached) return;
    // Candidates first: connectivity checks can start while the answer is
    // still being prepared.
    await this.#flushCandidates();
    if (description.type !== "offer") return;
    await this.#options.beforeAnswer?.();
    if (this.#detached) return;
    await pc.setLocalDescription();
    const local = pc.localDescription;
    if (local && !this.#detached) {
      this.#options.send({ description: toWireDescription(local) });
    }
  }

  async #applyCandidate(candidate: WireCandidate): Promise<void> {
    if (candidate === null) return;
    if (!this.#pc.remoteDescription) {
      this.#pending.push(candidate);
      return;
    }
    await this.#addCandidate(candidate);
  }

  async #flushCandidates(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    for (const candidate of pending) await this.#addCandidate(candidate);
  }

  async #addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.#pc.addIceCandidate(candidate);
    } catch (err) {
      // Candidates of an offer we ignored are expected to fail; others are
      // worth a log line but never worth ending a call over.
      if (!this.#ignoreOffer) console.warn("ICE candidate rejected", err);
    }
  }
}
