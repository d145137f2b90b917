/**
 * The cluster router: stands between the transport and the relay when
 * Parley runs as several instances on a shared store (see `broker.ts`).
 *
 * Each room runs on one instance, the holder of its lease (the owner). A
 * socket whose room runs here goes straight to the local relay, exactly as on
 * a single instance; a socket whose room runs elsewhere is forwarded: its
 * events go to the owner's inbox and the owner's frames come back through
 * ours. So names, presence, calls, rate limits and resume tokens follow one
 * set of rules, the relay's, wherever the users' sockets are.
 *
 * Liveness: every heartbeat this instance renews its mark and its leases and
 * checks the instances it exchanges messages with. Sockets forwarded to an
 * owner that died are closed with 1012 so their clients reconnect (and the
 * room is taken over); sessions whose edge died are detached, so their users
 * can resume on any instance within the grace period.
 */

import type { ConnectionId, MemoryBus, Sink } from "../bus.ts";
import type { Clock, TimerHandle } from "../clock.ts";
import type { Logger } from "../log.ts";
import { type Dialect, frameTooBig } from "../protocol.ts";
import { CloseCode, type ConnectionMeta, type Relay } from "../relay.ts";
import type { SocketEvents } from "../transport.ts";
import type { Broker, InstanceId } from "./broker.ts";
import { decodeWire, encodeWire, frameWire, sendWire, TICK } from "./wire.ts";

/** Close codes the router uses on sockets it cannot serve right now. */
export const ClusterClose = {
  /** Service Restart: the room moved or its instance went away; reconnect. */
  moved: 1012,
  /** Try Again Later: the shared store is unreachable. */
  unavailable: 1013,
} as const;

/** Relay ids for sockets forwarded from other instances: above any local one. */
const FIRST_REMOTE_ID = 2 ** 40;

/** Frames a socket may send while its room's owner is being looked up. */
const MAX_PENDING_FRAMES = 64;

/** Failed heartbeats logged before further failures are only counted. */
const MAX_LOGGED_FAILURES = 3;

/** A local socket and where its room runs. */
interface Route {
  readonly room: string;
  readonly dialect: Dialect;
  readonly ip?: string;
  readonly hasOrigin?: boolean;
  /** The room's owner; `null` while it is being looked up. */
  owner: InstanceId | null;
  /** Frames received during the lookup (`null`: a binary frame). */
  pending: (string | null)[];
}

/** A socket on another instance in a room that runs here. */
interface Remote {
  readonly instance: InstanceId;
  /** The socket's id on its own instance. */
  readonly edgeConn: number;
  readonly key: string;
}

/** What the router is built from. */
export interface RouterOptions {
  relay: Relay;
  /** The bus the transport attaches local sockets to; remote ones join it. */
  bus: MemoryBus;
  broker: Broker;
  logger: Logger;
  clock: Clock;
  /** Frames above this many bytes close the socket (1009) before forwarding. */
  maxFrameBytes: number;
  /** Lease and liveness renewal period; a fifth of the lease by default. */
  heartbeatMs: number;
  /**
   * How long a peer must stay unmarked, while the store itself is healthy,
   * before it counts as dead. Covers a store restart, after which every
   * instance re-marks itself within a heartbeat or two.
   */
  deathGraceMs: number;
}

/** Counters for `/metrics`. */
export interface ClusterStats {
  instance: InstanceId;
  /** Whether the shared store is reachable. */
  healthy: boolean;
  /** Rooms running on this instance. */
  ownedRooms: number;
  /** Local sockets whose room runs on another instance. */
  forwarded: number;
  /** Sockets on other instances in rooms that run here. */
  remote: number;
  /** Instances found dead by this one. */
  peersLost: number;
  /** Rooms this instance had to give up (their lease went elsewhere). */
  roomsLost: number;
  /** Times messages from a peer were lost and the shared sockets resynced. */
  resyncs: number;
}

/** Routes socket events to the instance running their room. */
export class ClusterRouter implements SocketEvents {
  readonly #relay: Relay;
  readonly #bus: MemoryBus;
  readonly #broker: Broker;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #options: RouterOptions;
  readonly #self: InstanceId;
  readonly #ready: Promise<void>;
  readonly #routes = new Map<ConnectionId, Route>();
  /** Owners of rooms this edge has sockets in (cached while it does). */
  readonly #owners = new Map<string, InstanceId>();
  readonly #lookups = new Map<string, Promise<InstanceId>>();
  readonly #owned = new Set<string>();
  readonly #remoteIds = new Map<string, ConnectionId>();
  readonly #remotes = new Map<ConnectionId, Remote>();
  /** Forwarded sockets waiting for this instance's claim of their room. */
  readonly #early = new Map<
    string,
    { frames: (string | null)[]; closed: boolean }
  >();
  /** Peers seen unmarked, and since when. */
  readonly #missing = new Map<InstanceId, number>();
  /** Per instance, the frame being sent to a run of its sockets. */
  readonly #runs = new Map<
    InstanceId,
    { frame: string; conns: Set<number> }
  >();
  #runsScheduled = false;
  #nextRemoteId = FIRST_REMOTE_ID;
  #timer: TimerHandle | null = null;
  #closed = false;
  #lastUnhealthyAt = -Infinity;
  #failures = 0;
  #peersLost = 0;
  #roomsLost = 0;
  #gaps = 0;

  constructor(options: RouterOptions) {
    this.#options = options;
    this.#relay = options.relay;
    this.#bus = options.bus;
    this.#broker = options.broker;
    this.#log = options.logger;
    this.#clock = options.clock;
    this.#self = options.broker.self;
    this.#ready = options.broker.start(
      (from, message) => this.#onMessage(from, message),
      (from) => this.#gapFrom(from),
    );
    // Until started, lookups wait on #ready; a failed start shows in them.
    this.#ready.catch(() => {});
    this.#schedule();
  }

  // --- socket events from the transport ----------------------------------

  /** A socket opened: bind it to its room's owner, looking it up if needed. */
  open(
    id: ConnectionId,
    dialect: Dialect,
    roomName: string,
    meta: ConnectionMeta = {},
  ): void {
    const route: Route = {
      room: roomName,
      dialect,
      ip: meta.ip,
      hasOrigin: meta.hasOrigin,
      owner: null,
      pending: [],
    };
    this.#routes.set(id, route);
    const known = this.#owned.has(roomName)
      ? this.#self
      : this.#owners.get(roomName);
    if (known !== undefined) return this.#bind(id, route, known);
    this.#lookup(roomName).then(
      (owner) => {
        if (this.#routes.get(id) === route) this.#bind(id, route, owner);
      },
      (error) => {
        if (this.#routes.get(id) !== route) return;
        this.#routes.delete(id);
        this.#log({
          event: "cluster-lookup-failed",
          room: roomName,
          error: errorText(error),
        });
        this.#bus.close(
          id,
          ClusterClose.unavailable,
          "signaling store unreachable; reconnecting",
        );
      },
    );
  }

  /** A frame from a local socket: to the local relay or the room's owner. */
  receive(
    id: ConnectionId,
    data: string | ArrayBuffer | ArrayBufferView | Blob,
  ): void {
    const route = this.#routes.get(id);
    if (!route) return;
    if (route.owner === this.#self) return this.#relay.receive(id, data);
    // Checked here so an oversize frame never reaches the store.
    if (frameTooBig(data, this.#options.maxFrameBytes)) {
      return this.kick(
        id,
        CloseCode.tooBig,
        `frame too big: send at most ${this.#options.maxFrameBytes} bytes`,
      );
    }
    const text = typeof data === "string" ? data : null;
    if (route.owner === null) {
      if (route.pending.length >= MAX_PENDING_FRAMES) {
        return this.kick(id, CloseCode.policy, "too many frames before login");
      }
      route.pending.push(text);
      return;
    }
    this.#broker.send(
      route.owner,
      text === null
        ? encodeWire({ kind: "binary", conn: id })
        : frameWire(id, text),
    );
  }

  /** A local socket closed. */
  disconnect(id: ConnectionId, code?: number, wasClean = true): void {
    const route = this.#routes.get(id);
    if (!route) return;
    this.#routes.delete(id);
    if (route.owner === this.#self) {
      return this.#relay.disconnect(id, code, wasClean);
    }
    if (route.owner === null) return;
    this.#broker.send(
      route.owner,
      encodeWire({
        kind: "closed",
        conn: id,
        code: code ?? 1005,
        // This instance going away is a lost connection for the user's
        // session, which they resume on another instance.
        wasClean: wasClean && !this.#closed,
      }),
    );
  }

  /** The server puts a local socket out (e.g. it stopped reading). */
  kick(id: ConnectionId, code: number, reason: string): void {
    const route = this.#routes.get(id);
    if (!route) return;
    if (route.owner === this.#self) return this.#relay.kick(id, code, reason);
    this.#bus.close(id, code, reason);
    this.disconnect(id, code, true);
  }

  /**
   * Whether the transport may take one more socket when `openSockets` are
   * open here: see `Relay.admitSocket`. The detached sessions that count are
   * this process's relay's (rooms running here, whichever instance their
   * sockets were on): they are what fills this process's memory.
   */
  admitSocket(openSockets: number): boolean {
    return this.#relay.admitSocket(openSockets);
  }

  // --- lifecycle -----------------------------------------------------------

  /**
   * Before the transport closes its sockets: hands every room running here
   * back (its users reconnect, another instance takes the room over and their
   * calls are restored by claim), and marks closes from now on as lost
   * connections so forwarded users keep their sessions.
   */
  drain(): void {
    this.#closed = true;
    for (const room of [...this.#owned]) {
      this.#owned.delete(room);
      this.#relay.evictRoom(
        room,
        ClusterClose.moved,
        "server restarting; reconnect",
      );
      // At once, so the reconnecting users' instances can take it over.
      this.#broker.release(room).catch(() => {});
    }
  }

  /** Stops the heartbeat and leaves the store (leases and mark released). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#owned.clear();
    await this.#broker.close();
  }

  /** Whether the shared store is reachable. */
  get healthy(): boolean {
    return this.#broker.healthy;
  }

  /** Counters for `/metrics`. */
  stats(): ClusterStats {
    let forwarded = 0;
    for (const route of this.#routes.values()) {
      if (route.owner !== this.#self) forwarded++;
    }
    return {
      instance: this.#self,
      healthy: this.#broker.healthy,
      ownedRooms: this.#owned.size,
      forwarded,
      remote: this.#remotes.size,
      peersLost: this.#peersLost,
      roomsLost: this.#roomsLost,
      resyncs: this.#gaps,
    };
  }

  // --- edge side ---------------------------------------------------------

  #lookup(room: string): Promise<InstanceId> {
    let lookup = this.#lookups.get(room);
    if (!lookup) {
      lookup = this.#ready
        .then(() => this.#broker.claim(room))
        .then((owner) => {
          if (owner === this.#self) this.#owned.add(room);
          else this.#owners.set(room, owner);
          return owner;
        })
        .finally(() => this.#lookups.delete(room));
      this.#lookups.set(room, lookup);
    }
    return lookup;
  }

  #bind(id: ConnectionId, route: Route, owner: InstanceId): void {
    route.owner = owner;
    const pending = route.pending;
    route.pending = [];
    if (owner === this.#self) {
      this.#relay.open(id, route.dialect, route.room, {
        ip: route.ip,
        hasOrigin: route.hasOrigin,
      });
      for (const text of pending) {
        this.#relay.receive(id, text ?? new Uint8Array(0));
      }
      return;
    }
    this.#broker.send(
      owner,
      encodeWire({
        kind: "open",
        conn: id,
        dialect: route.dialect,
        room: route.room,
        ip: route.ip,
        hasOrigin: route.hasOrigin,
      }),
    );
    for (const text of pending) {
      this.#broker.send(
        owner,
        text === null
          ? encodeWire({ kind: "binary", conn: id })
          : frameWire(id, text),
      );
    }
  }

  // --- messages from other instances -------------------------------------

  #onMessage(from: InstanceId, text: string): void {
    const message = decodeWire(text);
    if (message === null) {
      this.#log({ event: "cluster-bad-message", from });
      return;
    }
    switch (message.kind) {
      case "tick":
        return;
      case "send":
        // Only the room's owner may write to a forwarded socket.
        if (this.#routes.get(message.conn)?.owner === from) {
          this.#bus.send(message.conn, message.frame);
        }
        return;
      case "sendMany":
        for (const conn of message.conns) {
          if (this.#routes.get(conn)?.owner === from) {
            this.#bus.send(conn, message.frame);
          }
        }
        return;
      case "close": {
        const route = this.#routes.get(message.conn);
        if (route?.owner !== from) return;
        this.#routes.delete(message.conn);
        // The room no longer runs there: the reconnect must look it up again.
        if (
          message.code === ClusterClose.moved &&
          this.#owners.get(route.room) === from
        ) {
          this.#owners.delete(route.room);
        }
        return this.#bus.close(message.conn, message.code, message.reason);
      }
      case "open":
        return this.#openRemote(
          from,
          message.conn,
          message.dialect,
          message.room,
          { ip: message.ip, hasOrigin: message.hasOrigin },
        );
      case "frame":
      case "binary": {
        const key = `${from}|${message.conn}`;
        const id = this.#remoteIds.get(key);
        if (id !== undefined) {
          return this.#relay.receive(
            id,
            message.kind === "frame" ? message.data : new Uint8Array(0),
          );
        }
        const early = this.#early.get(key);
        if (!early) return this.#refuseRemote(from, message.conn);
        early.frames.push(message.kind === "frame" ? message.data : null);
        return;
      }
      case "closed": {
        const key = `${from}|${message.conn}`;
        const early = this.#early.get(key);
        if (early) early.closed = true;
        const id = this.#remoteIds.get(key);
        if (id === undefined) return;
        this.#dropRemote(id);
        return this.#relay.disconnect(id, message.code, message.wasClean);
      }
    }
  }

  #openRemote(
    from: InstanceId,
    edgeConn: number,
    dialect: Dialect,
    room: string,
    meta: ConnectionMeta,
  ): void {
    const key = `${from}|${edgeConn}`;
    const lookup = this.#lookups.get(room);
    if (!this.#owned.has(room) && lookup && !this.#closed) {
      // Our own claim of a new room won in the store but its answer has
      // not reached us yet, while the edge already read the lease: wait
      // for it, holding the socket's frames, rather than refuse.
      if (this.#early.has(key)) return;
      const early = { frames: [] as (string | null)[], closed: false };
      this.#early.set(key, early);
      const retry = () => {
        this.#early.delete(key);
        if (early.closed) return;
        this.#openRemote(from, edgeConn, dialect, room, meta);
        const id = this.#remoteIds.get(key);
        if (id === undefined) return;
        for (const text of early.frames) {
          this.#relay.receive(id, text ?? new Uint8Array(0));
        }
      };
      lookup.then(retry, retry);
      return;
    }
    // The edge's view of the lease was stale (the room moved on, or this
    // instance is draining): its client reconnects and looks again.
    if (!this.#owned.has(room) || this.#closed) {
      return this.#refuseRemote(from, edgeConn);
    }
    if (this.#remoteIds.has(key)) return;
    const id = this.#nextRemoteId++;
    this.#remoteIds.set(key, id);
    this.#remotes.set(id, { instance: from, edgeConn, key });
    this.#bus.attach(id, this.#remoteSink(id, from, edgeConn));
    this.#relay.open(id, dialect, room, meta);
  }

  #refuseRemote(to: InstanceId, edgeConn: number): void {
    this.#toInstance(
      to,
      encodeWire({
        kind: "close",
        conn: edgeConn,
        code: ClusterClose.moved,
        reason: "room moved; reconnect",
      }),
    );
  }

  #remoteSink(id: ConnectionId, to: InstanceId, edgeConn: number): Sink {
    return {
      send: (frame) => this.#sendFrame(to, edgeConn, frame),
      close: (code, reason) => {
        this.#toInstance(
          to,
          encodeWire({ kind: "close", conn: edgeConn, code, reason }),
        );
        // The relay forgets the connection itself right after asking.
        this.#dropRemote(id);
      },
    };
  }

  /**
   * Queues `frame` for socket `edgeConn` on instance `to`. The relay sends
   * one frame object to a whole room in a row (a presence delta, a chat
   * line): such a run goes to each instance as one message naming all its
   * sockets, so a room of 1,000 costs one message per instance, not 1,000.
   */
  #sendFrame(to: InstanceId, edgeConn: number, frame: string): void {
    const run = this.#runs.get(to);
    if (run && run.frame === frame && !run.conns.has(edgeConn)) {
      run.conns.add(edgeConn);
      return;
    }
    if (run) this.#flushRun(to, run);
    this.#runs.set(to, { frame, conns: new Set([edgeConn]) });
    if (!this.#runsScheduled) {
      this.#runsScheduled = true;
      queueMicrotask(() => {
        this.#runsScheduled = false;
        for (const [peer, pending] of this.#runs) this.#flushRun(peer, pending);
      });
    }
  }

  /** Sends any other message to `to`, behind the frames queued for it. */
  #toInstance(to: InstanceId, message: string): void {
    const run = this.#runs.get(to);
    if (run) this.#flushRun(to, run);
    this.#broker.send(to, message);
  }

  #flushRun(to: InstanceId, run: { frame: string; conns: Set<number> }): void {
    this.#runs.delete(to);
    this.#broker.send(
      to,
      run.conns.size === 1
        ? sendWire(run.conns.values().next().value!, run.frame)
        : encodeWire({
          kind: "sendMany",
          conns: [...run.conns],
          frame: run.frame,
        }),
    );
  }

  #dropRemote(id: ConnectionId): void {
    const remote = this.#remotes.get(id);
    if (!remote) return;
    this.#remotes.delete(id);
    this.#remoteIds.delete(remote.key);
    this.#bus.detach(id);
  }

  // --- heartbeat ---------------------------------------------------------

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#heartbeat().finally(() => this.#schedule());
    }, this.#options.heartbeatMs);
  }

  /** One at a time: the next is scheduled only once this one has settled. */
  async #heartbeat(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#ready;
      this.#releaseEmptyRooms();
      const lost = await this.#broker.renew([...this.#owned]);
      for (const room of lost) this.#giveUp(room);
      await this.#checkPeers();
      this.#forgetUnusedOwners();
      if (this.#failures > 0) {
        this.#log({ event: "cluster-recovered", failures: this.#failures });
        this.#failures = 0;
      }
    } catch (error) {
      this.#lastUnhealthyAt = this.#clock.now();
      if (this.#failures++ < MAX_LOGGED_FAILURES) {
        this.#log({
          event: "cluster-heartbeat-failed",
          error: errorText(error),
        });
      }
    }
  }

  #releaseEmptyRooms(): void {
    for (const room of [...this.#owned]) {
      if (this.#relay.hasRoom(room) || this.#lookups.has(room)) continue;
      this.#owned.delete(room);
      this.#broker.release(room).catch(() => {
        // The lease expires by itself.
      });
    }
  }

  /** Another instance holds `room`'s lease now: stop running it here. */
  #giveUp(room: string): void {
    if (!this.#owned.delete(room)) return;
    this.#roomsLost++;
    this.#log({ event: "cluster-room-lost", room });
    this.#relay.evictRoom(room, ClusterClose.moved, "room moved; reconnect");
  }

  async #checkPeers(): Promise<void> {
    const peers = new Set<InstanceId>();
    for (const route of this.#routes.values()) {
      if (route.owner !== null && route.owner !== this.#self) {
        peers.add(route.owner);
      }
    }
    for (const remote of this.#remotes.values()) peers.add(remote.instance);
    for (const peer of this.#missing.keys()) {
      if (!peers.has(peer)) this.#missing.delete(peer);
    }
    if (peers.size === 0) return;
    // A message each heartbeat, so a loss at the end of a burst shows as a
    // gap within a heartbeat rather than at the next frame.
    for (const peer of peers) this.#broker.send(peer, TICK);
    const alive = await this.#broker.alive([...peers]);
    const now = this.#clock.now();
    // Right after the store was unreachable (or restarted empty), marks are
    // missing because nobody could renew them: no verdicts until it settles.
    const settled = now - this.#lastUnhealthyAt >= this.#options.deathGraceMs;
    for (const peer of peers) {
      if (alive.has(peer)) {
        this.#missing.delete(peer);
        continue;
      }
      const since = this.#missing.get(peer) ?? now;
      this.#missing.set(peer, since);
      if (settled && now - since >= this.#options.deathGraceMs) {
        this.#peerDied(peer);
      }
    }
  }

  /**
   * Messages from `peer` were lost (e.g. Redis dropped our subscription
   * while it was far behind): the sockets the two of us share may be out of
   * step, so every one of them reconnects and resumes its session, which
   * the room's owner still holds.
   */
  #gapFrom(peer: InstanceId): void {
    this.#gaps++;
    const forwarded = this.#closeForwarded(peer, "signaling resync; reconnect");
    // The peer is alive: it detaches these sessions now rather than waiting.
    for (const id of forwarded) {
      this.#broker.send(
        peer,
        encodeWire({ kind: "closed", conn: id, code: 1006, wasClean: false }),
      );
    }
    let remote = 0;
    for (const [id, entry] of [...this.#remotes]) {
      if (entry.instance !== peer) continue;
      // Detaches the session (1012 is not a goodbye) and closes the socket.
      this.#relay.kick(id, ClusterClose.moved, "signaling resync; reconnect");
      remote++;
    }
    this.#log({
      event: "cluster-resync",
      peer,
      forwarded: forwarded.length,
      remote,
    });
  }

  /**
   * Closes (1012) every local socket forwarded to `peer`, so its client
   * reconnects and resumes; returns their ids.
   */
  #closeForwarded(peer: InstanceId, reason: string): ConnectionId[] {
    const closed: ConnectionId[] = [];
    for (const [id, route] of [...this.#routes]) {
      if (route.owner !== peer) continue;
      this.#routes.delete(id);
      this.#bus.close(id, ClusterClose.moved, reason);
      closed.push(id);
    }
    return closed;
  }

  #peerDied(peer: InstanceId): void {
    this.#missing.delete(peer);
    this.#peersLost++;
    const forwarded = this.#closeForwarded(peer, "server restart; reconnect")
      .length;
    let remote = 0;
    for (const [room, owner] of [...this.#owners]) {
      if (owner === peer) this.#owners.delete(room);
    }
    for (const [id, entry] of [...this.#remotes]) {
      if (entry.instance !== peer) continue;
      this.#dropRemote(id);
      // Lost, not left: the session waits for its user to resume here.
      this.#relay.disconnect(id, 1006, false);
      remote++;
    }
    this.#log({ event: "cluster-peer-lost", peer, forwarded, remote });
  }

  #forgetUnusedOwners(): void {
    if (this.#owners.size === 0) return;
    const used = new Set<string>();
    for (const route of this.#routes.values()) used.add(route.room);
    for (const room of [...this.#owners.keys()]) {
      if (!used.has(room)) this.#owners.delete(room);
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
