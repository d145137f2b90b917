/**
 * The ICE servers a client is handed (in `welcome` and `ice-servers`): the
 * configured STUN/TURN entries, plus, with TURN configured, one TURN entry
 * whose credential is minted for that session, if the session may relay
 * through our TURN server at all (a browser page of an allowed origin).
 * Pure: the caller passes the time in.
 */

import type { IceServer, TurnConfig } from "./config.ts";
import { mintTurnCredentialSync } from "./turn_credentials.ts";

/** Builds each session's `iceServers` JSON. */
export class IceServerList {
  /** The configured entries as JSON, built once: most logins only need this. */
  readonly #staticJson: string;
  readonly #turn: TurnConfig | null;

  constructor(servers: readonly IceServer[], turn: TurnConfig | null) {
    this.#staticJson = JSON.stringify(servers);
    this.#turn = turn;
  }

  /**
   * The `iceServers` array, as JSON, for the session of `name` at `nowMs`.
   * The TURN credential carries `name` as its label (coturn logs it).
   * `withTurn: false` leaves the minted TURN entry out: a relay costs us
   * bandwidth, so it is only for pages of an allowed origin, never for an
   * anonymous script that just wants a free TURN account.
   */
  json(name: string, nowMs: number, withTurn: boolean): string {
    if (this.#turn === null || !withTurn) return this.#staticJson;
    const { urls, secret, ttlSeconds } = this.#turn;
    const { username, credential } = mintTurnCredentialSync(
      secret,
      name,
      nowMs / 1000,
      ttlSeconds,
    );
    const entry = JSON.stringify({ urls, username, credential });
    return this.#staticJson === "[]"
      ? `[${entry}]`
      : `${this.#staticJson.slice(0, -1)},${entry}]`;
  }
}
