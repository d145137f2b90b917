/**
 * Two Redis brokers on a redis-server of their own, one to send and one to
 * receive, for the tests of what crosses Redis.
 */
import type { InstanceId } from "../../../signaling/cluster/broker.ts";
import {
  RedisBroker,
  type RedisBrokerOptions,
} from "../../../signaling/cluster/redis_broker.ts";
import { type Redis, startRedis } from "../../helpers/redis.ts";

/** What {@linkcode withRedisPair} hands its test. */
export interface RedisPair {
  redis: Redis;
  sender: RedisBroker;
  receiver: RedisBroker;
}

/** Broker options beyond the URL, for either side. */
export type PairOptions = Partial<Omit<RedisBrokerOptions, "url">>;

/**
 * Runs `fn` with a fresh Redis and two brokers on it (leases of 1 s unless
 * `options` say otherwise); the brokers and Redis are stopped afterwards,
 * whatever `fn` did.
 */
export async function withRedisPair(
  fn: (pair: RedisPair) => Promise<void>,
  options: { sender?: PairOptions; receiver?: PairOptions } = {},
): Promise<void> {
  const redis = await startRedis();
  const connect = (side: PairOptions = {}) =>
    RedisBroker.connect({ url: redis.url, leaseMs: 1000, ...side });
  const brokers: RedisBroker[] = [];
  try {
    const sender = await connect(options.sender);
    brokers.push(sender);
    const receiver = await connect(options.receiver);
    brokers.push(receiver);
    await fn({ redis, sender, receiver });
  } finally {
    for (const broker of brokers) await broker.close();
    await redis.stop();
  }
}

/**
 * Starts `receiver` and records what it hands over (through `read`) and the
 * senders it reports a gap from, in order.
 */
export async function collect<T = string>(
  receiver: RedisBroker,
  read: (message: string) => T = (message) => message as T,
): Promise<{ got: T[]; gaps: InstanceId[] }> {
  const got: T[] = [];
  const gaps: InstanceId[] = [];
  await receiver.start(
    (_, message) => got.push(read(message)),
    (from) => gaps.push(from),
  );
  return { got, gaps };
}
