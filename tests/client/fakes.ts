/**
 * Small stand-ins for browser APIs (timers, WebSocket, media, peer
 * connection) so client modules can be tested in Deno without permissions.
 */
import type {
  CandidateLike,
  PeerConnectionLike,
  SenderLike,
  StreamLike,
  TrackEventLike,
  TrackLike,
} from "../../client/peer.ts";
import type { ServerMessage } from "../../client/protocol.ts";
import type { StatsEntry } from "../../client/quality.ts";
import type { KeyValueStore } from "../../client/saved_session.ts";
import type { SocketLike } from "../../client/relay_client.ts";
import type { Timers } from "../../client/timers.ts";

/** Lets pending promise callbacks run (several rounds of them). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** A clock that only moves when told to. */
export class FakeClock implements Timers {
  time = 0;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: number | undefined): void {
    if (id !== undefined) this.#timers.delete(id);
  }

  now(): number {
    return this.time;
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Delays of the pending timers from now, sorted. */
  pendingDelays(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.time).sort((
      a,
      b,
    ) => a - b);
  }

  /** Advances time, running every timer that falls due, in order. */
  tick(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let dueId: number | undefined;
      let due: { at: number; fn: () => void } | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= end && (!due || timer.at < due.at)) {
          dueId = id;
          due = timer;
        }
      }
      if (!due || dueId === undefined) break;
      this.#timers.delete(dueId);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }
}

/** A WebSocket whose server side the test plays. */
export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closedWith: number | undefined;
  onopen: ((ev: Event) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;

  constructor(readonly url: string, readonly protocols: string[]) {
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("not open");
    this.sent.push(JSON.parse(data));
  }

  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  /** The server accepts the connection. */
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  /** The server sends a message. */
  receive(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent);
  }

  /** The connection drops. */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

let trackCounter = 0;

/** A media track that records being stopped. */
export class FakeTrack implements TrackLike {
  readonly id = `track-${++trackCounter}`;
  enabled = true;
  readyState = "live";
  muted = false;
  stopped = false;
  onended: ((ev: Event) => unknown) | null = null;
  onmute: ((ev: Event) => unknown) | null = null;
  onunmute: ((ev: Event) => unknown) | null = null;

  constructor(readonly kind: string, readonly label = kind) {}

  stop(): void {
    this.stopped = true;
    this.readyState = "ended";
  }
}

/** A media stream over fake tracks. */
export class FakeStream implements StreamLike {
  readonly id = `stream-${++trackCounter}`;
  onremovetrack: ((ev: Event) => unknown) | null = null;
  #tracks: TrackLike[];

  constructor(tracks: TrackLike[] = []) {
    this.#tracks = [...tracks];
  }

  getTracks(): TrackLike[] {
    return [...this.#tracks];
  }
  getAudioTracks(): TrackLike[] {
    return this.#tracks.filter((t) => t.kind === "audio");
  }
  getVideoTracks(): TrackLike[] {
    return this.#tracks.filter((t) => t.kind === "video");
  }
  addTrack(track: TrackLike): void {
    if (!this.#tracks.includes(track)) this.#tracks.push(track);
  }
  removeTrack(track: TrackLike): void {
    this.#tracks = this.#tracks.filter((t) => t !== track);
  }
}

/** Records every track it is given. */
export class FakeSender implements SenderLike {
  replaced: (TrackLike | null)[] = [];
  constructor(public track: TrackLike | null) {}
  replaceTrack(track: TrackLike | null): Promise<void> {
    this.track = track;
    this.replaced.push(track);
    return Promise.resolve();
  }
}

/** A fake `getUserMedia` that hands out fresh fake tracks and logs calls. */
export function fakeGetUserMedia(
  options: {
    camera?: boolean;
    mic?: boolean;
    error?: string;
    /** A device the person blocked: asking for it is refused. */
    blocked?: "audio" | "video";
  } = {},
) {
  const { camera = true, mic = true } = options;
  const calls: MediaStreamConstraints[] = [];
  const streams: FakeStream[] = [];
  const fn = (constraints: MediaStreamConstraints): Promise<StreamLike> => {
    calls.push(constraints);
    if (options.error) {
      return Promise.reject(new DOMException("nope", options.error));
    }
    if (options.blocked && constraints[options.blocked]) {
      return Promise.reject(new DOMException("blocked", "NotAllowedError"));
    }
    if ((constraints.video && !camera) || (constraints.audio && !mic)) {
      return Promise.reject(new DOMException("none", "NotFoundError"));
    }
    const tracks: FakeTrack[] = [];
    if (constraints.audio) tracks.push(new FakeTrack("audio"));
    if (constraints.video) tracks.push(new FakeTrack("video"));
    const stream = new FakeStream(tracks);
    streams.push(stream);
    return Promise.resolve(stream);
  };
  return Object.assign(fn, { calls, streams });
}

/**
 * A peer connection that keeps only the signaling state machine: enough to
 * test negotiation logic, candidate buffering and cleanup.
 */
export class FakePeerConnection implements PeerConnectionLike {
  static instances: FakePeerConnection[] = [];
  signalingState = "stable";
  iceConnectionState = "new";
  connectionState = "new";
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onnegotiationneeded: ((ev: Event) => unknown) | null = null;
  onicecandidate:
    | ((ev: { candidate: CandidateLike | null }) => unknown)
    | null = null;
  ontrack: ((ev: TrackEventLike) => unknown) | null = null;
  oniceconnectionstatechange: ((ev: Event) => unknown) | null = null;
  onconnectionstatechange: ((ev: Event) => unknown) | null = null;
  onsignalingstatechange: ((ev: Event) => unknown) | null = null;
  /** Everything that happened, in order, e.g. "setRemote:offer". */
  log: string[] = [];
  candidates: RTCIceCandidateInit[] = [];
  senders: FakeSender[] = [];
  transceivers: { kind: string; direction?: string }[] = [];
  restarts = 0;
  closed = false;
  /** Every configuration passed to `setConfiguration`, in order. */
  configurations: RTCConfiguration[] = [];
  /** What `getStats()` reports; set by a test. */
  stats: StatsEntry[] = [];
  #sdp = 0;
  #config: RTCConfiguration;

  constructor(readonly config: RTCConfiguration = {}) {
    FakePeerConnection.instances.push(this);
    this.#config = config;
  }

  getConfiguration(): RTCConfiguration {
    return this.#config;
  }

  setConfiguration(config: RTCConfiguration): void {
    if (this.closed) throw new DOMException("closed", "InvalidStateError");
    this.configurations.push(config);
    this.#config = config;
  }

  getStats(): Promise<{ forEach(fn: (value: StatsEntry) => void): void }> {
    const entries = [...this.stats];
    return Promise.resolve({ forEach: (fn) => entries.forEach((e) => fn(e)) });
  }

  async setLocalDescription(desc?: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new DOMException("closed", "InvalidStateError");
    if (desc?.type === "rollback") {
      this.log.push("rollback");
      this.signalingState = "stable";
      this.localDescription = null;
      return;
    }
    const type = this.signalingState === "have-remote-offer"
      ? "answer"
      : "offer";
    this.localDescription = { type, sdp: `${type}-${++this.#sdp}` };
    this.signalingState = type === "offer" ? "have-local-offer" : "stable";
    this.log.push(`setLocal:${type}`);
  }

  async setRemoteDescription(desc: RTCSessionDescriptionInit): Promise<void> {
    await Promise.resolve();
    if (this.closed) throw new DOMException("closed", "InvalidStateError");
    if (desc.type === "offer") {
      if (this.signalingState === "have-local-offer") {
        this.log.push("rollback");
        this.localDescription = null;
      }
      this.signalingState = "have-remote-offer";
    } else if (desc.type === "answer") {
      if (this.signalingState !== "have-local-offer") {
        throw new DOMException("no offer", "InvalidStateError");
      }
      this.signalingState = "stable";
    }
    this.remoteDescription = desc;
    this.log.push(`setRemote:${desc.type}`);
  }

  async addIceCandidate(candidate?: RTCIceCandidateInit): Promise<void> {
    await Promise.resolve();
    if (!this.remoteDescription) {
      throw new DOMException("no remote description", "InvalidStateError");
    }
    this.candidates.push(candidate!);
    this.log.push(`candidate:${candidate?.candidate}`);
  }

  addTrack(track: TrackLike): SenderLike {
    const sender = new FakeSender(track);
    this.senders.push(sender);
    this.log.push(`addTrack:${track.kind}`);
    this.#needNegotiation();
    return sender;
  }

  addTransceiver(
    kind: string,
    init?: { direction?: RTCRtpTransceiverDirection },
  ): { sender: SenderLike } {
    const sender = new FakeSender(null);
    this.senders.push(sender);
    this.transceivers.push({ kind, direction: init?.direction });
    this.log.push(`addTransceiver:${kind}`);
    this.#needNegotiation();
    return { sender };
  }

  restartIce(): void {
    this.restarts++;
    this.#needNegotiation();
  }

  close(): void {
    this.closed = true;
    this.signalingState = "closed";
    this.log.push("close");
  }

  /** The local ICE agent found a candidate. */
  gather(candidate: string): void {
    // As in browsers, the local description lists what has been gathered.
    const local = this.localDescription;
    if (local?.sdp !== undefined) {
      const sdp = local.sdp.endsWith("\r\n") ? local.sdp : `${local.sdp}\r\n`;
      this.localDescription = { ...local, sdp: `${sdp}a=${candidate}\r\n` };
    }
    this.onicecandidate?.({
      candidate: { candidate, sdpMid: "0", sdpMLineIndex: 0 },
    });
  }

  /** Changes the ICE (and overall) connection state and fires the events. */
  setIceState(state: string): void {
    this.iceConnectionState = state;
    this.oniceconnectionstatechange?.(new Event("iceconnectionstatechange"));
    if (state === "connected" || state === "failed") {
      this.connectionState = state;
      this.onconnectionstatechange?.(new Event("connectionstatechange"));
    }
  }

  /** A remote track arrives. */
  remoteTrack(track: TrackLike, stream: StreamLike): void {
    this.ontrack?.({ track, streams: [stream] });
  }

  #pendingNegotiation = false;
  #needNegotiation(): void {
    // Browsers coalesce and fire only from the stable state.
    if (this.#pendingNegotiation || this.signalingState !== "stable") return;
    this.#pendingNegotiation = true;
    queueMicrotask(() => {
      this.#pendingNegotiation = false;
      if (!this.closed && this.signalingState === "stable") {
        this.onnegotiationneeded?.(new Event("negotiationneeded"));
      }
    });
  }
}

/** `sessionStorage` over a Map. */
export class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
}

/**
 * Takes a call we placed to bob (as call `c1`) through the server's side of
 * it: ringing, accepted, bob's answer, then bob's tracks arrive and the
 * connection comes up on `pc()`.
 */
export async function connectCallToBob(
  receive: (msg: ServerMessage) => void,
  pc: () => FakePeerConnection,
): Promise<void> {
  receive({ type: "ringing", callId: "c1", to: "bob" });
  await settle();
  receive({ type: "accepted", callId: "c1", peer: "bob", polite: false });
  receive({
    type: "signal",
    callId: "c1",
    description: { type: "answer", sdp: "bob-answer" },
  });
  await settle(40);
  pc().remoteTrack(
    new FakeTrack("video"),
    new FakeStream([new FakeTrack("audio"), new FakeTrack("video")]),
  );
  pc().setIceState("connected");
}
