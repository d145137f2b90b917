/**
 * Keeps the TURN credentials of a call fresh. The server mints them for
 * `TURN_TTL_SECONDS` (10 minutes by default), shorter than many calls, so
 * during a call this asks for new ones (`{type: "ice-servers"}`) when
 * `ice_servers.ts` says they are due, and hands every list that arrives to
 * the call, which gives it to its live peer connection (`setConfiguration`):
 * an ICE restart late in a long call then still gets a relay.
 *
 * It has one timer, which runs only while a call does: {@link callEnded}
 * and {@link dispose} clear it.
 */
import { refreshDueAt, staleForNewCall } from "./ice_servers.ts";
import type { Timers } from "./timers.ts";

/** What the refresher needs from the session. */
export interface IceRefreshDeps {
  timers: Timers;
  /** Sends `{type: "ice-servers"}`; false when it could not be sent. */
  request(): boolean;
  /** Hands a new list to the calls (new and live peer connections). */
  apply(servers: RTCIceServer[]): void;
}

/** The session's ICE servers and the call-time timer that renews them. */
export class IceRefresh {
  #deps: IceRefreshDeps;
  #servers: RTCIceServer[] = [];
  /** `timers.now()` when {@link #servers} arrived. */
  #receivedAt = 0;
  /** A request is out; no second one until it is answered. */
  #requested = false;
  #inCall = false;
  #timer: number | undefined;

  constructor(deps: IceRefreshDeps) {
    this.#deps = deps;
  }

  /** The current list, as last received. */
  get servers(): readonly RTCIceServer[] {
    return this.#servers;
  }

  /** A list arrived (`welcome.iceServers` or an `ice-servers` answer). */
  received(servers: RTCIceServer[]): void {
    this.#servers = servers;
    this.#receivedAt = this.#deps.timers.now();
    this.#requested = false;
    this.#deps.apply(servers);
    if (this.#inCall) this.#schedule();
  }

  /**
   * A call starts (rings or connects): credentials that are already old
   * are replaced at once, and a renewal is scheduled for later in the call.
   */
  callStarted(): void {
    if (this.#inCall) return;
    this.#inCall = true;
    const now = this.#deps.timers.now();
    if (staleForNewCall(this.#servers, this.#receivedAt, now)) this.#request();
    this.#schedule();
  }

  /** The call is over: nothing to renew until the next one. */
  callEnded(): void {
    this.#inCall = false;
    this.#clear();
  }

  /** The session closes. */
  dispose(): void {
    this.callEnded();
  }

  #request(): void {
    if (this.#requested) return;
    // Unsent while offline is fine: the next welcome brings fresh ones.
    this.#requested = this.#deps.request();
  }

  #schedule(): void {
    this.#clear();
    const due = refreshDueAt(this.#servers, this.#receivedAt);
    if (due === null) return;
    const { timers } = this.#deps;
    this.#timer = timers.setTimeout(() => {
      this.#timer = undefined;
      if (this.#inCall) this.#request();
    }, Math.max(0, due - timers.now()));
  }

  #clear(): void {
    this.#deps.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
