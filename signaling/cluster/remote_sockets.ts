/**
 * Sockets other instances forward here: users whose socket is on another
 * instance (their edge) in a room that runs here. Each gets a relay id of
 * its own and a sink on the bus that sends back through the edge, so the
 * relay treats it like any local socket.
 */

import type { ConnectionId, MemoryBus, Sink } from "../bus.ts";
import type { Dialect } from "../protocol.ts";
import type { ConnectionMeta, Relay } from "../relay.ts";
import type { InstanceId } from "./broker.ts";
import { ClusterClose } from "./close_codes.ts";
import type { FanOut } from "./fan_out.ts";
import type { RoomLeases } from "./room_leases.ts";
import { encodeWire } from "./wire.ts";

/**
 * Relay ids for sockets forwarded from other instances count down from
 * here, apart from local ones (which count up from 1). Small integers, not
 * ids above 2^30: V8 keeps those as heap numbers, which every map lookup of
 * every forwarded frame would pay for.
 */
export const FIRST_REMOTE_ID = -1;

/** A socket on another instance. */
interface Remote {
  readonly instance: InstanceId;
  /** The socket's id on its own instance. */
  readonly edgeConn: number;
}

/** Frames held for a socket that arrived while its room's claim was under way. */
interface Early {
  frames: (string | null)[];
  closed: boolean;
}

/** What the remote sockets are kept with. */
export interface RemoteSocketsOptions {
  relay: Pick<Relay, "open" | "receive" | "disconnect" | "kick">;
  bus: Pick<MemoryBus, "attach" | "detach">;
  fanOut: FanOut;
  leases: Pick<RoomLeases, "owns" | "claiming">;
  /** Whether this instance is draining or closed: then it takes no socket. */
  closing: () => boolean;
}

/** The sockets forwarded here, by relay id and by edge. */
export class RemoteSockets {
  readonly #o: RemoteSocketsOptions;
  /** Relay ids by edge, then by the socket's id there. */
  readonly #ids = new Map<InstanceId, Map<number, ConnectionId>>();
  readonly #remotes = new Map<ConnectionId, Remote>();
  /** By `<edge>|<socket id there>`. */
  readonly #early = new Map<string, Early>();
  #nextId = FIRST_REMOTE_ID;

  constructor(options: RemoteSocketsOptions) {
    this.#o = options;
  }

  /** Sockets forwarded here. */
  get size(): number {
    return this.#remotes.size;
  }

  /** The instances that forward sockets here. */
  peers(): Set<InstanceId> {
    return new Set(this.#ids.keys());
  }

  /** Socket `edgeConn` on `from` opened for `room`. */
  open(
    from: InstanceId,
    edgeConn: number,
    dialect: Dialect,
    room: string,
    meta: ConnectionMeta,
  ): void {
    const key = `${from}|${edgeConn}`;
    const { leases } = this.#o;
    const claim = leases.claiming(room);
    if (!leases.owns(room) && claim && !this.#o.closing()) {
      // Our own claim of a new room won in the store but its answer has
      // not reached us yet, while the edge already read the lease: wait
      // for it, holding the socket's frames, rather than refuse.
      if (this.#early.has(key)) return;
      const early: Early = { frames: [], closed: false };
      this.#early.set(key, early);
      const retry = () => {
        this.#early.delete(key);
        if (early.closed) return;
        this.open(from, edgeConn, dialect, room, meta);
        const id = this.#id(from, edgeConn);
        if (id === undefined) return;
        for (const text of early.frames) {
          this.#o.relay.receive(id, text ?? new Uint8Array(0));
        }
      };
      claim.then(retry, retry);
      return;
    }
    // The edge's view of the lease was stale (the room moved on, or this
    // instance is draining): its client reconnects and looks again.
    if (!leases.owns(room) || this.#o.closing()) {
      return this.refuse(from, edgeConn);
    }
    if (this.#id(from, edgeConn) !== undefined) return;
    const id = this.#nextId--;
    let ids = this.#ids.get(from);
    if (!ids) this.#ids.set(from, ids = new Map());
    ids.set(edgeConn, id);
    this.#remotes.set(id, { instance: from, edgeConn });
    this.#o.bus.attach(id, this.#sink(id, from, edgeConn));
    this.#o.relay.open(id, dialect, room, meta);
  }

  /** Socket `edgeConn` on `from` sent a frame (`null`: a binary one). */
  frame(from: InstanceId, edgeConn: number, data: string | null): void {
    const id = this.#id(from, edgeConn);
    if (id !== undefined) {
      return this.#o.relay.receive(id, data ?? new Uint8Array(0));
    }
    const early = this.#early.get(`${from}|${edgeConn}`);
    if (!early) return this.refuse(from, edgeConn);
    early.frames.push(data);
  }

  /** Socket `edgeConn` on `from` closed. */
  closed(
    from: InstanceId,
    edgeConn: number,
    code: number,
    wasClean: boolean,
  ): void {
    const early = this.#early.get(`${from}|${edgeConn}`);
    if (early) early.closed = true;
    const id = this.#id(from, edgeConn);
    if (id === undefined) return;
    this.#drop(id);
    this.#o.relay.disconnect(id, code, wasClean);
  }

  /** Tells the edge that its socket's room does not run here: reconnect. */
  refuse(to: InstanceId, edgeConn: number): void {
    this.#o.fanOut.message(
      to,
      encodeWire({
        kind: "close",
        conn: edgeConn,
        code: ClusterClose.moved,
        reason: "room moved; reconnect",
      }),
    );
  }

  /**
   * Puts out every socket `peer` forwards (1012, which detaches their
   * sessions rather than ending them); returns how many.
   */
  resync(peer: InstanceId, reason: string): number {
    const ids = this.#idsFrom(peer);
    for (const id of ids) this.#o.relay.kick(id, ClusterClose.moved, reason);
    return ids.length;
  }

  /**
   * `peer` died: its sockets are lost, not gone, so their sessions wait
   * for their users to resume; returns how many.
   */
  lost(peer: InstanceId): number {
    const ids = this.#idsFrom(peer);
    for (const id of ids) {
      this.#drop(id);
      this.#o.relay.disconnect(id, 1006, false);
    }
    return ids.length;
  }

  #sink(id: ConnectionId, to: InstanceId, edgeConn: number): Sink {
    return {
      send: (frame) => this.#o.fanOut.frame(to, edgeConn, frame),
      close: (code, reason) => {
        this.#o.fanOut.message(
          to,
          encodeWire({ kind: "close", conn: edgeConn, code, reason }),
        );
        // The relay forgets the connection itself right after asking.
        this.#drop(id);
      },
    };
  }

  /** The sockets `peer` forwards, copied: dropping them changes the map. */
  #idsFrom(peer: InstanceId): ConnectionId[] {
    return [...(this.#ids.get(peer)?.values() ?? [])];
  }

  #id(from: InstanceId, edgeConn: number): ConnectionId | undefined {
    return this.#ids.get(from)?.get(edgeConn);
  }

  #drop(id: ConnectionId): void {
    const remote = this.#remotes.get(id);
    if (!remote) return;
    this.#remotes.delete(id);
    const ids = this.#ids.get(remote.instance);
    ids?.delete(remote.edgeConn);
    if (ids?.size === 0) this.#ids.delete(remote.instance);
    this.#o.bus.detach(id);
  }
}
