/**
 * Presence of one room, coalesced: changes only mark a name dirty; once per
 * tick the room is compared with what its members were last told, and one
 * delta frame goes to each member. A storm of N joins within a tick costs one
 * frame per member, not N.
 */

/**
 * Shown next to each user: ringing or in a call is `busy`; a session whose
 * socket dropped and that may still resume (detached, within its grace
 * period) is `reconnecting`, so nobody takes it for someone who can answer.
 */
export type UserState = "available" | "busy" | "reconnecting";

/** A member as presence sees it. */
export interface PresenceEntry {
  /** Session id; tells a reused name apart from the same (maybe resumed) user. */
  id: number;
  name: string;
  state: UserState;
}

/** One tick's changes, with the frames built from them. */
export class PresenceDelta {
  #shared?: string | null;

  constructor(
    readonly joined: PresenceEntry[],
    readonly left: string[],
    readonly changed: PresenceEntry[],
    /** Session ids appearing in `joined` or `changed`. */
    readonly involved: ReadonlySet<number>,
  ) {}

  /** Whether anyone joined or left (the tutorial `userlist` only cares about that). */
  get membershipChanged(): boolean {
    return this.joined.length > 0 || this.left.length > 0;
  }

  /**
   * The `presence` frame for one recipient: the shared frame, or, for a
   * recipient that is itself part of the delta, one without its own entry.
   * `null` when there is nothing to tell.
   */
  frameFor(recipient: number): string | null {
    if (!this.involved.has(recipient)) {
      if (this.#shared === undefined) {
        this.#shared = presenceFrame(this.joined, this.left, this.changed);
      }
      return this.#shared;
    }
    return presenceFrame(
      this.joined.filter((e) => e.id !== recipient),
      this.left,
      this.changed.filter((e) => e.id !== recipient),
    );
  }
}

/**
 * What a room's members were last told (the committed view) plus the names
 * that may have changed since.
 */
export class RoomPresence {
  #view = new Map<string, PresenceEntry>();
  #dirty = new Set<string>();

  /** Notes that the member under `key` joined, left or changed state. */
  touch(key: string): void {
    this.#dirty.add(key);
  }

  /** Whether a flush would have anything to compare. */
  get pending(): boolean {
    return this.#dirty.size > 0;
  }

  /** Whether nobody is in the committed view and nothing is pending. */
  get empty(): boolean {
    return this.#view.size === 0 && this.#dirty.size === 0;
  }

  /**
   * The committed view as a JSON array of `{name, state}`, for `welcome`.
   * Together with the next delta it gives the current room.
   *
   * @param except the recipient's id: a resumed user is already in the view
   *   but is never told about themselves
   */
  snapshotJson(except?: number): string {
    let json = "[";
    for (const entry of this.#view.values()) {
      if (entry.id === except) continue;
      if (json.length > 1) json += ",";
      json += entryJson(entry);
    }
    return json + "]";
  }

  /**
   * Compares the dirty names with the room now, commits the result and
   * returns the delta (or `null` if nothing visible changed).
   *
   * @param current the member under a key now, if any
   */
  flush(
    current: (key: string) => PresenceEntry | undefined,
  ): PresenceDelta | null {
    const joined: PresenceEntry[] = [];
    const left: string[] = [];
    const changed: PresenceEntry[] = [];
    const involved = new Set<number>();
    for (const key of this.#dirty) {
      const before = this.#view.get(key);
      const now = current(key);
      if (before && (!now || now.id !== before.id)) left.push(before.name);
      if (now && (!before || now.id !== before.id)) {
        joined.push(now);
        involved.add(now.id);
      } else if (now && before && now.state !== before.state) {
        changed.push(now);
        involved.add(now.id);
      }
      if (now) {
        this.#view.set(key, { id: now.id, name: now.name, state: now.state });
      } else this.#view.delete(key);
    }
    this.#dirty.clear();
    if (!joined.length && !left.length && !changed.length) return null;
    return new PresenceDelta(joined, left, changed, involved);
  }
}

/**
 * `{"name":…}`, plus `"state":…` unless available: most people are
 * available, and the welcome snapshots of a join storm are mostly these
 * entries (the default left out makes them 40% smaller).
 */
function entryJson(entry: PresenceEntry): string {
  return entry.state === "available"
    ? '{"name":' + JSON.stringify(entry.name) + "}"
    : '{"name":' + JSON.stringify(entry.name) + ',"state":"' + entry.state +
      '"}';
}

function presenceFrame(
  joined: PresenceEntry[],
  left: string[],
  changed: PresenceEntry[],
): string | null {
  return presenceDeltaFrame(
    left,
    joined.map(entryJson),
    changed.map(entryJson),
  );
}

/**
 * A `presence` frame from names that left and the JSON text of the entries
 * that joined or changed; `null` when all three are empty. The one place
 * the delta's wire shape is written, for the relay's ticks and for the
 * outbox that merges deltas a reader has not taken yet.
 */
export function presenceDeltaFrame(
  left: readonly string[],
  joinedJson: readonly string[],
  changedJson: readonly string[],
): string | null {
  if (!joinedJson.length && !left.length && !changedJson.length) return null;
  let frame = '{"type":"presence"';
  if (left.length) frame += ',"left":' + JSON.stringify(left);
  if (joinedJson.length) frame += ',"joined":[' + joinedJson.join(",") + "]";
  if (changedJson.length) {
    frame += ',"changed":[' + changedJson.join(",") + "]";
  }
  return frame + "}";
}
