/**
 * The signaling connection: one WebSocket speaking `parley.v1`, kept alive
 * with a heartbeat and re-opened with backoff when it drops.
 *
 * It knows nothing about logins or calls; the session layer listens to
 * `status` and re-sends `login` (with the resume token) whenever the socket
 * opens again.
 */
import { backoffDelay, type BackoffOptions } from "../signaling/timing.ts";
import {
  type ClientMessage,
  parseServerMessage,
  type ServerMessage,
  SUBPROTOCOL,
} from "./protocol.ts";
import { realTimers, type Timers } from "./timers.ts";

/** The part of `WebSocket` this module uses, so a fake can stand in. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket; the default is `new WebSocket(url, protocols)`. */
export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

/**
 * `connecting`: first attempt under way; `open`: usable; `reconnecting`: lost,
 * a retry is scheduled or under way; `closed`: stopped on purpose, or replaced
 * by another socket (detail `code` {@link REPLACED_CLOSE_CODE}).
 */
export type SocketStatus =
  | "idle"
  | "connecting"
  | "open"
  | "reconnecting"
  | "closed";

/** Extra facts delivered with a status change. */
export interface StatusDetail {
  /** Retry number (0-based) when reconnecting. */
  attempt?: number;
  /** Delay before the next try when reconnecting, in ms. */
  delayMs?: number;
  /** Close code of the socket that went away. */
  code?: number;
}

/** Options of {@link RelayClient}. */
export interface RelayClientOptions {
  url: string;
  createSocket?: SocketFactory;
  timers?: Timers;
  random?: () => number;
  /** Interval between pings while open. */
  heartbeatMs?: number;
  /** How long to wait for any frame after a ping (or for a socket to open). */
  pongTimeoutMs?: number;
  backoff?: BackoffOptions;
}

const OPEN = 1;

/** Close code used when this side gives up on a silent socket. */
export const HEARTBEAT_CLOSE_CODE = 4000;

/**
 * Close code of a page that goes away during a call (a reload, most
 * likely): not a goodbye, so the server keeps the session and the call for
 * the grace period and the reloaded page resumes both.
 */
export const AWAY_IN_CALL_CLOSE_CODE = 4002;

/**
 * Close code the server uses when another socket resumed this session (the
 * same token used from a duplicated tab, for instance). Reconnecting would
 * take the session back and start a tug of war, so the client stops.
 */
export const REPLACED_CLOSE_CODE = 4001;

/** WebSocket client with heartbeat and reconnect; see the module doc. */
export class RelayClient {
  #options: Required<Omit<RelayClientOptions, "backoff">> & {
    backoff: BackoffOptions;
  };
  #socket: SocketLike | null = null;
  #status: SocketStatus = "idle";
  #attempt = 0;
  #retryTimer: number | undefined;
  #pingTimer: number | undefined;
  #deadlineTimer: number | undefined;
  #heardSinceOpen = false;
  #messageListeners = new Set<(msg: ServerMessage) => void>();
  #statusListeners = new Set<
    (status: SocketStatus, detail: StatusDetail) => void
  >();

  constructor(options: RelayClientOptions) {
    this.#options = {
      createSocket: (url, protocols) => new WebSocket(url, protocols),
      timers: realTimers,
      random: Math.random,
      heartbeatMs: 15_000,
      pongTimeoutMs: 10_000,
      backoff: {},
      ...options,
    };
  }

  /** Current connection status. */
  get status(): SocketStatus {
    return this.#status;
  }

  /** Listens to parsed server messages; returns an unsubscribe function. */
  onMessage(fn: (msg: ServerMessage) => void): () => void {
    this.#messageListeners.add(fn);
    return () => this.#messageListeners.delete(fn);
  }

  /** Listens to status changes; returns an unsubscribe function. */
  onStatus(
    fn: (status: SocketStatus, detail: StatusDetail) => void,
  ): () => void {
    this.#statusListeners.add(fn);
    return () => this.#statusListeners.delete(fn);
  }

  /** Opens the connection (no-op when already started). */
  start(): void {
    if (this.#status !== "idle" && this.#status !== "closed") return;
    this.#attempt = 0;
    this.#setStatus("connecting", {});
    this.#open();
  }

  /**
   * Closes for good: no reconnect until {@link start} is called again. The
   * default 1000 is a goodbye; any other code (see
   * {@link AWAY_IN_CALL_CLOSE_CODE}) leaves the session resumable.
   */
  stop(code = 1000, reason = "bye"): void {
    this.#clearTimers();
    this.#dropSocket(code, reason);
    this.#setStatus("closed", {});
  }

  /**
   * Skips the wait of a scheduled retry, e.g. when the browser reports it is
   * online again.
   */
  reconnectNow(): void {
    if (this.#status !== "reconnecting" || this.#socket) return;
    this.#options.timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#open();
  }

  /**
   * Sends a message if the socket is open. Returns false otherwise: nothing is
   * queued here, because what is still worth sending after a reconnect is the
   * caller's decision.
   */
  send(msg: ClientMessage): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN || this.#status !== "open") {
      return false;
    }
    try {
      socket.send(JSON.stringify(msg));
      return true;
    } catch {
      return false;
    }
  }

  #open(): void {
    const { createSocket, url, timers, pongTimeoutMs } = this.#options;
    let socket: SocketLike;
    try {
      socket = createSocket(url, [SUBPROTOCOL]);
    } catch {
      this.#scheduleRetry(undefined);
      return;
    }
    this.#socket = socket;
    this.#heardSinceOpen = false;
    // A socket stuck in CONNECTING (a black-holed network) never fires close.
    this.#deadlineTimer = timers.setTimeout(
      () => this.#giveUp(socket),
      pongTimeoutMs,
    );
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      timers.clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
      this.#setStatus("open", {});
      this.#schedulePing();
    };
    socket.onmessage = (ev) => {
      if (socket !== this.#socket) return;
      this.#onFrame(ev.data);
    };
    socket.onclose = (ev) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      if (ev.code === REPLACED_CLOSE_CODE) {
        this.#clearTimers();
        this.#setStatus("closed", { code: ev.code });
        return;
      }
      this.#scheduleRetry(ev.code);
    };
    // Errors are always followed by close; nothing to do twice.
    socket.onerror = () => {};
  }

  #onFrame(data: unknown): void {
    // Any frame proves the socket is alive, not only a pong.
    this.#options.timers.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    if (!this.#heardSinceOpen) {
      // Reset the backoff only once the server really talks to us: a server
      // that accepts and instantly closes must not cause a tight retry loop.
      this.#heardSinceOpen = true;
      this.#attempt = 0;
    }
    const msg = parseServerMessage(data);
    if (!msg) return;
    if (msg.type === "pong") return;
    for (const fn of [...this.#messageListeners]) {
      try {
        fn(msg);
      } catch (err) {
        console.error("signaling listener failed", err);
      }
    }
  }

  #schedulePing(): void {
    const { timers, heartbeatMs, pongTimeoutMs } = this.#options;
    timers.clearTimeout(this.#pingTimer);
    this.#pingTimer = timers.setTimeout(() => {
      const socket = this.#socket;
      if (!socket) return;
      this.send({ type: "ping" });
      if (this.#deadlineTimer === undefined) {
        this.#deadlineTimer = timers.setTimeout(
          () => this.#giveUp(socket),
          pongTimeoutMs,
        );
      }
      this.#schedulePing();
    }, heartbeatMs);
  }

  #giveUp(socket: SocketLike): void {
    if (socket !== this.#socket) return;
    this.#dropSocket(HEARTBEAT_CLOSE_CODE, "heartbeat timeout");
    this.#scheduleRetry(HEARTBEAT_CLOSE_CODE);
  }

  #scheduleRetry(code: number | undefined): void {
    this.#clearTimers();
    if (this.#status === "closed") return;
    const delayMs = backoffDelay(
      this.#attempt,
      this.#options.random,
      this.#options.backoff,
    );
    const attempt = this.#attempt++;
    this.#setStatus("reconnecting", { attempt, delayMs, code });
    this.#retryTimer = this.#options.timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#open();
    }, delayMs);
  }

  #dropSocket(code: number, reason: string): void {
    const socket = this.#socket;
    this.#socket = null;
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onerror = null;
    socket.onclose = null;
    try {
      socket.close(code, reason);
    } catch {
      // Already closed or closing: nothing left to release.
    }
  }

  #clearTimers(): void {
    const { timers } = this.#options;
    timers.clearTimeout(this.#retryTimer);
    timers.clearTimeout(this.#pingTimer);
    timers.clearTimeout(this.#deadlineTimer);
    this.#retryTimer = this.#pingTimer = this.#deadlineTimer = undefined;
  }

  #setStatus(status: SocketStatus, detail: StatusDetail): void {
    this.#status = status;
    for (const fn of [...this.#statusListeners]) {
      try {
        fn(status, detail);
      } catch (err) {
        console.error("status listener failed", err);
      }
    }
  }
}
