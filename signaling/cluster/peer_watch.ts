/**
 * The heartbeat: every `heartbeatMs` this instance renews its liveness mark
 * and its leases, and checks that the instances it shares sockets with are
 * still marked. One that stays unmarked for `deathGraceMs` while the store
 * is healthy is dead.
 */

import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Broker, InstanceId } from "./broker.ts";
import type { RoomLeases } from "./room_leases.ts";
import { TICK } from "./wire.ts";

/** Failed heartbeats logged before further failures are only counted. */
const MAX_LOGGED_FAILURES = 3;

/** What the watch is kept with. */
export interface PeerWatchOptions {
  broker: Pick<Broker, "send" | "alive">;
  leases: Pick<RoomLeases, "renew">;
  clock: Clock;
  logger: Logger;
  /** Settles when the broker has started; no heartbeat before. */
  ready: Promise<void>;
  heartbeatMs: number;
  /**
   * How long a peer must stay unmarked, while the store itself is healthy,
   * before it counts as dead. Covers a store restart, after which every
   * instance re-marks itself within a heartbeat or two.
   */
  deathGraceMs: number;
  /** The instances this one shares sockets with now. */
  peers: () => Set<InstanceId>;
  /** `peer` was found dead. */
  died: (peer: InstanceId) => void;
  /** After each heartbeat that reached the store. */
  beat: () => void;
}

/** Runs the heartbeat from construction until {@linkcode PeerWatch.stop}. */
export class PeerWatch {
  readonly #o: PeerWatchOptions;
  /** Peers seen unmarked, and since when. */
  readonly #missing = new Map<InstanceId, number>();
  #timer: TimerHandle | null = null;
  #stopped = false;
  #lastUnhealthyAt = -Infinity;
  #failures = 0;

  constructor(options: PeerWatchOptions) {
    this.#o = options;
    this.#schedule();
  }

  /** Stops the heartbeat; one under way finishes but schedules no other. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      this.#heartbeat().finally(() => this.#schedule());
    }, this.#o.heartbeatMs);
  }

  /** One at a time: the next is scheduled only once this one has settled. */
  async #heartbeat(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#o.ready;
      await this.#o.leases.renew();
      await this.#checkPeers();
      this.#o.beat();
      if (this.#failures > 0) {
        this.#o.logger({
          event: "cluster-recovered",
          failures: this.#failures,
        });
        this.#failures = 0;
      }
    } catch (error) {
      this.#lastUnhealthyAt = this.#o.clock.now();
      if (this.#failures++ < MAX_LOGGED_FAILURES) {
        this.#o.logger({
          event: "cluster-heartbeat-failed",
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  async #checkPeers(): Promise<void> {
    const peers = this.#o.peers();
    for (const peer of this.#missing.keys()) {
      if (!peers.has(peer)) this.#missing.delete(peer);
    }
    if (peers.size === 0) return;
    // A message each heartbeat, so a loss at the end of a burst shows as a
    // gap within a heartbeat rather than at the next frame.
    for (const peer of peers) this.#o.broker.send(peer, TICK);
    const alive = await this.#o.broker.alive([...peers]);
    const now = this.#o.clock.now();
    // Right after the store was unreachable (or restarted empty), marks are
    // missing because nobody could renew them: no verdicts until it settles.
    const grace = this.#o.deathGraceMs;
    const settled = now - this.#lastUnhealthyAt >= grace;
    for (const peer of peers) {
      if (alive.has(peer)) {
        this.#missing.delete(peer);
        continue;
      }
      const since = this.#missing.get(peer) ?? now;
      this.#missing.set(peer, since);
      if (settled && now - since >= grace) {
        this.#missing.delete(peer);
        this.#o.died(peer);
      }
    }
  }
}
