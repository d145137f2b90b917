/**
 * A socket-free harness for the relay core: a manual clock, a bus that
 * records every frame, and clients that send strings and read parsed frames.
 */

import type { Bus, ConnectionId, Sink } from "../../signaling/bus.ts";
import type { Clock, TimerHandle } from "../../signaling/clock.ts";
import { resolveConfig, type SignalingConfig } from "../../signaling/config.ts";
import type { LogRecord } from "../../signaling/log.ts";
import type { Dialect } from "../../signaling/protocol.ts";
import { type ConnectionMeta, Relay } from "../../signaling/relay.ts";

/** A clock that only moves when told to; timers fire in time order. */
export class ManualClock implements Clock {
  #now = 1_000_000;
  #next = 1;
  #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing every timer that comes due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) {
          due = entry;
        }
      }
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
    }
    this.#now = end;
  }
}

/** A bus that keeps every frame and close request per connection. */
export class RecordingBus implements Bus {
  readonly frames = new Map<ConnectionId, string[]>();
  readonly closes = new Map<ConnectionId, { code: number; reason: string }>();
  #attached = new Set<ConnectionId>();

  attach(id: ConnectionId, _sink?: Sink): void {
    this.#attached.add(id);
    this.frames.set(id, []);
  }
  detach(id: ConnectionId): void {
    this.#attached.delete(id);
  }
  send(id: ConnectionId, frame: string): boolean {
    if (!this.#attached.has(id)) return false;
    this.frames.get(id)!.push(frame);
    return true;
  }
  close(id: ConnectionId, code: number, reason: string): void {
    this.closes.set(id, { code, reason });
  }
}

// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

/** One simulated connection. */
export class TestClient {
  #read = 0;

  constructor(
    readonly id: ConnectionId,
    readonly relay: Relay,
    readonly bus: RecordingBus,
  ) {}

  /** Sends an object (as JSON) or a raw string/binary frame. */
  send(message: unknown): void {
    this.relay.receive(
      this.id,
      typeof message === "string" || message instanceof ArrayBuffer
        ? message
        : JSON.stringify(message),
    );
  }

  /** Raw frames received since the last read, then marks them read. */
  rawFrames(): string[] {
    const all = this.bus.frames.get(this.id) ?? [];
    const fresh = all.slice(this.#read);
    this.#read = all.length;
    return fresh;
  }

  /** Parsed frames received since the last read. */
  frames(): Frame[] {
    return this.rawFrames().map((f) => JSON.parse(f));
  }

  /** The only new frame; fails when there is not exactly one. */
  one(): Frame {
    const frames = this.frames();
    if (frames.length !== 1) {
      throw new Error(`expected one frame, got ${JSON.stringify(frames)}`);
    }
    return frames[0];
  }

  /** Disconnects with a goodbye (a clean 1000 close). */
  close(): void {
    this.bus.detach(this.id);
    this.relay.disconnect(this.id, 1000);
  }

  /**
   * Loses the connection without a goodbye: by default like a dropped TCP
   * connection (unclean 1006); `code` 4000 with `wasClean` is what a client
   * heartbeat sends, an unclean 1001 is Deno's missed ping.
   */
  drop(code = 1006, wasClean = false): void {
    this.bus.detach(this.id);
    this.relay.disconnect(this.id, code, wasClean);
  }
}

/** A relay on a manual clock and recording bus. */
export class Harness {
  readonly clock = new ManualClock();
  readonly bus = new RecordingBus();
  readonly logs: LogRecord[] = [];
  readonly config: SignalingConfig;
  readonly relay: Relay;
  #nextId = 1;

  constructor(overrides: Partial<SignalingConfig> = {}) {
    this.config = resolveConfig(overrides);
    this.relay = new Relay({
      config: this.config,
      bus: this.bus,
      clock: this.clock,
      logger: (record) => this.logs.push(record),
    });
  }

  /**
   * Opens a connection in `room` ("" is the lobby). `meta` is what the
   * transport knows of it: by default a browser page (it sent an `Origin`).
   */
  connect(
    dialect: Dialect = "parley",
    room = "",
    meta: ConnectionMeta = { hasOrigin: true },
  ): TestClient {
    const id = this.#nextId++;
    this.bus.attach(id);
    this.relay.open(id, dialect, room, meta);
    return new TestClient(id, this.relay, this.bus);
  }

  /** Connects and logs in, returning the client with its frames read. */
  login(name: string, dialect: Dialect = "parley", room = ""): TestClient {
    const client = this.connect(dialect, room);
    client.send(
      dialect === "parley"
        ? { type: "login", name }
        : { type: "username", name, id: client.id, date: 0 },
    );
    return client;
  }

  /**
   * Opens a new connection and logs in with `login` fields (e.g. `resume`,
   * `call`); returns the client with the welcome unread.
   */
  relogin(
    name: string,
    fields: Record<string, unknown>,
    room = "",
  ): TestClient {
    const client = this.connect("parley", room);
    client.send({ type: "login", name, ...fields });
    return client;
  }

  /** Lets one presence tick pass. */
  tick(): void {
    this.clock.advance(this.config.presenceTickMs);
  }

  /** Logs in users, lets presence settle, and clears everyone's frames. */
  users(names: string[], dialect: Dialect = "parley", room = ""): TestClient[] {
    const clients = names.map((n) => this.login(n, dialect, room));
    this.tick();
    for (const c of clients) c.frames();
    return clients;
  }

  /** Sets up an accepted parley call; returns the callId. */
  acceptedCall(caller: TestClient, callee: TestClient, to: string): string {
    caller.frames();
    caller.send({ type: "call", to });
    const callId = caller.one().callId;
    callee.frames();
    callee.send({ type: "accept", callId });
    caller.frames();
    callee.frames();
    return callId;
  }
}
