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
 * The router puts together the parts that do this and hands each message
 * from another instance to the part it is for:
 * - `edge_routes.ts`: this instance's sockets and where their rooms run;
 * - `remote_sockets.ts`: the sockets other instances forward here;
 * - `fan_out.ts`: frames for those sockets, batched per instance;
 * - `peer_watch.ts`: the heartbeat, and which instances are alive;
 * - `room_leases.ts`: the rooms that run here, which all of them consult.
 *
 * Sockets forwarded to an owner that died are closed with 1012 so their
 * clients reconnect (and the room is taken over); sessions whose edge died
 * are detached, so their users can resume on any instance within the grace
 * period.
 */

import type { ConnectionId, MemoryBus } from "../bus.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Dialect } from "../protocol.ts";
import type { ConnectionMeta, Relay } from "../relay.ts";
import type { SocketEvents } from "../transport.ts";
import type { Broker, InstanceId } from "./broker.ts";
import { EdgeRoutes } from "./edge_routes.ts";
import { FanOut } from "./fan_out.ts";
import { PeerWatch } from "./peer_watch.ts";
import { RemoteSockets } from "./remote_sockets.ts";
import { RoomLeases } from "./room_leases.ts";
import { decodeWire, encodeWire } from "./wire.ts";

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
  /** When an unmarked peer counts as dead: see `PeerWatchOptions`. */
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
  readonly #broker: Broker;
  readonly #log: Logger;
  readonly #leases: RoomLeases;
  readonly #edge: EdgeRoutes;
  readonly #remote: RemoteSockets;
  readonly #fanOut: FanOut;
  readonly #watch: PeerWatch;
  #closed = false;
  #peersLost = 0;
  #gaps = 0;

  constructor(options: RouterOptions) {
    const { relay, bus, broker, logger } = options;
    this.#relay = relay;
    this.#broker = broker;
    this.#log = logger;
    const ready = broker.start(
      (from, message) => this.#onMessage(from, message),
      (from) => this.#gapFrom(from),
    );
    // Until started, claims wait on `ready`; a failed start shows in them.
    ready.catch(() => {});
    const closing = () => this.#closed;
    this.#leases = new RoomLeases({ broker, relay, logger, ready });
    this.#fanOut = new FanOut((to, message) => broker.send(to, message));
    this.#edge = new EdgeRoutes({
      relay,
      bus,
      broker,
      leases: this.#leases,
      logger,
      maxFrameBytes: options.maxFrameBytes,
      closing,
    });
    this.#remote = new RemoteSockets({
      relay,
      bus,
      fanOut: this.#fanOut,
      leases: this.#leases,
      closing,
    });
    this.#watch = new PeerWatch({
      broker,
      leases: this.#leases,
      clock: options.clock,
      logger,
      ready,
      heartbeatMs: options.heartbeatMs,
      deathGraceMs: options.deathGraceMs,
      peers: () => {
        const peers = this.#edge.peers();
        for (const peer of this.#remote.peers()) peers.add(peer);
        return peers;
      },
      died: (peer) => this.#peerDied(peer),
      beat: () => this.#edge.forgetUnusedOwners(),
    });
  }

  // --- socket events from the transport ----------------------------------

  /** A socket opened: bind it to its room's owner, looking it up if needed. */
  open(
    id: ConnectionId,
    dialect: Dialect,
    roomName: string,
    meta: ConnectionMeta = {},
  ): void {
    this.#edge.open(id, dialect, roomName, meta);
  }

  /** A frame from a local socket: to the local relay or the room's owner. */
  receive(
    id: ConnectionId,
    data: string | ArrayBuffer | ArrayBufferView | Blob,
  ): void {
    this.#edge.receive(id, data);
  }

  /** A local socket closed. */
  disconnect(id: ConnectionId, code?: number, wasClean = true): void {
    this.#edge.disconnect(id, code, wasClean);
  }

  /** The server puts a local socket out (e.g. it stopped reading). */
  kick(id: ConnectionId, code: number, reason: string): void {
    this.#edge.kick(id, code, reason);
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
    this.#watch.stop();
    this.#leases.drain();
  }

  /** Stops the heartbeat and leaves the store (leases and mark released). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watch.stop();
    this.#leases.clear();
    await this.#broker.close();
  }

  /** Whether the shared store is reachable. */
  get healthy(): boolean {
    return this.#broker.healthy;
  }

  /** Counters for `/metrics`. */
  stats(): ClusterStats {
    return {
      instance: this.#broker.self,
      healthy: this.#broker.healthy,
      ownedRooms: this.#leases.size,
      forwarded: this.#edge.forwarded,
      remote: this.#remote.size,
      peersLost: this.#peersLost,
      roomsLost: this.#leases.lost,
      resyncs: this.#gaps,
    };
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
        return this.#edge.send(from, message.conn, message.frame);
      case "sendMany":
        for (const conn of message.conns) {
          this.#edge.send(from, conn, message.frame);
        }
        return;
      case "close": {
        const { conn, code, reason } = message;
        return this.#edge.close(from, conn, code, reason);
      }
      case "open": {
        const { conn, dialect, room, ip, hasOrigin } = message;
        return this.#remote.open(from, conn, dialect, room, { ip, hasOrigin });
      }
      case "frame":
        return this.#remote.frame(from, message.conn, message.data);
      case "binary":
        return this.#remote.frame(from, message.conn, null);
      case "closed": {
        const { conn, code, wasClean } = message;
        return this.#remote.closed(from, conn, code, wasClean);
      }
    }
  }

  /**
   * Messages from `peer` were lost (e.g. entries trimmed from our inbox
   * while we were far behind): the sockets the two of us share may be out
   * of step, so every one of them reconnects and resumes its session, which
   * the room's owner still holds.
   */
  #gapFrom(peer: InstanceId): void {
    this.#gaps++;
    const reason = "signaling resync; reconnect";
    const forwarded = this.#edge.closeForwarded(peer, reason);
    // The peer is alive: it detaches these sessions now rather than waiting.
    for (const id of forwarded) {
      this.#broker.send(
        peer,
        encodeWire({ kind: "closed", conn: id, code: 1006, wasClean: false }),
      );
    }
    // Detaches the sessions (1012 is not a goodbye) and closes the sockets.
    const remote = this.#remote.resync(peer, reason);
    this.#log({
      event: "cluster-resync",
      peer,
      forwarded: forwarded.length,
      remote,
    });
  }

  #peerDied(peer: InstanceId): void {
    this.#peersLost++;
    const forwarded = this.#edge.closeForwarded(
      peer,
      "server restart; reconnect",
    ).length;
    this.#edge.forgetOwner(peer);
    const remote = this.#remote.lost(peer);
    this.#log({ event: "cluster-peer-lost", peer, forwarded, remote });
  }
}
