/**
 * A room: its logged-in members by name key, the unique-name rule, and its
 * presence bookkeeping. Users only ever see the members of their own room.
 */

import { NameHolds } from "./name_holds.ts";
import { nameKey, uniqueName } from "./names.ts";
import { RoomPresence } from "./presence.ts";
import { randomToken } from "./tokens.ts";

/** Remembered suffix hints per room; beyond this the hints start over. */
const MAX_SUFFIX_HINTS = 1000;

/** Room names: `/ws?room=<name>`; the empty string is the lobby. */
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `name` is a valid room name ("" is the lobby). */
export function isValidRoomName(name: string): boolean {
  return name === "" || ROOM_NAME.test(name);
}

/** Random bytes in a new room's id: 128 bits, past guessing by far. */
export const ROOM_ID_BYTES = 16;

/**
 * A fresh private room id: {@linkcode ROOM_ID_BYTES} random bytes as
 * unpadded base64url (22 characters), so it is a valid room name and the
 * link is the only way to find the room.
 */
export function newRoomId(): string {
  return randomToken(ROOM_ID_BYTES);
}

/** Members of one room, keyed case-insensitively by name. */
export class Room<Member> {
  readonly members = new Map<string, Member>();
  readonly presence = new RoomPresence();
  /** Names kept free for call parties expected back after a restart. */
  readonly holds = new NameHolds<Member>();
  /** Per base name, the last suffix handed out, so `guest 57` is found in O(1). */
  #suffixHints = new Map<string, number>();

  constructor(readonly name: string) {}

  /** The member called `name` (any case), if present. */
  find(name: string): Member | undefined {
    return this.members.get(nameKey(name));
  }

  /**
   * Adds a member under `requested` or, if that is taken or held (see
   * {@linkcode NameHolds}), under the first free variant (`name 2`, `name 3`,
   * …). `create` builds the member once its name and key are known.
   *
   * @param opensHold whether this login proved to be the one a hold on a
   *   key waits for; its name's holds end once it has the name
   */
  join(
    requested: string,
    create: (name: string, key: string) => Member,
    opensHold?: (key: string) => boolean,
  ): Member {
    const base = nameKey(requested);
    const picked = uniqueName(
      requested,
      (key) =>
        this.members.has(key) ||
        (this.holds.isHeld(key) && !opensHold?.(key)),
      (this.#suffixHints.get(base) ?? 1) + 1,
    );
    if (picked.suffix === 1) this.#suffixHints.delete(base);
    else {
      // Hints outlive the users they were made for; keep them bounded.
      if (this.#suffixHints.size >= MAX_SUFFIX_HINTS) this.#suffixHints.clear();
      this.#suffixHints.set(base, picked.suffix);
    }
    const key = nameKey(picked.name);
    const member = create(picked.name, key);
    this.members.set(key, member);
    this.holds.release(key);
    this.presence.touch(key);
    return member;
  }

  /** Removes `member` if it still holds `key`. */
  leave(key: string, member: Member): void {
    if (this.members.get(key) !== member) return;
    this.members.delete(key);
    this.presence.touch(key);
  }
}
