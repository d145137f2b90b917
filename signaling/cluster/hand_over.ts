/**
 * Handing one received message to the router, for both brokers: a handler
 * that throws is logged, and the messages after it are still handed over.
 */

import type { LogRecord } from "../log.ts";
import type { InstanceId, MessageHandler } from "./broker.ts";

/**
 * Calls `handler` (none once the broker closed) with one message from
 * `from`; what it throws goes to `record` instead of up the caller's stack.
 */
export function handOver(
  handler: MessageHandler | null,
  from: InstanceId,
  message: string,
  record: (fields: LogRecord) => void,
): void {
  try {
    handler?.(from, message);
  } catch (error) {
    // Thrown inside a store client's reply parser it would break the
    // connection; either way the rest of the batch belongs to the router.
    record({
      event: "internal-error",
      code: "broker-handler-threw",
      detail: error instanceof Error ? error.message : String(error),
    });
  }
}
