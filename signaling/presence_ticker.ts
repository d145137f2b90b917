/**
 * The presence tick: rooms whose membership or states may have changed are
 * marked dirty, and once per tick each gets one delta per member (and the
 * tutorial's `userlist`). The tick is this module's own timer; what it sends
 * is returned as outputs (see `relay_context.ts`).
 */

import type { Clock } from "./clock.ts";
import { tutorial } from "./frames.ts";
import type { PresenceEntry } from "./presence.ts";
import {
  type Effect,
  type Member,
  NONE,
  presenceState,
  setTimer,
} from "./relay_context.ts";
import type { Room } from "./rooms.ts";
import { Timers } from "./timers.ts";

/** Coalesces presence changes into one delta per room per tick. */
export class PresenceTicker {
  readonly #rooms: Map<string, Room<Member>>;
  readonly #tickMs: number;
  readonly #timers: Timers<"tick">;
  #dirty = new Set<Room<Member>>();
  #scheduled = false;

  /**
   * @param rooms the relay's rooms by name: a room emptied by a tick is
   *   removed from it
   */
  constructor(rooms: Map<string, Room<Member>>, tickMs: number, clock: Clock) {
    this.#rooms = rooms;
    this.#tickMs = tickMs;
    this.#timers = new Timers(clock);
  }

  /** `member`'s presence state may have changed (ignored once it is gone). */
  touch(member: Member): Effect[] {
    if (member.life.state === "gone") return NONE;
    member.room.presence.touch(member.key);
    return this.markDirty(member.room);
  }

  /** `room` has changes to tell: the tick is started if it is not running. */
  markDirty(room: Room<Member>): Effect[] {
    this.#dirty.add(room);
    if (this.#scheduled) return NONE;
    this.#scheduled = true;
    return [setTimer(this.#timers, "tick", this.#tickMs, () => this.#flush())];
  }

  /** Drops `room` from the next tick (its users were forgotten). */
  forget(room: Room<Member>): void {
    this.#dirty.delete(room);
  }

  /** Every pending delta: the tick, whose timer has just fired. */
  #flush(): Effect[] {
    const out: Effect[] = [];
    this.#scheduled = false;
    const rooms = [...this.#dirty];
    this.#dirty.clear();
    for (const room of rooms) this.#flushRoom(room, out);
    return out;
  }

  /** Cancels the tick. */
  dispose(): void {
    this.#timers.dispose();
    this.#scheduled = false;
  }

  #flushRoom(room: Room<Member>, out: Effect[]): void {
    const delta = room.presence.flush((key): PresenceEntry | undefined => {
      const member = room.members.get(key);
      return member && {
        id: member.sid,
        name: member.name,
        state: presenceState(member),
      };
    });
    if (delta) {
      let userlist: string | undefined;
      for (const member of room.members.values()) {
        const life = member.life;
        // Not queued for a detached user: the resumed welcome's snapshot
        // already includes it, and replaying older deltas on top would undo.
        if (life.state !== "live") continue;
        if (member.dialect === "parley") {
          const frame = delta.frameFor(member.sid);
          if (frame !== null) {
            out.push({ kind: "send", conn: life.conn, frame });
          }
        } else if (delta.membershipChanged) {
          userlist ??= tutorial.userlist(
            JSON.stringify(Array.from(room.members.values(), (m) => m.name)),
          );
          out.push({ kind: "send", conn: life.conn, frame: userlist });
        }
      }
    }
    if (room.members.size === 0 && room.presence.empty) {
      this.#rooms.delete(room.name);
    }
  }
}
