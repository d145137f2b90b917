/**
 * The rooms this instance runs, by lease: claiming a room when a socket for
 * it arrives, renewing the leases every heartbeat, giving back rooms that
 * emptied, and stopping a room whose lease went to another instance.
 */

import type { Logger } from "../log.ts";
import type { Relay } from "../relay.ts";
import type { Broker, InstanceId } from "./broker.ts";
import { ClusterClose } from "./close_codes.ts";

/** What the leases are kept with. */
export interface RoomLeasesOptions {
  broker: Pick<Broker, "self" | "claim" | "renew" | "release">;
  /** Runs the rooms held here; asked whether a room still has anyone. */
  relay: Pick<Relay, "hasRoom" | "evictRoom">;
  logger: Logger;
  /** Settles when the broker has started; claims wait for it. */
  ready: Promise<void>;
}

/** The leases this instance holds or is claiming. */
export class RoomLeases {
  readonly #broker: RoomLeasesOptions["broker"];
  readonly #relay: RoomLeasesOptions["relay"];
  readonly #log: Logger;
  readonly #ready: Promise<void>;
  readonly #owned = new Set<string>();
  readonly #claims = new Map<string, Promise<InstanceId>>();
  #lost = 0;

  constructor(options: RoomLeasesOptions) {
    this.#broker = options.broker;
    this.#relay = options.relay;
    this.#log = options.logger;
    this.#ready = options.ready;
  }

  /** Whether `room` runs here. */
  owns(room: string): boolean {
    return this.#owned.has(room);
  }

  /** Rooms running here. */
  get size(): number {
    return this.#owned.size;
  }

  /** Rooms this instance had to give up since it started. */
  get lost(): number {
    return this.#lost;
  }

  /** This instance's claim of `room` while it is under way. */
  claiming(room: string): Promise<InstanceId> | undefined {
    return this.#claims.get(room);
  }

  /**
   * Who runs `room`: claims its lease, which this instance gets if it is
   * free (then the room runs here). One claim per room at a time.
   */
  claim(room: string): Promise<InstanceId> {
    let claim = this.#claims.get(room);
    if (!claim) {
      claim = this.#ready
        .then(() => this.#broker.claim(room))
        .then((owner) => {
          if (owner === this.#broker.self) this.#owned.add(room);
          return owner;
        })
        .finally(() => this.#claims.delete(room));
      this.#claims.set(room, claim);
    }
    return claim;
  }

  /**
   * One heartbeat's upkeep: gives back rooms nobody is in any more, renews
   * the rest (which also marks this instance alive) and stops running the
   * rooms another instance holds now. Rejects when the store is unreachable.
   */
  async renew(): Promise<void> {
    for (const room of [...this.#owned]) {
      if (this.#relay.hasRoom(room) || this.#claims.has(room)) continue;
      this.#owned.delete(room);
      this.#broker.release(room).catch(() => {
        // The lease expires by itself.
      });
    }
    const lost = await this.#broker.renew([...this.#owned]);
    for (const room of lost) this.#giveUp(room);
  }

  /**
   * Hands every room back at once, so that the instances its users
   * reconnect to can take it over; its sockets are told to reconnect.
   */
  drain(): void {
    for (const room of [...this.#owned]) {
      this.#owned.delete(room);
      this.#relay.evictRoom(
        room,
        ClusterClose.moved,
        "server restarting; reconnect",
      );
      this.#broker.release(room).catch(() => {});
    }
  }

  /** Forgets every room (the broker's close releases the leases). */
  clear(): void {
    this.#owned.clear();
  }

  /** Another instance holds `room`'s lease now: stop running it here. */
  #giveUp(room: string): void {
    if (!this.#owned.delete(room)) return;
    this.#lost++;
    this.#log({ event: "cluster-room-lost", room });
    this.#relay.evictRoom(room, ClusterClose.moved, "room moved; reconnect");
  }
}
