/**
 * The slices of the WebRTC and media APIs the client modules use. Declaring
 * them here (instead of using the DOM classes directly) lets Deno tests pass
 * small fakes, and documents exactly what the call code depends on.
 */
import type { StatsEntry } from "./quality.ts";

/** A media track as the call code uses it. */
export interface TrackLike {
  readonly kind: string;
  readonly id: string;
  readonly label?: string;
  enabled: boolean;
  readonly readyState?: string;
  /** Remote tracks are muted while no media arrives for them. */
  readonly muted?: boolean;
  onended: ((ev: Event) => unknown) | null;
  onmute?: ((ev: Event) => unknown) | null;
  onunmute?: ((ev: Event) => unknown) | null;
  stop(): void;
  getSettings?(): { deviceId?: string; width?: number; height?: number };
}

/** A media stream as the call code uses it. */
export interface StreamLike {
  readonly id?: string;
  getTracks(): TrackLike[];
  getAudioTracks(): TrackLike[];
  getVideoTracks(): TrackLike[];
  addTrack(track: TrackLike): void;
  removeTrack(track: TrackLike): void;
  onremovetrack?: ((ev: Event) => unknown) | null;
}

/** An RTP sender: swapping its track, and its encoding parameters. */
export interface SenderLike {
  readonly track: TrackLike | null;
  replaceTrack(track: TrackLike | null): Promise<void>;
  /** For the small start of video (`video_start.ts`); absent in simple fakes. */
  getParameters?(): RTCRtpSendParameters;
  setParameters?(parameters: RTCRtpSendParameters): Promise<void>;
}

/** An ICE candidate as the `icecandidate` event carries it. */
export interface CandidateLike {
  toJSON?(): RTCIceCandidateInit;
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** The event given to `ontrack`. */
export interface TrackEventLike {
  track: TrackLike;
  streams: readonly StreamLike[];
}

/** The part of `RTCDataChannel` the call code uses (text messages only). */
export interface DataChannelLike {
  readonly readyState: string;
  /** Bytes queued and not yet sent. */
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: Event) => unknown) | null;
  onclose: ((ev: Event) => unknown) | null;
  onmessage: ((ev: { data: unknown }) => unknown) | null;
}

/** A transceiver, as far as answering with a sender goes. */
export interface TransceiverLike {
  readonly mid: string | null;
  readonly receiver: { readonly track: { readonly kind: string } };
  readonly sender: SenderLike;
  direction: string;
}

/** The part of `RTCPeerConnection` the call code uses. */
export interface PeerConnectionLike {
  readonly signalingState: string;
  readonly iceConnectionState: string;
  readonly connectionState?: string;
  readonly localDescription: RTCSessionDescriptionInit | null;
  readonly remoteDescription: RTCSessionDescriptionInit | null;
  onnegotiationneeded: ((ev: Event) => unknown) | null;
  onicecandidate:
    | ((ev: { candidate: CandidateLike | null }) => unknown)
    | null;
  ontrack: ((ev: TrackEventLike) => unknown) | null;
  oniceconnectionstatechange: ((ev: Event) => unknown) | null;
  onconnectionstatechange: ((ev: Event) => unknown) | null;
  onsignalingstatechange: ((ev: Event) => unknown) | null;
  setLocalDescription(desc?: RTCSessionDescriptionInit): Promise<void>;
  setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void>;
  addTrack(track: TrackLike, ...streams: StreamLike[]): SenderLike;
  addTransceiver(
    kind: string,
    init?: { direction?: RTCRtpTransceiverDirection; streams?: StreamLike[] },
  ): { sender: SenderLike };
  /** The call's private channel (absent in simple fakes). */
  createDataChannel?(
    label: string,
    init: { negotiated: boolean; id: number; ordered?: boolean },
  ): DataChannelLike;
  /** The transceivers, to send on those a remote offer made. */
  getTransceivers?(): TransceiverLike[];
  restartIce(): void;
  close(): void;
  /** Statistics for the quality indicator (absent in simple fakes). */
  getStats?(): Promise<{ forEach(fn: (value: StatsEntry) => void): void }>;
  /** Current configuration, so a change can keep everything but one field. */
  getConfiguration?(): RTCConfiguration;
  /** Swaps ICE servers on a live connection (fresh TURN credentials). */
  setConfiguration?(configuration: RTCConfiguration): void;
}

/** Makes a peer connection; the browser default is `new RTCPeerConnection`. */
export type PeerConnectionFactory = (
  config: RTCConfiguration,
) => PeerConnectionLike;

/** `getUserMedia`-shaped function. */
export type GetUserMedia = (
  constraints: MediaStreamConstraints,
) => Promise<StreamLike>;

/** `getDisplayMedia`-shaped function. */
export type GetDisplayMedia = (
  constraints: DisplayMediaStreamOptions,
) => Promise<StreamLike>;

/** The event handler names the call code sets on a peer connection. */
export const PC_HANDLERS = [
  "onnegotiationneeded",
  "onicecandidate",
  "ontrack",
  "oniceconnectionstatechange",
  "onconnectionstatechange",
  "onsignalingstatechange",
] as const;
