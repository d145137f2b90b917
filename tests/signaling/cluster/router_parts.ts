/**
 * What the router's parts are tested with: a relay stand-in that records
 * each call the part makes (the relay itself is tested on its own, and with
 * the whole router in cluster_test.ts), and a store stand-in that answers
 * claims and renewals as the test says and records what was sent.
 */
import type { InstanceId } from "../../../signaling/cluster/broker.ts";
import type { ConnectionMeta } from "../../../signaling/relay.ts";

/** One call into the relay, as `[method, ...arguments]`. */
export type RelayCall = [string, ...unknown[]];

/** Records the relay calls the parts make; rooms listed in `rooms` exist. */
export class RecordingRelay {
  readonly calls: RelayCall[] = [];
  readonly rooms = new Set<string>();

  open(id: number, dialect: string, room: string, meta?: ConnectionMeta) {
    this.calls.push(["open", id, dialect, room, meta]);
  }
  receive(id: number, data: unknown) {
    this.calls.push([
      "receive",
      id,
      typeof data === "string" ? data : "<binary>",
    ]);
  }
  disconnect(id: number, code?: number, wasClean?: boolean) {
    this.calls.push(["disconnect", id, code, wasClean]);
  }
  kick(id: number, code: number, reason: string) {
    this.calls.push(["kick", id, code, reason]);
  }
  hasRoom(room: string): boolean {
    return this.rooms.has(room);
  }
  evictRoom(room: string, code: number, reason: string) {
    this.calls.push(["evictRoom", room, code, reason]);
  }
}

/** A store that answers as told; `sent` holds every message sent. */
export class ScriptedStore {
  readonly self: InstanceId = "me";
  readonly sent: [InstanceId, string][] = [];
  readonly released: string[] = [];
  /** Who each claimed room belongs to; unlisted rooms go to this instance. */
  readonly owners = new Map<string, InstanceId>();
  /** Rooms the next renewals report lost. */
  lost: string[] = [];
  /** Instances the next liveness checks report alive. */
  alive = new Set<InstanceId>();
  /** Makes every call but `send` reject, as an unreachable store does. */
  down = false;
  claims = 0;

  send(to: InstanceId, message: string): void {
    this.sent.push([to, message]);
  }
  claim(room: string): Promise<InstanceId> {
    this.claims++;
    if (this.down) return Promise.reject(new Error("store down"));
    return Promise.resolve(this.owners.get(room) ?? this.self);
  }
  renew(_rooms: Iterable<string>): Promise<string[]> {
    if (this.down) return Promise.reject(new Error("store down"));
    return Promise.resolve(this.lost);
  }
  release(room: string): Promise<void> {
    this.released.push(room);
    return Promise.resolve();
  }
  aliveOf(ids: InstanceId[]): Promise<Set<InstanceId>> {
    if (this.down) return Promise.reject(new Error("store down"));
    return Promise.resolve(new Set(ids.filter((id) => this.alive.has(id))));
  }
}

export { settle } from "../../client/fakes.ts";
