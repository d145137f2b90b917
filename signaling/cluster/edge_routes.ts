/**
 * This instance's own sockets and where their rooms run. A socket whose
 * room runs here goes straight to the local relay, exactly as on a single
 * instance; a socket whose room runs elsewhere is forwarded: its events go
 * to the owner's inbox, and the owner's frames and closes come back here.
 */

import type { ConnectionId, MemoryBus } from "../bus.ts";
import type { Logger } from "../log.ts";
import { type Dialect, frameTooBig } from "../protocol.ts";
import { CloseCode, type ConnectionMeta, type Relay } from "../relay.ts";
import type { Broker, InstanceId } from "./broker.ts";
import { ClusterClose } from "./close_codes.ts";
import type { RoomLeases } from "./room_leases.ts";
import { encodeWire, frameWire } from "./wire.ts";

/** Frames a socket may send while its room's owner is being looked up. */
const MAX_PENDING_FRAMES = 64;

/** A local socket and where its room runs. */
interface Route {
  readonly room: string;
  readonly dialect: Dialect;
  readonly meta: ConnectionMeta;
  /** The room's owner; `null` while it is being looked up. */
  owner: InstanceId | null;
  /** Frames received during the lookup (`null`: a binary frame). */
  pending: (string | null)[];
}

/** What the routes are kept with. */
export interface EdgeRoutesOptions {
  relay: Pick<Relay, "open" | "receive" | "disconnect" | "kick">;
  bus: Pick<MemoryBus, "send" | "close">;
  broker: Pick<Broker, "self" | "send">;
  leases: Pick<RoomLeases, "owns" | "claim">;
  logger: Logger;
  /** Frames above this many bytes close the socket (1009) before forwarding. */
  maxFrameBytes: number;
  /** Whether this instance is draining or closed. */
  closing: () => boolean;
}

/** Routes local sockets to the instance running their room. */
export class EdgeRoutes {
  readonly #o: EdgeRoutesOptions;
  readonly #self: InstanceId;
  readonly #routes = new Map<ConnectionId, Route>();
  /** Owners of rooms this edge has sockets in (cached while it does). */
  readonly #owners = new Map<string, InstanceId>();

  constructor(options: EdgeRoutesOptions) {
    this.#o = options;
    this.#self = options.broker.self;
  }

  /** A socket opened: bind it to its room's owner, looking it up if needed. */
  open(id: ConnectionId, dialect: Dialect, room: string, meta: ConnectionMeta) {
    const route: Route = {
      room,
      dialect,
      meta: { ip: meta.ip, hasOrigin: meta.hasOrigin },
      owner: null,
      pending: [],
    };
    this.#routes.set(id, route);
    const known = this.#o.leases.owns(room)
      ? this.#self
      : this.#owners.get(room);
    if (known !== undefined) return this.#bind(id, route, known);
    this.#o.leases.claim(room).then(
      (owner) => {
        if (owner !== this.#self) this.#owners.set(room, owner);
        if (this.#routes.get(id) === route) this.#bind(id, route, owner);
      },
      (error) => {
        if (this.#routes.get(id) !== route) return;
        this.#routes.delete(id);
        this.#o.logger({
          event: "cluster-lookup-failed",
          room,
          error: error instanceof Error ? error.message : String(error),
        });
        this.#o.bus.close(
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
    if (route.owner === this.#self) return this.#o.relay.receive(id, data);
    // Checked here so an oversize frame never reaches the store.
    if (frameTooBig(data, this.#o.maxFrameBytes)) {
      return this.kick(
        id,
        CloseCode.tooBig,
        `frame too big: send at most ${this.#o.maxFrameBytes} bytes`,
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
    this.#forward(route.owner, id, text);
  }

  /** A local socket closed. */
  disconnect(id: ConnectionId, code?: number, wasClean = true): void {
    const route = this.#routes.get(id);
    if (!route) return;
    this.#routes.delete(id);
    if (route.owner === this.#self) {
      return this.#o.relay.disconnect(id, code, wasClean);
    }
    if (route.owner === null) return;
    this.#o.broker.send(
      route.owner,
      encodeWire({
        kind: "closed",
        conn: id,
        code: code ?? 1005,
        // This instance going away is a lost connection for the user's
        // session, which they resume on another instance.
        wasClean: wasClean && !this.#o.closing(),
      }),
    );
  }

  /** The server puts a local socket out (e.g. it stopped reading). */
  kick(id: ConnectionId, code: number, reason: string): void {
    const route = this.#routes.get(id);
    if (!route) return;
    if (route.owner === this.#self) {
      return this.#o.relay.kick(id, code, reason);
    }
    this.#o.bus.close(id, code, reason);
    this.disconnect(id, code, true);
  }

  /** The owner `from` sends `frame` on local socket `conn`. */
  send(from: InstanceId, conn: ConnectionId, frame: string): void {
    // Only the room's owner may write to a forwarded socket.
    if (this.#routes.get(conn)?.owner === from) this.#o.bus.send(conn, frame);
  }

  /** The owner `from` closes local socket `conn`. */
  close(from: InstanceId, conn: ConnectionId, code: number, reason: string) {
    const route = this.#routes.get(conn);
    if (route?.owner !== from) return;
    this.#routes.delete(conn);
    // The room no longer runs there: the reconnect must look it up again.
    if (code === ClusterClose.moved && this.#owners.get(route.room) === from) {
      this.#owners.delete(route.room);
    }
    this.#o.bus.close(conn, code, reason);
  }

  /** Local sockets whose room runs on another instance. */
  get forwarded(): number {
    let count = 0;
    for (const route of this.#routes.values()) {
      if (route.owner !== this.#self) count++;
    }
    return count;
  }

  /** The instances this edge forwards sockets to. */
  peers(): Set<InstanceId> {
    const peers = new Set<InstanceId>();
    for (const route of this.#routes.values()) {
      if (route.owner !== null && route.owner !== this.#self) {
        peers.add(route.owner);
      }
    }
    return peers;
  }

  /**
   * Closes (1012) every local socket forwarded to `peer`, so its client
   * reconnects and resumes; returns their ids.
   */
  closeForwarded(peer: InstanceId, reason: string): ConnectionId[] {
    const closed: ConnectionId[] = [];
    for (const [id, route] of [...this.#routes]) {
      if (route.owner !== peer) continue;
      this.#routes.delete(id);
      this.#o.bus.close(id, ClusterClose.moved, reason);
      closed.push(id);
    }
    return closed;
  }

  /** Forgets the rooms `peer` ran: they are looked up again when needed. */
  forgetOwner(peer: InstanceId): void {
    for (const [room, owner] of [...this.#owners]) {
      if (owner === peer) this.#owners.delete(room);
    }
  }

  /** Forgets the owners of rooms this edge has no socket in any more. */
  forgetUnusedOwners(): void {
    if (this.#owners.size === 0) return;
    const used = new Set<string>();
    for (const route of this.#routes.values()) used.add(route.room);
    for (const room of [...this.#owners.keys()]) {
      if (!used.has(room)) this.#owners.delete(room);
    }
  }

  #bind(id: ConnectionId, route: Route, owner: InstanceId): void {
    route.owner = owner;
    const pending = route.pending;
    route.pending = [];
    if (owner === this.#self) {
      this.#o.relay.open(id, route.dialect, route.room, route.meta);
      for (const text of pending) {
        this.#o.relay.receive(id, text ?? new Uint8Array(0));
      }
      return;
    }
    this.#o.broker.send(
      owner,
      encodeWire({
        kind: "open",
        conn: id,
        dialect: route.dialect,
        room: route.room,
        ip: route.meta.ip,
        hasOrigin: route.meta.hasOrigin,
      }),
    );
    for (const text of pending) this.#forward(owner, id, text);
  }

  #forward(owner: InstanceId, id: ConnectionId, text: string | null): void {
    this.#o.broker.send(
      owner,
      text === null
        ? encodeWire({ kind: "binary", conn: id })
        : frameWire(id, text),
    );
  }
}
