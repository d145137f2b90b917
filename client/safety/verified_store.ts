/**
 * Who this browser verified, per room: a name with the certificate
 * fingerprint both people confirmed for it. Kept in `localStorage`, newest
 * last, at most {@link MAX_VERIFIED} names per room.
 */
import type { KeyValueStore } from "../saved_session.ts";

/** Names kept per room; the longest unverified drop out first. */
export const MAX_VERIFIED = 200;

/** The verified fingerprints of one room. */
export interface VerifiedNames {
  /** The fingerprint verified under `name`, or null. */
  get(name: string): string | null;
  /** Keeps `fingerprint` as verified for `name`. */
  set(name: string, fingerprint: string): void;
  /** Drops what was kept for `name`. */
  delete(name: string): void;
}

const key = (room: string) => `parley.verified.${room}`;

function read(store: KeyValueStore | null, room: string): [string, string][] {
  try {
    const value: unknown = JSON.parse(store?.getItem(key(room)) ?? "[]");
    if (!Array.isArray(value)) return [];
    return value.filter((e): e is [string, string] =>
      Array.isArray(e) && e.length === 2 && typeof e[0] === "string" &&
      typeof e[1] === "string"
    );
  } catch {
    return [];
  }
}

function write(
  store: KeyValueStore | null,
  room: string,
  entries: [string, string][],
): void {
  try {
    store?.setItem(key(room), JSON.stringify(entries.slice(-MAX_VERIFIED)));
  } catch {
    // Not kept: the next call asks to compare again.
  }
}

/** The verified names of `room` in `store` (nothing is kept without one). */
export function verifiedNames(
  store: KeyValueStore | null,
  room: string,
): VerifiedNames {
  return {
    get: (name) => read(store, room).find(([n]) => n === name)?.[1] ?? null,
    set(name, fingerprint) {
      const rest = read(store, room).filter(([n]) => n !== name);
      write(store, room, [...rest, [name, fingerprint]]);
    },
    delete(name) {
      write(store, room, read(store, room).filter(([n]) => n !== name));
    },
  };
}

/**
 * What a call's safety number keeps of the peer in `names`: `peer` gives
 * the current call's peer (null between calls, when nothing is kept).
 */
export function peerRecord(
  names: VerifiedNames | undefined,
  peer: () => string | null,
): {
  known(): string | null;
  remember(fingerprint: string): void;
  forget(): void;
} {
  const withPeer = <T>(fn: (name: string) => T, otherwise: T) => {
    const name = peer();
    return names && name !== null ? fn(name) : otherwise;
  };
  return {
    known: () => withPeer((name) => names!.get(name), null),
    remember: (fp) => withPeer((name) => names!.set(name, fp), undefined),
    forget: () => withPeer((name) => names!.delete(name), undefined),
  };
}
