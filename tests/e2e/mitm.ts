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
 * Mallory's page (`mallory.ts`) bridges the two sides so that the call
 * works, but each side's DTLS certificate is mallory's, which is what a
 * safety number is there to show.
 */

import type {
  NegotiationMessage,
  WireCandidate,
  WireDescription,
} from "../../client/protocol.ts";

/** Where mallory's (blank) page and its socket to the proxy live. */
export const MALLORY_PAGE = "/__mallory";
export const MALLORY_SOCKET = "/__mallory/ws";

/** Proxy → mallory. */
export type ToMallory =
  | { kind: "call"; name: string; peer: string; polite: boolean }
  | ({ kind: "signal"; from: string } & NegotiationMessage)
  | { kind: "ended"; name: string };

/** Mallory → proxy: a signal for the page of `to`. */
export type FromMallory = { to: string } & NegotiationMessage;

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
  readonly #app: WebSocket;

  constructor(page: WebSocket, app: WebSocket) {
    this.#page = page;
    this.#app = app;
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

  /** Closes both sockets normally. */
  close(): void {
    if (this.#app.readyState === WebSocket.OPEN) this.#app.close(1000);
    if (this.#page.readyState === WebSocket.OPEN) this.#page.close(1000);
  }
}

/** See the module doc. */
export class MitmProxy {
  /** Whether call signaling goes to mallory (the attack) or passes through. */
  divert = false;
  readonly counts: MitmCounts = { diverted: 0, injected: 0, passed: 0 };
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #app: URL;
  /** The bridged sockets that are open, one leg a page's socket. */
  readonly #legs = new Set<Leg>();
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
    for (const leg of this.#legs) leg.close();
    this.#legs.clear();
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
    const leg = new Leg(socket, up);
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
    socket.onclose = (ev) => {
      this.#legs.delete(leg);
      if (up.readyState !== WebSocket.OPEN) return;
      // A page gone without a goodbye: a dropped link, not a farewell.
      up.close(sendableCode(ev.code) ? ev.code : 4000, ev.reason);
    };
    up.onclose = (ev) => {
      this.#legs.delete(leg);
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
        ? { description: m.description as WireDescription }
        : { candidate: m.candidate as WireCandidate }),
    });
    return true;
  }
}
