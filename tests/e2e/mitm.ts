/**
 * A man in the middle of a call, for the safety-number tests: what a
 * server's operator (or whoever breaks into it) could do, since the
 * signaling server vouches for the keys in the SDP it carries.
 *
 * {@link MitmProxy} is a test-only server in front of the real app. It
 * passes pages, scripts and WebSocket frames through, except, while
 * {@link MitmProxy.divert} is on, the call signaling: every `signal` a page
 * sends (offers, answers, ICE candidates, renegotiations and ICE restarts
 * alike) goes to a third page, mallory's, instead of to the server, and
 * what mallory sends back reaches each page as a `signal` from its peer.
 * The server never sees SDP then, and each person's page negotiates with
 * mallory while believing it talks to the other person.
 *
 * Mallory's page ({@link startMallory}) holds one `RTCPeerConnection` per
 * person, each playing the other person's part (the polite side where that
 * person is impolite and the other way round, with perfect negotiation), and
 * forwards what arrives on one to the other: the audio and video tracks, and
 * the messages of the call's negotiated data channel (id 0: mute state and
 * private chat). So the call works, but each side's DTLS certificate is
 * mallory's, which is what a safety number is there to show.
 */
import type { TestBrowser, TestPage } from "../helpers/browsers.ts";

/** Where mallory's (blank) page and its socket to the proxy live. */
const MALLORY_PAGE = "/__mallory";
const MALLORY_SOCKET = "/__mallory/ws";

/** A `signal` payload: exactly one of the two. */
interface Negotiation {
  description?: { type: string; sdp: string };
  candidate?: RTCIceCandidateInit | null;
}

/** Proxy → mallory. */
type ToMallory =
  | { kind: "call"; name: string; peer: string; polite: boolean }
  | ({ kind: "signal"; from: string } & Negotiation)
  | { kind: "ended"; name: string };

/** Mallory → proxy: a signal for the page of `to`. */
type FromMallory = { to: string } & Negotiation;

/** What the proxy did, for a test to check that it did it. */
export interface MitmCounts {
  /** Signals the pages sent that went to mallory instead of the server. */
  diverted: number;
  /** Signals from mallory given to the pages. */
  injected: number;
  /** Signals passed to the server untouched. */
  passed: number;
}

/** Close codes a WebSocket endpoint may send itself. */
function sendableCode(code: number | undefined): code is number {
  return code === 1000 || (code !== undefined && code >= 3000 && code < 5000);
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : null;
  } catch {
    return null;
  }
}

/** One page's socket, bridged to its own socket to the app. */
class Leg {
  /** Whose socket this is, once the app has said so (`welcome`). */
  name: string | null = null;
  /** The call the app last put this page in (`accepted`). */
  callId: string | null = null;
  #toPage: string[] | null = [];
  readonly #page: WebSocket;

  constructor(page: WebSocket) {
    this.#page = page;
    page.addEventListener("open", () => {
      const queued = this.#toPage ?? [];
      this.#toPage = null;
      for (const text of queued) page.send(text);
    });
  }

  /** Sends to the page, once its socket is open. */
  send(text: string): void {
    if (this.#toPage) this.#toPage.push(text);
    else if (this.#page.readyState === WebSocket.OPEN) this.#page.send(text);
  }
}

/** See the module doc. */
export class MitmProxy {
  /** Whether call signaling goes to mallory (the attack) or passes through. */
  divert = false;
  readonly counts: MitmCounts = { diverted: 0, injected: 0, passed: 0 };
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #app: URL;
  readonly #legs = new Set<Leg>();
  readonly #closers = new Set<() => void>();
  #mallory: WebSocket | null = null;

  private constructor(appUrl: string) {
    this.#app = new URL(appUrl);
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#handle(req),
    );
  }

  /** Listens on a free loopback port in front of the app at `appUrl`. */
  static start(appUrl: string): MitmProxy {
    return new MitmProxy(appUrl);
  }

  /** `http://127.0.0.1:<port>`: open the people's pages here. */
  get url(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Closes every bridged socket and stops listening. */
  async close(): Promise<void> {
    for (const close of this.#closers) close();
    this.#mallory?.close();
    await this.#server.shutdown();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === MALLORY_PAGE) {
      return new Response("<!doctype html><title>mallory</title>", {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    }
    const upgrade = req.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (upgrade && url.pathname === MALLORY_SOCKET) return this.#malloryIn(req);
    if (upgrade) return await this.#bridge(req, url);
    return await this.#pass(req, url);
  }

  /** Plain HTTP: the app's answer, as is. */
  async #pass(req: Request, url: URL): Promise<Response> {
    const headers = new Headers(req.headers);
    headers.delete("host");
    // Uncompressed, so that what the page gets is exactly what fetch read.
    headers.set("accept-encoding", "identity");
    const answer = await fetch(new URL(url.pathname + url.search, this.#app), {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
    });
    return new Response(answer.body, {
      status: answer.status,
      statusText: answer.statusText,
      headers: answer.headers,
    });
  }

  #malloryIn(req: Request): Response {
    const { socket, response } = Deno.upgradeWebSocket(req);
    this.#mallory = socket;
    socket.onmessage = (ev) => {
      const m = parse(String(ev.data)) as FromMallory | null;
      if (!m || typeof m.to !== "string") return;
      const leg = [...this.#legs].reverse().find((l) => l.name === m.to);
      if (!leg?.callId) return;
      const { to: _, ...payload } = m;
      this.counts.injected++;
      leg.send(
        JSON.stringify({ type: "signal", callId: leg.callId, ...payload }),
      );
    };
    return response;
  }

  #toMallory(message: ToMallory): void {
    if (this.#mallory?.readyState === WebSocket.OPEN) {
      this.#mallory.send(JSON.stringify(message));
    }
  }

  /** A page's WebSocket: one to the app on its behalf, frames in between. */
  async #bridge(req: Request, url: URL): Promise<Response> {
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "")
      .split(",").map((p) => p.trim()).filter((p) => p !== "");
    const target = new URL(url.pathname + url.search, this.#app);
    target.protocol = "ws:";
    // Deno's client sends no Origin, which the app lets through.
    const up = new WebSocket(target, protocols);
    const early: MessageEvent[] = [];
    up.onmessage = (ev) => early.push(ev);
    const opened = await new Promise<boolean>((resolve) => {
      up.onopen = () => resolve(true);
      up.onerror = () => resolve(false);
    });
    if (!opened) {
      return new Response("the app refused the socket", { status: 502 });
    }
    const { socket, response } = Deno.upgradeWebSocket(
      req,
      up.protocol ? { protocol: up.protocol } : {},
    );
    const leg = new Leg(socket);
    this.#legs.add(leg);
    const fromApp = (ev: MessageEvent) => {
      if (typeof ev.data !== "string") return;
      this.#watchApp(leg, ev.data);
      leg.send(ev.data);
    };
    for (const ev of early) fromApp(ev);
    up.onmessage = fromApp;
    socket.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      if (this.#divertFromPage(leg, ev.data)) return;
      if (up.readyState === WebSocket.OPEN) up.send(ev.data);
    };
    const close = () => {
      this.#legs.delete(leg);
      this.#closers.delete(close);
      if (up.readyState === WebSocket.OPEN) up.close(1000);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000);
    };
    this.#closers.add(close);
    socket.onclose = (ev) => {
      this.#legs.delete(leg);
      this.#closers.delete(close);
      if (up.readyState !== WebSocket.OPEN) return;
      // A page gone without a goodbye: a dropped link, not a farewell.
      up.close(sendableCode(ev.code) ? ev.code : 4000, ev.reason);
    };
    up.onclose = (ev) => {
      this.#legs.delete(leg);
      this.#closers.delete(close);
      if (socket.readyState !== WebSocket.OPEN) return;
      socket.close(sendableCode(ev.code) ? ev.code : 1001, ev.reason);
    };
    return response;
  }

  /** Learns from the app's frames who the page is and which call it is in. */
  #watchApp(leg: Leg, text: string): void {
    const m = parse(text);
    if (m?.type === "welcome" && typeof m.name === "string") leg.name = m.name;
    if (m?.type === "accepted" && typeof m.callId === "string") {
      leg.callId = m.callId;
      if (this.divert && leg.name && typeof m.peer === "string") {
        this.#toMallory({
          kind: "call",
          name: leg.name,
          peer: m.peer,
          polite: m.polite === true,
        });
      }
    }
    if (m?.type === "ended" && leg.name) {
      this.#toMallory({ kind: "ended", name: leg.name });
    }
  }

  /** Sends a page's `signal` to mallory instead; true when it did. */
  #divertFromPage(leg: Leg, text: string): boolean {
    const m = parse(text);
    if (m?.type !== "signal") return false;
    if (!this.divert || !leg.name) {
      this.counts.passed++;
      return false;
    }
    if (typeof m.callId === "string") leg.callId = m.callId;
    this.counts.diverted++;
    this.#toMallory({
      kind: "signal",
      from: leg.name,
      ...("description" in m
        ? { description: m.description as Negotiation["description"] }
        : { candidate: m.candidate as Negotiation["candidate"] }),
    });
    return true;
  }
}

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
  const send = (message: Record<string, unknown>) =>
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
    m: { description?: RTCSessionDescriptionInit; candidate?: unknown },
  ) {
    const pc = side.pc;
    if (m.description) {
      const d = m.description;
      const collision = d.type === "offer" &&
        (side.makingOffer || pc.signalingState !== "stable");
      side.ignoreOffer = !side.polite && collision;
      if (side.ignoreOffer) return;
      await pc.setRemoteDescription(d);
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
    const candidate = m.candidate as RTCIceCandidateInit | null | undefined;
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
    const m = JSON.parse(String(ev.data));
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
