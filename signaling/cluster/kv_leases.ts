/**
 * Room leases and liveness on Deno KV (keys in `kv_keys.ts`). Claims and
 * renewals check versionstamps, so of two instances racing for a room
 * exactly one commit succeeds.
 */
import type { Clock } from "../clock.ts";
import type { InstanceId } from "./broker.ts";
import { chunks } from "./chunks.ts";
import { HeldRooms } from "./held_rooms.ts";
import type { KvCalls } from "./kv_calls.ts";
import { MAX_CHECKS } from "./kv_inbox_values.ts";
import {
  aliveKey,
  type AliveMark,
  current,
  type Lease,
  roomKey,
} from "./kv_keys.ts";

/** Retries of a claim whose commit lost a race. */
const CLAIM_ATTEMPTS = 8;

/** This instance's leases and liveness mark; see the module doc. */
export class KvLeases {
  readonly #self: InstanceId;
  readonly #leaseMs: number;
  readonly #calls: KvCalls;
  readonly #clock: Clock;
  readonly #held: HeldRooms;

  constructor(
    self: InstanceId,
    leaseMs: number,
    calls: KvCalls,
    clock: Clock,
  ) {
    this.#self = self;
    this.#leaseMs = leaseMs;
    this.#calls = calls;
    this.#clock = clock;
    this.#held = new HeldRooms(self);
  }

  /** See `Broker.claim`. */
  async claim(room: string): Promise<InstanceId> {
    const { kv } = this.#calls;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const won = await this.#calls.run(async () => {
        const entry = await kv.get<Lease>(roomKey(room));
        const lease = current(entry.value, this.#clock.now());
        const atomic = kv.atomic().check(entry);
        if (lease && lease.owner !== this.#self) {
          const mark = await kv.get<AliveMark>(aliveKey(lease.owner));
          if (current(mark.value, this.#clock.now())) return lease.owner;
          // Taken over only if the owner did not mark itself alive since.
          atomic.check(mark);
        }
        this.#setLease(atomic, room);
        const { ok } = await atomic.commit();
        return ok ? this.#self : null;
      });
      if (won !== null) {
        this.#held.claimed(room, won);
        return won;
      }
    }
    throw new Error(
      `Claiming room ${room} lost ${CLAIM_ATTEMPTS} races in a row; try again.`,
    );
  }

  /** See `Broker.renew`. */
  async renew(rooms: Iterable<string>): Promise<string[]> {
    await this.markAlive();
    const all = [...rooms];
    const runs = chunks(all, MAX_CHECKS).map((run) => this.#renewChunk(run));
    const lost = (await Promise.all(runs)).flat();
    this.#held.renewed(all, lost);
    return lost;
  }

  /** See `Broker.release`. */
  async release(room: string): Promise<void> {
    const { kv } = this.#calls;
    this.#held.released(room);
    await this.#calls.run(async () => {
      const entry = await kv.get<Lease>(roomKey(room));
      if (entry.value?.owner !== this.#self) return;
      await kv.atomic().check(entry).delete(roomKey(room)).commit();
    });
  }

  /** See `Broker.alive`. */
  async alive(ids: InstanceId[]): Promise<Set<InstanceId>> {
    const marks = await this.#calls.run(() =>
      this.#calls.getMany<AliveMark>(ids.map(aliveKey))
    );
    return new Set(
      ids.filter((_, i) => current(marks[i].value, this.#clock.now())),
    );
  }

  /** Marks this instance alive for `leaseMs`. */
  async markAlive(): Promise<void> {
    const mark: AliveMark = { until: this.#clock.now() + this.#leaseMs };
    await this.#calls.run(() =>
      this.#calls.kv.set(aliveKey(this.#self), mark, {
        expireIn: this.#leaseMs,
      })
    );
  }

  /**
   * Gives up every lease and the liveness mark: others can take the rooms
   * now rather than after `leaseMs`. Best effort; never rejects.
   */
  async giveUp(): Promise<void> {
    await Promise.allSettled([
      ...this.#held.list().map((room) => this.release(room)),
      this.#calls.run(() => this.#calls.kv.delete(aliveKey(this.#self))),
    ]);
    this.#held.clear();
  }

  async #renewChunk(rooms: string[]): Promise<string[]> {
    const { kv } = this.#calls;
    return await this.#calls.run(async () => {
      const entries = await this.#calls.getMany<Lease>(rooms.map(roomKey));
      const lost: string[] = [];
      const atomic = kv.atomic();
      rooms.forEach((room, i) => {
        const lease = current(entries[i].value, this.#clock.now());
        if (lease && lease.owner !== this.#self) {
          lost.push(room);
        } else {
          this.#setLease(atomic.check(entries[i]), room);
        }
      });
      if ((await atomic.commit()).ok) return lost;
      // Someone wrote one of these leases meanwhile: one by one, so that
      // only the contested rooms are decided again.
      const again = rooms.filter((room) => !lost.includes(room));
      for (const room of again) {
        const entry = await kv.get<Lease>(roomKey(room));
        const lease = current(entry.value, this.#clock.now());
        const mine = !lease || lease.owner === this.#self;
        if (!mine) {
          lost.push(room);
        } else {
          const atomic = this.#setLease(kv.atomic().check(entry), room);
          if (!(await atomic.commit()).ok) lost.push(room);
        }
      }
      return lost;
    });
  }

  #setLease(atomic: Deno.AtomicOperation, room: string): Deno.AtomicOperation {
    const lease: Lease = {
      owner: this.#self,
      until: this.#clock.now() + this.#leaseMs,
    };
    return atomic.set(roomKey(room), lease, { expireIn: this.#leaseMs });
  }
}
