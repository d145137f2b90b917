/**
 * The delivery seam between the relay (which decides who gets what) and the
 * sockets. Today every connection lives in this process; a later bus can
 * route ids owned by another server instance over Redis or Deno KV without
 * the relay changing.
 */

/** Process-local connection id. */
export type ConnectionId = number;

/** Where frames for one connection end up: in practice its WebSocket. */
export interface Sink {
  /** Queues one text frame. Must not throw. */
  send(frame: string): void;
  /** Closes the connection with a WebSocket close code. Must not throw. */
  close(code: number, reason: string): void;
}

/** Delivers frames and close requests to connections by id. */
export interface Bus {
  /** Makes `id` reachable through `sink`. */
  attach(id: ConnectionId, sink: Sink): void;
  /** Forgets `id`; later deliveries to it are dropped. */
  detach(id: ConnectionId): void;
  /** Delivers one frame; returns false when `id` is not reachable. */
  send(id: ConnectionId, frame: string): boolean;
  /** Asks the connection's owner to close it. */
  close(id: ConnectionId, code: number, reason: string): void;
}

/** A bus for a single process: a map from id to sink. */
export class MemoryBus implements Bus {
  #sinks = new Map<ConnectionId, Sink>();

  attach(id: ConnectionId, sink: Sink): void {
    this.#sinks.set(id, sink);
  }

  detach(id: ConnectionId): void {
    this.#sinks.delete(id);
  }

  send(id: ConnectionId, frame: string): boolean {
    const sink = this.#sinks.get(id);
    if (!sink) return false;
    sink.send(frame);
    return true;
  }

  close(id: ConnectionId, code: number, reason: string): void {
    this.#sinks.get(id)?.close(code, reason);
  }

  /** Number of attached connections. */
  get size(): number {
    return this.#sinks.size;
  }
}
