/**
 * The call: remote video, local preview, status, timer and controls. The
 * two video elements always exist (empty when there is no call) so their
 * streams can be cleared, and so tests can find them.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Icon } from "./Icon.tsx";
import { useSession } from "./session_context.ts";
import type { CallSnapshot } from "../../client/call.ts";
import type { StreamLike } from "../../client/peer.ts";
import {
  type Quality,
  qualityDetails,
  qualityText,
} from "../../client/quality.ts";
import { canCallBack } from "../../client/call_outcome.ts";
import {
  callSummaryTemplate,
  endReasonTemplate,
  formatDuration,
  initial,
  PEER_SLOT,
} from "../../client/text.ts";
import { Named } from "./Named.tsx";
import { CallControls } from "./CallControls.tsx";
import { SelfView } from "./SelfView.tsx";
import { DeviceCheckButton } from "./SettingsButton.tsx";
import { StageTools } from "./StageTools.tsx";
import { SafetyHost, SafetyStatus, verifyState } from "./SafetyNumber.tsx";
import { useSpeaker } from "./use_speaker.ts";
import { useCallFocus, useCallShortcuts } from "./call_keyboard.ts";

interface StreamVideoProps {
  id: string;
  stream: StreamLike | null;
  muted?: boolean;
  mirrored?: boolean;
  hidden?: boolean;
  label: string;
}

/** A `<video>` showing a stream; cleared (not just hidden) when it goes. */
function StreamVideo(props: StreamVideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useSpeaker(ref, props.muted);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    const stream = props.stream as unknown as MediaStream | null;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream) {
      // Autoplay may be refused without a gesture; a click retries below.
      video.play().catch(() => {});
    } else {
      video.removeAttribute("src");
    }
  }, [props.stream]);
  useEffect(() => () => {
    if (ref.current) ref.current.srcObject = null;
  }, []);
  return (
    <video
      ref={ref}
      id={props.id}
      class={`video ${props.mirrored ? "video--mirrored" : ""}`}
      autoplay
      playsInline
      muted={props.muted}
      hidden={props.hidden}
      aria-label={props.label}
      onClick={(ev) => (ev.currentTarget as HTMLVideoElement).play()}
    />
  );
}

/** The status sentence, as a template for {@link Named}. */
function statusTemplate(snap: CallSnapshot): string {
  const peer = PEER_SLOT;
  switch (snap.phase) {
    case "outgoing":
      return snap.callId ? `Ringing ${peer}…` : `Calling ${peer}…`;
    case "incoming":
      return `${peer} is calling…`;
    case "connecting":
      return `Connecting to ${peer}…`;
    case "connected":
      return snap.iceState === "disconnected" || snap.iceState === "failed"
        ? "Connection unstable, reconnecting…"
        : `In a call with ${peer}`;
    case "ended":
      return endReasonTemplate(snap.endReason, snap.endedByMe);
    default:
      return "";
  }
}

/** Seconds since `since`, refreshed every second while mounted. */
function useElapsed(since: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (since === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [since]);
  return since === null ? 0 : Math.max(0, now - since);
}

/** Call view; no props. */
export default function CallView() {
  const { state } = useSession();
  const snap = state.call.value;
  const quality = state.quality.value;
  const elapsed = useElapsed(snap.connectedAt);
  const endedMs = state.endedCallMs.value;
  const { phase } = snap;
  useCallShortcuts();
  useCallFocus();
  const live = phase === "outgoing" || phase === "connecting" ||
    phase === "connected";
  // The peer's word that their camera is off counts before their last
  // frames fade: a frozen picture is not what they chose to show.
  const showRemoteVideo = snap.remoteVideoActive && !snap.audioOnly &&
    !snap.peerCameraOff;
  const localShown = snap.screenStream ?? snap.localStream;
  const showLocal = !!localShown && (snap.screenSharing ||
    (snap.hasCamera && !snap.cameraOff));
  const selfOff = live && phase !== "outgoing" && snap.hasCamera &&
    snap.cameraOff && !snap.screenSharing;

  return (
    <section
      class={`panel call call--${phase} ${live ? "call--live" : ""}`}
      data-call-state={phase}
      data-verify-state={phase === "connected"
        ? verifyState(snap.safety)
        : undefined}
      data-end-reason={snap.endReason ?? undefined}
      data-testid="call-view"
      aria-label="Call"
    >
      <SafetyHost snap={snap}>
        <div class="stage">
          <StreamVideo
            id="remote-video"
            stream={snap.remoteStream}
            hidden={!showRemoteVideo}
            label={snap.peer ? `Video from ${snap.peer}` : "Remote video"}
          />
          {!showRemoteVideo && (
            <div class="stage__placeholder">
              {phase === "idle"
                ? (
                  <p class="stage__hint">
                    Pick someone from the list to start a video or audio call.
                    <DeviceCheckButton />
                  </p>
                )
                : <PeerTile snap={snap} />}
            </div>
          )}
          <div class="stage__status">
            <p
              class="call__status"
              data-testid="call-status"
              aria-live="polite"
            >
              <Named template={statusTemplate(snap)} peer={snap.peer} />
            </p>
            {phase === "ended" && endedMs !== null && (
              <p class="call__summary" data-testid="call-summary">
                <Named
                  template={callSummaryTemplate(endedMs)}
                  peer={snap.peer}
                />
              </p>
            )}
            {phase === "connected" && (
              <p class="call__timer" data-testid="call-timer">
                <span class="visually-hidden">Call time</span>
                <time>{formatDuration(elapsed)}</time>
              </p>
            )}
            {phase === "connected" && quality && (
              <QualityBadge quality={quality} />
            )}
            <SafetyStatus snap={snap} />
            {live && snap.peerMicMuted && (
              <p class="call__badge" data-testid="peer-muted">
                <Icon name="mic-off" size={14} />
                <span>
                  <Named template={`${PEER_SLOT} is muted`} peer={snap.peer} />
                </span>
              </p>
            )}
          </div>
          {live && <StageTools video={showRemoteVideo} />}
          <SelfView shown={showLocal || selfOff}>
            {selfOff && (
              <div class="pip__off" data-testid="self-camera-off">
                <span class="avatar" aria-hidden="true">
                  {initial(state.me.value ?? "?")}
                </span>
                <span>Your camera is off</span>
              </div>
            )}
            <StreamVideo
              id="local-video"
              stream={localShown}
              muted
              mirrored={!snap.screenSharing}
              hidden={!showLocal}
              label={snap.screenSharing ? "Your shared screen" : "Your camera"}
            />
          </SelfView>
        </div>

        {live && <CallControls snap={snap} />}
        {phase === "ended" && <EndedControls snap={snap} />}
      </SafetyHost>
    </section>
  );
}

/**
 * The peer where their video would be: their initial, and why there is no
 * picture when they turned their camera off.
 */
function PeerTile({ snap }: { snap: CallSnapshot }) {
  const off = snap.peerCameraOff && !snap.audioOnly &&
    (snap.phase === "connected" || snap.phase === "connecting");
  return (
    <div
      class="peer-tile"
      data-testid={off ? "peer-camera-off" : undefined}
    >
      <span class="avatar avatar--large" aria-hidden="true">
        {initial(snap.peer ?? "?")}
      </span>
      {off && (
        <p class="peer-tile__text">
          <Named template={`${PEER_SLOT}'s camera is off`} peer={snap.peer} />
        </p>
      )}
    </div>
  );
}

/**
 * Under a call that ended: call the same person again, the same kind of
 * call (while they are in the room), or close the summary.
 */
function EndedControls({ snap }: { snap: CallSnapshot }) {
  const { state, actions } = useSession();
  const peer = snap.peer;
  const present = state.users.value.some((u) => u.name === peer);
  return (
    <div class="controls">
      {peer && canCallBack(snap, peer, present) && (
        <button
          type="button"
          class="button button--primary"
          data-testid="call-again"
          onClick={() => actions?.call(peer, snap.audioOnly)}
        >
          {snap.direction === "incoming" ? "Call back" : "Call again"}
        </button>
      )}
      <button
        type="button"
        class="button"
        data-testid="dismiss-call"
        onClick={() => actions?.dismissCall()}
      >
        Close
      </button>
    </div>
  );
}

/**
 * Connection quality in a few words, e.g. "Good · 12 ms · direct"; the
 * tooltip and accessible name spell out loss and bitrates.
 */
function QualityBadge({ quality: q }: { quality: Quality }) {
  const details = qualityDetails(q);
  return (
    <p
      class={`call__quality call__quality--${q.label}`}
      data-testid="quality"
      data-quality={q.label}
      data-path={q.path}
      title={details}
      aria-label={details}
      role="img"
    >
      <span class="call__quality-bars" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      {qualityText(q)}
    </p>
  );
}
