/**
 * A real broker with some of its methods replaced, for tests that need to
 * slow one call down or get hold of a callback: everything not overridden
 * goes to `inner`.
 */
import type { Broker } from "../../../signaling/cluster/broker.ts";

/** `inner`, with `overrides` in place of the methods they name. */
export function wrapBroker(
  inner: Broker,
  overrides: Partial<Pick<Broker, MethodName>>,
): Broker {
  return {
    get self() {
      return inner.self;
    },
    get leaseMs() {
      return inner.leaseMs;
    },
    get healthy() {
      return inner.healthy;
    },
    start: (onMessage, onGap) => inner.start(onMessage, onGap),
    send: (to, message) => inner.send(to, message),
    claim: (room) => inner.claim(room),
    renew: (rooms) => inner.renew(rooms),
    release: (room) => inner.release(room),
    alive: (ids) => inner.alive(ids),
    close: () => inner.close(),
    ...overrides,
  };
}

type MethodName =
  | "start"
  | "send"
  | "claim"
  | "renew"
  | "release"
  | "alive"
  | "close";
