/**
 * What a view draws of a call: the machine's state and the call's media,
 * flattened into one object, and when a new one is worth drawing.
 */
import type { StreamLike } from "../peer.ts";
import type { PeerMedia } from "./peer_channel.ts";
import type { SafetyView } from "../safety/link_safety.ts";
import { basics, callIdOf, isLive } from "./shape.ts";
import type { CallEndReason, CallState } from "./states.ts";

/** Every phase a view can show, in the order a call goes through them. */
export const CALL_PHASES = [
  "idle",
  "outgoing",
  "incoming",
  "connecting",
  "connected",
  "ended",
] as const;

/** Where a call is in its life, as views name it (`data-call-state`). */
export type CallPhase = typeof CALL_PHASES[number];

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
  /** Our camera can be used in this call (it may be off). */
  hasCamera: boolean;
  /** The call's private channel is open: messages can be sent. */
  channelOpen: boolean;
  micMuted: boolean;
  cameraOff: boolean;
  /** The other person muted their microphone (they told us, see `peer_state.ts`). */
  peerMicMuted: boolean;
  /** The other person's camera is off. */
  peerCameraOff: boolean;
  screenSharing: boolean;
  /** The screen being shared, for the local preview. */
  screenStream: StreamLike | null;
  /** Latest `iceConnectionState` (`disconnected` means "reconnecting"). */
  iceState: string;
  /** The connection's safety number, null before there is a connection. */
  safety: SafetyView | null;
}

/** The media side of a call, as the runner holds it. */
export interface CallMediaView {
  readonly localStream: StreamLike | null;
  readonly remoteStream: StreamLike | null;
  readonly screenStream: StreamLike | null;
  readonly iceState: string;
  /** What the other person said of their own microphone and camera. */
  readonly peerMedia: PeerMedia | null;
  /** Whether our camera can take part (a video call, a usable camera). */
  readonly cameraUsable: boolean;
  /** Whether the private channel is open. */
  readonly channelOpen: boolean;
  /** The connection's safety number. */
  readonly safety: { readonly view: SafetyView } | null;
}

const PHASES: Record<CallState["kind"], CallPhase> = {
  idle: "idle",
  preparing: "outgoing",
  dialing: "outgoing",
  ringingOut: "outgoing",
  ringingIn: "incoming",
  accepting: "connecting",
  connecting: "connecting",
  connected: "connected",
  restoring: "connecting",
  ended: "ended",
};

function connectedAtOf(c: CallState): number | null {
  return c.kind === "connected" || c.kind === "restoring"
    ? c.connectedAt
    : null;
}

/**
 * What a view needs to draw: the call `c` (no call when null) and, while it
 * is under way, its `media`.
 */
export function snapshotOf(
  c: CallState | null = null,
  media: CallMediaView | null = null,
  micMuted = false,
  cameraOff = false,
): CallSnapshot {
  const call: CallState = c ?? { kind: "idle" };
  const who = isLive(call) ? basics(call) : call.kind === "ended" ? call : null;
  const connectedAt = connectedAtOf(call);
  const live = isLive(call) ? media : null;
  const remote = live?.remoteStream ?? null;
  const remoteVideo = remote?.getVideoTracks()[0];
  return {
    phase: connectedAt !== null ? "connected" : PHASES[call.kind],
    callId: callIdOf(call),
    peer: who?.peer ?? null,
    direction: who?.direction ?? null,
    audioOnly: who?.audioOnly ?? false,
    endReason: call.kind === "ended" ? call.reason : null,
    endedByMe: call.kind === "ended" && call.byMe,
    connectedAt,
    localStream: live?.localStream ?? null,
    remoteStream: remote,
    remoteVideoActive: !!remoteVideo && remoteVideo.muted !== true,
    hasCamera: live?.cameraUsable ?? false,
    channelOpen: live?.channelOpen ?? false,
    micMuted,
    cameraOff,
    peerMicMuted: live?.peerMedia?.micMuted ?? false,
    peerCameraOff: live?.peerMedia?.cameraOff ?? false,
    screenSharing: !!live?.screenStream,
    screenStream: live?.screenStream ?? null,
    iceState: live?.iceState ?? "new",
    safety: live?.safety?.view ?? null,
  };
}

/** Whether two snapshots draw the same (field by field). */
export function sameSnapshot(a: CallSnapshot, b: CallSnapshot): boolean {
  return (Object.keys(a) as (keyof CallSnapshot)[]).every((k) => a[k] === b[k]);
}
