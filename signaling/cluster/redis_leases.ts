/**
 * Room leases and liveness on Redis, on the broker's control connection.
 *
 * - Liveness: `parley:alive:<instance>`, set with `PX leaseMs`.
 * - Room leases: `parley:room:<room>` holding the owner's id, `PX leaseMs`;
 *   claims and renewals are Lua scripts, so they are atomic. After Redis
 *   comes back, holders renew at once and, for `leaseMs`, a claim that
 *   finds a lease free waits that out (`lease_settling.ts`): an empty Redis
 *   does not hand a running room to whoever asks first.
 *
 * The Lua scripts read the owner's liveness key, which they compute from a
 * value rather than receive in `KEYS`: fine on one Redis (or a replicated
 * one), not on Redis Cluster.
 */
import type { Clock } from "../clock.ts";
import type { InstanceId } from "./broker.ts";
import { chunks } from "./chunks.ts";
import { HeldRooms } from "./held_rooms.ts";
import { LeaseSettling } from "./lease_settling.ts";
import type { RedisConnections } from "./redis_client.ts";
import { ALIVE, ROOM } from "./redis_keys.ts";

/** Rooms per renewal script call; keeps one script call short. */
const RENEW_CHUNK = 1000;

/**
 * Takes the lease if it is ours, or free or held by an instance no longer
 * alive; in the last two cases only with ARGV[4] = '1', else returns ''.
 */
const CLAIM_LUA = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if not owner or redis.call('EXISTS', ARGV[3] .. owner) == 0 then
  if ARGV[4] ~= '1' then return '' end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return owner`;

/**
 * KEYS[1]: our liveness key; KEYS[2..]: room keys. Extends (or re-takes,
 * after Redis came back empty) each lease not held by someone else, and
 * returns the 1-based positions among the rooms of those that are.
 */
const RENEW_LUA = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
local lost = {}
for i = 2, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if not owner or owner == ARGV[1] then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
  else
    lost[#lost + 1] = i - 1
  end
end
return lost`;

/** Compare-and-delete. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** This instance's leases and liveness mark; see the module doc. */
export class RedisLeases {
  readonly #self: InstanceId;
  readonly #leaseMs: number;
  readonly #connections: RedisConnections;
  readonly #held: HeldRooms;
  readonly #settling: LeaseSettling;

  constructor(
    self: InstanceId,
    leaseMs: number,
    connections: RedisConnections,
    clock: Clock,
  ) {
    this.#self = self;
    this.#leaseMs = leaseMs;
    this.#connections = connections;
    this.#held = new HeldRooms(self);
    this.#settling = new LeaseSettling(clock, leaseMs);
  }

  /** See `Broker.claim`. */
  async claim(room: string): Promise<InstanceId> {
    const claim = (takeFree: boolean) =>
      this.#eval(CLAIM_LUA, [ROOM + room], [
        this.#self,
        String(this.#leaseMs),
        ALIVE,
        takeFree ? "1" : "0",
      ]) as Promise<string>;
    let owner = await claim(this.#settling.takesFree);
    if (owner === "") {
      // Free right after Redis came back: maybe only until its holder renews.
      await this.#settling.settled();
      owner = await claim(true);
    }
    this.#held.claimed(room, owner);
    return owner;
  }

  /** See `Broker.renew`. */
  async renew(rooms: Iterable<string>): Promise<string[]> {
    const all = [...rooms];
    const lost: string[] = [];
    const runs = chunks(all, RENEW_CHUNK);
    // One script call even with no rooms: it also marks us alive.
    for (const chunk of runs.length > 0 ? runs : [[]]) {
      const positions = await this.#eval(
        RENEW_LUA,
        [ALIVE + this.#self, ...chunk.map((room) => ROOM + room)],
        [this.#self, String(this.#leaseMs)],
      ) as number[];
      for (const position of positions) lost.push(chunk[position - 1]);
    }
    this.#held.renewed(all, lost);
    return lost;
  }

  /** See `Broker.release`. */
  async release(room: string): Promise<void> {
    this.#held.released(room);
    await this.#eval(RELEASE_LUA, [ROOM + room], [this.#self]);
  }

  /** See `Broker.alive`. */
  async alive(ids: InstanceId[]): Promise<Set<InstanceId>> {
    if (ids.length === 0) return new Set();
    const marks = await this.#connections.timed(
      this.#connections.ctl.mGet(ids.map((id) => ALIVE + id)),
      "MGET",
    );
    return new Set(ids.filter((_, i) => marks[i] !== null));
  }

  /** Marks this instance alive for `leaseMs`. */
  markAlive(): Promise<unknown> {
    return this.#connections.timed(
      this.#connections.ctl.set(ALIVE + this.#self, "1", {
        expiration: { type: "PX", value: this.#leaseMs },
      }),
      "SET",
    );
  }

  /**
   * Redis is back after an outage, maybe empty: every holder takes its
   * leases again (this one at once, marking itself alive if `started`), and
   * until they all can, no free lease is taken.
   */
  storeBack(started: boolean): void {
    this.#settling.storeBack();
    if (this.#held.size > 0) this.renew(this.#held.list()).catch(() => {});
    else if (started) this.markAlive().catch(() => {});
  }

  /** Ends a settling wait under way, and any later one (closing). */
  endWaits(): void {
    this.#settling.end();
  }

  /**
   * Gives up every lease and the liveness mark if Redis is there: others
   * can take the rooms now rather than after `leaseMs`. Best effort; never
   * rejects.
   */
  async giveUp(): Promise<void> {
    if (this.#connections.ctl.isReady) {
      await Promise.allSettled([
        ...this.#held.list().map((room) => this.release(room)),
        this.#connections.timed(
          this.#connections.ctl.del(ALIVE + this.#self),
          "DEL",
        ),
      ]);
    }
    this.#held.clear();
  }

  #eval(script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.#connections.timed(
      this.#connections.ctl.eval(script, { keys, arguments: args }),
      "EVAL",
    );
  }
}
