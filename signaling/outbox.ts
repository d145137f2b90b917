/**
 * A per-connection priority outbox: what waits for a member that cannot read
 * now (detached, or reading slower than its room talks). Frames fall into
 * three kinds, each held its own way:
 *
 * - **call** frames (signals, call control, errors, welcome, pongs — anything
 *   not recognised as room traffic) are never dropped for room traffic and
 *   keep their order; only a bound far above what a call's signalling can
 *   produce stops them, and passing it is what ends a session;
 * - **presence** is coalesced: `parley.v1` deltas merge into one per user
 *   name, the tutorial's full `userlist` keeps only the latest;
 * - **room chat** is kept up to a bound; older chat is dropped and counted,
 *   and a `parley.v1` reader is told the count in one `chat-dropped` frame.
 *
 * Frames are classified by their first bytes: the relay builds room traffic
 * by string concatenation (frames.ts), so its frames start exactly with
 * `{"type":"chat",` and the like. A relayed client frame (a signal) can start
 * with anything, so whatever is not recognised counts as a call frame. A
 * client could forge such a prefix with a duplicate `type` key, but relayed
 * frames only reach its own call peer; the coalesced kinds are parsed before
 * they replace anything, so a forged one still travels as a call frame.
 */

import { parley } from "./frames.ts";
import { presenceDeltaFrame } from "./presence.ts";

/** How {@linkcode PriorityOutbox} holds a frame. */
export type FrameKind =
  | "call"
  | "presence"
  | "userlist"
  | "chat"
  | "message";

/** Room traffic by prefix; everything else belongs to the call. */
const PREFIXES: ReadonlyArray<readonly [string, FrameKind]> = [
  ['{"type":"chat",', "chat"],
  ['{"type":"message",', "message"],
  ['{"type":"presence",', "presence"],
  ['{"type":"userlist",', "userlist"],
];

/**
 * The kind of an outgoing frame, from its prefix: `chat` (`parley.v1`) and
 * `message` (tutorial) are room chat; `presence` and `userlist` are presence;
 * anything else is a call frame.
 */
export function classifyFrame(frame: string): FrameKind {
  // Every room-traffic prefix shares `{"type":"`; most call frames do too,
  // so this only saves work on relayed signals with their own key order.
  if (!frame.startsWith('{"type":"')) return "call";
  for (const [prefix, kind] of PREFIXES) {
    if (frame.startsWith(prefix)) return kind;
  }
  return "call";
}

/** Bounds of a {@linkcode PriorityOutbox}; sizes are in UTF-16 code units. */
export interface OutboxLimits {
  /** Call frames held at most; one more ends the session. */
  callFrames: number;
  /** Size of the call frames held at most; past it the session ends. */
  callChars: number;
  /** Chat frames kept; past it the oldest are dropped and counted. */
  chatFrames: number;
  /** Size of the chat kept; past it the oldest are dropped and counted. */
  chatChars: number;
}

/**
 * The defaults. A call's signalling is a few offers, answers and candidates
 * per negotiation, so thousands of call frames only come from a peer that
 * means harm; the chat bound is what a person catching up still reads.
 */
export const DEFAULT_OUTBOX_LIMITS: Readonly<OutboxLimits> = Object.freeze({
  callFrames: 2048,
  callChars: 4 * 1024 * 1024,
  chatFrames: 100,
  chatChars: 256 * 1024,
});

/** One user in a `parley.v1` presence delta. */
interface WireUser {
  name: string;
  state?: string;
}

/** What a run of presence deltas did to one name, relative to the reader's view. */
interface NameChange {
  /** A `left` came: the reader must drop what it has under this name. */
  reset: boolean;
  /** A `joined` came: the final entry is new to the reader. */
  added: boolean;
  /** The name's entry after every delta, or `null` if it is gone. */
  entry: WireUser | null;
}

/** A FIFO of strings that tracks its total size, popped from the front. */
class FrameQueue {
  #items: string[] = [];
  #head = 0;
  chars = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(frame: string): void {
    this.#items.push(frame);
    this.chars += frame.length;
  }

  shift(): string | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const frame = this.#items[this.#head++];
    this.chars -= frame.length;
    // Compact once the dead head outweighs the live part, so a long-lived
    // queue does not keep every frame it ever held.
    if (this.#head > 32 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return frame;
  }
}

/** See the module doc. */
export class PriorityOutbox {
  readonly #limits: OutboxLimits;
  readonly #calls = new FrameQueue();
  readonly #chats = new FrameQueue();
  /** `parley.v1` presence merged per name, in first-touched order. */
  #presence: Map<string, NameChange> | null = null;
  /** The latest tutorial `userlist`. */
  #userlist: string | null = null;
  /** `parley.v1` chat dropped since the last notice went out. */
  #unreported = 0;
  #dropped = 0;

  constructor(limits: Partial<OutboxLimits> = {}) {
    this.#limits = { ...DEFAULT_OUTBOX_LIMITS, ...limits };
  }

  /**
   * Holds `frame`. False when it is a call frame past the call bound: it was
   * not kept, and the session should end (its call can no longer be
   * delivered whole).
   */
  push(frame: string): boolean {
    const kind = classifyFrame(frame);
    switch (kind) {
      case "chat":
      case "message":
        this.#pushChat(frame, kind);
        return true;
      case "presence":
        if (this.#mergePresence(frame)) return true;
        break;
      case "userlist":
        if (isType(frame, "userlist")) {
          this.#userlist = frame;
          return true;
        }
        break;
    }
    const limits = this.#limits;
    if (
      this.#calls.length >= limits.callFrames ||
      this.#calls.chars + frame.length > limits.callChars
    ) {
      return false;
    }
    this.#calls.push(frame);
    return true;
  }

  /**
   * The next frame to send: call frames first, in order, then the merged
   * presence, then the count of dropped chat (`parley.v1` only), then the
   * chat kept, in order. `undefined` when empty.
   */
  shift(): string | undefined {
    const call = this.#calls.shift();
    if (call !== undefined) return call;
    if (this.#presence !== null) {
      const frame = presenceFrame(this.#presence);
      this.#presence = null;
      if (frame !== null) return frame;
    }
    if (this.#userlist !== null) {
      const frame = this.#userlist;
      this.#userlist = null;
      return frame;
    }
    if (this.#unreported > 0) {
      const frame = parley.chatDropped(this.#unreported);
      this.#unreported = 0;
      return frame;
    }
    return this.#chats.shift();
  }

  /** Everything held, in the order of {@linkcode shift}; leaves it empty. */
  drain(): string[] {
    const frames: string[] = [];
    for (let f = this.shift(); f !== undefined; f = this.shift()) {
      frames.push(f);
    }
    return frames;
  }

  /** Whether {@linkcode shift} has nothing to give. */
  get empty(): boolean {
    return this.#calls.length === 0 && this.#chats.length === 0 &&
      this.#presence === null && this.#userlist === null &&
      this.#unreported === 0;
  }

  /** Call frames waiting. */
  get calls(): number {
    return this.#calls.length;
  }

  /** Chat frames (both dialects) dropped over this outbox's life. */
  get droppedChats(): number {
    return this.#dropped;
  }

  #pushChat(frame: string, kind: "chat" | "message"): void {
    const chats = this.#chats;
    chats.push(frame);
    const limits = this.#limits;
    while (
      chats.length > limits.chatFrames ||
      (chats.chars > limits.chatChars && chats.length > 1)
    ) {
      chats.shift();
      this.#dropped++;
      // A connection speaks one dialect, so every chat it holds is of the
      // kind just pushed. The tutorial's client has no word for this.
      if (kind === "chat") this.#unreported++;
    }
  }

  /** False when `frame` is not really a presence delta. */
  #mergePresence(frame: string): boolean {
    let delta: unknown;
    try {
      delta = JSON.parse(frame);
    } catch {
      return false;
    }
    if (!isRecord(delta) || delta.type !== "presence") return false;
    const names = this.#presence ??= new Map();
    const change = (name: string): NameChange => {
      let c = names.get(name);
      if (!c) names.set(name, c = { reset: false, added: false, entry: null });
      return c;
    };
    // The order a reader applies a delta in: left, joined, changed.
    for (const name of strings(delta.left)) {
      const c = change(name);
      c.reset = true;
      c.added = false;
      c.entry = null;
    }
    for (const user of users(delta.joined)) {
      const c = change(user.name);
      c.added = true;
      c.entry = user;
    }
    for (const user of users(delta.changed)) change(user.name).entry = user;
    return true;
  }
}

/** One delta with the same effect as the merged ones, or `null` if none. */
function presenceFrame(names: Map<string, NameChange>): string | null {
  const left: string[] = [];
  const joined: string[] = [];
  const changed: string[] = [];
  for (const [name, c] of names) {
    if (c.reset) left.push(name);
    if (c.entry === null) continue;
    if (c.reset || c.added) joined.push(JSON.stringify(c.entry));
    else changed.push(JSON.stringify(c.entry));
  }
  return presenceDeltaFrame(left, joined, changed);
}

/** Whether `frame` parses as an object whose `type` is `type`. */
function isType(frame: string, type: string): boolean {
  try {
    const value: unknown = JSON.parse(frame);
    return isRecord(value) && value.type === type;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((v): v is string => typeof v === "string")
    : [];
}

function users(value: unknown): WireUser[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is WireUser =>
    isRecord(v) && typeof v.name === "string"
  );
}
