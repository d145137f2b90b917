/**
 * Mallory's page, the third page of a man-in-the-middle test (`mitm.ts`):
 * it holds one `RTCPeerConnection` per person, each playing the other
 * person's part (the polite side where that person is impolite and the
 * other way round, with perfect negotiation), and forwards what arrives on
 * one to the other: the audio and video tracks, and the messages of the
 * call's negotiated data channel (id 0: mute state, private chat, whatever
 * else the pages say to each other there). It gets each side's signals from
 * the proxy over a WebSocket of its own and answers the same way.
 */
import type { NegotiationMessage } from "../../client/protocol.ts";
import type { TestBrowser, TestPage } from "../helpers/browsers.ts";
import {
  type FromMallory,
  MALLORY_PAGE,
  MALLORY_SOCKET,
  type MitmProxy,
  type ToMallory,
} from "./mitm.ts";

/** What mallory's page did, read by {@link malloryReport}. */
export interface MalloryReport {
  /** Names mallory holds a connection with, and that connection's state. */
  connections: Record<string, string>;
  /** Tracks received from one person and sent on to the other. */
  tracksForwarded: number;
  /** Data-channel messages passed from one person to the other. */
  messagesForwarded: number;
  /** Negotiation steps that threw. */
  errors: string[];
  /** Per name, each media line: mid, kind, direction, whether it sends. */
  lines: Record<string, string[]>;
}

/**
 * Opens mallory's page in its own context of `browser` and starts it: it
 * connects to `proxy` and plays the other person to each side of every
 * diverted call.
 */
export async function startMallory(
  browser: TestBrowser,
  proxy: MitmProxy,
): Promise<TestPage> {
  const page = await browser.newPage();
  await page.goto(new URL(MALLORY_PAGE, proxy.url).href);
  await page.evaluate(
    malloryMain,
    new URL(MALLORY_SOCKET, proxy.url.replace("http", "ws")).href,
  );
  return page;
}

/** What mallory's page has done so far. */
export function malloryReport(page: TestPage): Promise<MalloryReport> {
  return page.evaluate(() =>
    (globalThis as unknown as { __mallory: { report(): MalloryReport } })
      .__mallory.report()
  );
}

/**
 * Mallory's page: runs in the browser (so it refers to nothing outside
 * itself). Resolves once its socket to the proxy is open.
 */
function malloryMain(socketUrl: string): Promise<void> {
  /** Mallory's connection with one person, posing as that person's peer. */
  interface Side {
    name: string;
    peer: string;
    pc: RTCPeerConnection;
    polite: boolean;
    makingOffer: boolean;
    ignoreOffer: boolean;
    answered: boolean;
    /** Incoming signals, applied strictly in arrival order. */
    queue: Promise<void>;
    /** Candidates that came before a remote description. */
    early: RTCIceCandidateInit[];
    channel: RTCDataChannel | null;
    /** Channel messages for this person, held until the channel opens. */
    held: string[];
    /** Tracks this person sends, with their stream. */
    received: { track: MediaStreamTrack; stream: MediaStream }[];
    /** Settles once a remote description has been applied. */
    remoteSet: Promise<void>;
    markRemoteSet(): void;
  }

  const sides = new Map<string, Side>();
  const report = {
    tracksForwarded: 0,
    messagesForwarded: 0,
    errors: [] as string[],
  };
  const socket = new WebSocket(socketUrl);
  const send = (message: FromMallory) =>
    socket.readyState === WebSocket.OPEN &&
    socket.send(JSON.stringify(message));
  const failed = (what: string) => (err: unknown) => {
    report.errors.push(`${what}: ${err}`);
  };

  function channelOf(side: Side): RTCDataChannel {
    if (side.channel) return side.channel;
    // The app's private channel: negotiated, id 0, on both of its sides.
    const channel = side.pc.createDataChannel("parley", {
      negotiated: true,
      id: 0,
      ordered: true,
    });
    side.channel = channel;
    channel.onopen = () => {
      for (const data of side.held.splice(0)) channel.send(data);
    };
    channel.onmessage = (ev) => {
      const other = sides.get(side.peer);
      if (!other) return;
      report.messagesForwarded++;
      if (other.channel?.readyState === "open") other.channel.send(ev.data);
      else other.held.push(ev.data);
    };
    return channel;
  }

  /** Sends `track` to `side`'s person, on a free line or a new one. */
  function forward(side: Side, track: MediaStreamTrack, stream: MediaStream) {
    const pc = side.pc;
    if (pc.getSenders().some((s) => s.track === track)) return;
    report.tracksForwarded++;
    const free = pc.getTransceivers().find((t) =>
      t.currentDirection !== "stopped" && t.mid !== null &&
      t.receiver.track.kind === track.kind &&
      !t.sender.track
    );
    if (free) {
      if (free.direction === "recvonly") free.direction = "sendrecv";
      if (free.direction === "inactive") free.direction = "sendonly";
      free.sender.setStreams(stream);
      free.sender.replaceTrack(track).catch(failed("replaceTrack"));
      return;
    }
    // Before the tracks, in the same task: one offer carries all of them.
    channelOf(side);
    pc.addTrack(track, stream);
  }

  /**
   * Plays a received audio track, silently: Chromium decodes a remote
   * track's audio only while something plays it, and what is not decoded
   * cannot be sent on.
   */
  function play(track: MediaStreamTrack) {
    const audio = new Audio();
    audio.muted = true;
    audio.srcObject = new MediaStream([track]);
    audio.play().catch(failed("play"));
  }

  /** Sends everything `from`'s person sends on to `to`'s. */
  function forwardAll(from: Side | undefined, to: Side | undefined) {
    if (!from || !to) return;
    for (const { track, stream } of from.received) forward(to, track, stream);
  }

  async function offer(side: Side) {
    try {
      side.makingOffer = true;
      await side.pc.setLocalDescription();
      const d = side.pc.localDescription!;
      send({ to: side.name, description: { type: d.type, sdp: d.sdp } });
    } catch (err) {
      failed("offer")(err);
    } finally {
      side.makingOffer = false;
    }
  }

  async function apply(
    side: Side,
    m: NegotiationMessage,
  ) {
    const pc = side.pc;
    if (m.description) {
      const d = m.description;
      const collision = d.type === "offer" &&
        (side.makingOffer || pc.signalingState !== "stable");
      side.ignoreOffer = !side.polite && collision;
      if (side.ignoreOffer) return;
      await pc.setRemoteDescription(d as RTCSessionDescriptionInit);
      side.markRemoteSet();
      for (const c of side.early.splice(0)) {
        await pc.addIceCandidate(c).catch(failed("candidate"));
      }
      if (d.type !== "offer") return;
      if (/^m=application /m.test(d.sdp ?? "")) channelOf(side);
      if (!side.answered) {
        side.answered = true;
        // The first answer waits for the other person's media, so that it
        // carries it: one offer/answer round, as between the two pages.
        const other = sides.get(side.peer);
        if (other) {
          await Promise.race([
            other.remoteSet,
            new Promise((r) => setTimeout(r, 5000)),
          ]);
        }
      }
      await pc.setLocalDescription();
      const local = pc.localDescription!;
      send({
        to: side.name,
        description: { type: local.type, sdp: local.sdp },
      });
      return;
    }
    const candidate = m.candidate;
    if (!candidate) return;
    if (!pc.remoteDescription) side.early.push(candidate);
    else if (!side.ignoreOffer) {
      await pc.addIceCandidate(candidate).catch(failed("candidate"));
    }
  }

  function open(name: string, peer: string, polite: boolean): Side {
    sides.get(name)?.pc.close();
    const pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    let markRemoteSet = () => {};
    const remoteSet = new Promise<void>((r) => markRemoteSet = r);
    const side: Side = {
      name,
      peer,
      pc,
      polite,
      makingOffer: false,
      ignoreOffer: false,
      answered: false,
      queue: Promise.resolve(),
      early: [],
      channel: null,
      held: [],
      received: [],
      remoteSet,
      markRemoteSet,
    };
    sides.set(name, side);
    pc.onnegotiationneeded = () => void offer(side);
    pc.onicecandidate = (ev) => {
      if (ev.candidate) send({ to: name, candidate: ev.candidate.toJSON() });
    };
    pc.ontrack = (ev) => {
      const stream = ev.streams[0] ?? new MediaStream([ev.track]);
      if (ev.track.kind === "audio") play(ev.track);
      side.received.push({ track: ev.track, stream });
      const other = sides.get(peer);
      if (other) forward(other, ev.track, stream);
    };
    // What the other person already sends, should this one come second.
    forwardAll(sides.get(peer), side);
    return side;
  }

  socket.onmessage = (ev) => {
    const m = JSON.parse(String(ev.data)) as ToMallory;
    if (m.kind === "call") {
      // Mallory takes the other person's part: polite where they are not.
      open(m.name, m.peer, !m.polite);
    } else if (m.kind === "signal") {
      const side = sides.get(m.from);
      if (!side) return failed("signal")(`no call with ${m.from}`);
      side.queue = side.queue.then(() => apply(side, m)).catch(
        failed("apply"),
      );
    } else if (m.kind === "ended") {
      sides.get(m.name)?.pc.close();
      sides.delete(m.name);
    }
  };

  (globalThis as unknown as { __mallory: unknown }).__mallory = {
    report: () => ({
      ...report,
      connections: Object.fromEntries(
        [...sides].map(([name, s]) => [name, s.pc.connectionState]),
      ),
      lines: Object.fromEntries(
        [...sides].map(([name, s]) => [
          name,
          s.pc.getTransceivers().map((t) =>
            `${t.mid} ${t.receiver.track.kind} ${t.direction}/${t.currentDirection} ${
              t.sender.track ? "sending" : "silent"
            }`
          ),
        ]),
      ),
    }),
  };
  return new Promise((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("mallory's socket failed"));
  });
}
