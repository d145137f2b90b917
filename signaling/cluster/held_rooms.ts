/**
 * The rooms whose lease a broker believes it holds, from what its claims,
 * renewals and releases answered: a Redis broker renews them at once when
 * the store comes back, and every broker gives them up when it closes.
 * Pure bookkeeping, no I/O.
 */

import type { InstanceId } from "./broker.ts";

/** See the module doc. */
export class HeldRooms {
  readonly #self: InstanceId;
  readonly #rooms = new Set<string>();

  /** @param self this instance, as lease owners are named */
  constructor(self: InstanceId) {
    this.#self = self;
  }

  /** How many rooms are held. */
  get size(): number {
    return this.#rooms.size;
  }

  /** The rooms held, for renewing or releasing them. */
  list(): string[] {
    return [...this.#rooms];
  }

  /** A claim of `room` answered that `owner` holds it. */
  claimed(room: string, owner: InstanceId): void {
    if (owner === this.#self) this.#rooms.add(room);
    else this.#rooms.delete(room);
  }

  /** Renewing `rooms` kept all of them but `lost`. */
  renewed(rooms: readonly string[], lost: readonly string[]): void {
    for (const room of rooms) this.#rooms.add(room);
    for (const room of lost) this.#rooms.delete(room);
  }

  /** `room` is being given up. */
  released(room: string): void {
    this.#rooms.delete(room);
  }

  /** Forgets every room (the broker closed). */
  clear(): void {
    this.#rooms.clear();
  }
}
