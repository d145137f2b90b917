/**
 * Structured logging: one JSON line per event. Records carry ids, names,
 * rooms, codes and durations only — never SDP, ICE candidates or chat text,
 * which reveal addresses and private conversation.
 */

/** Events the signaling server logs. */
export type LogEvent =
  | "connect"
  | "disconnect"
  | "login"
  | "detach"
  | "resume"
  | "leave"
  | "call-start"
  | "call-end"
  | "call-restored"
  | "error"
  | "refused"
  | "internal-error"
  | "shutdown"
  // Several instances (signaling/cluster/):
  | "cluster-lookup-failed"
  | "cluster-bad-message"
  | "cluster-heartbeat-failed"
  | "cluster-recovered"
  | "cluster-room-lost"
  | "cluster-peer-lost"
  | "cluster-resync"
  | "store-down"
  | "store-up"
  | "store-dropped";

/** One log record; `event` says what happened, the rest is context. */
export interface LogRecord {
  event: LogEvent;
  [field: string]: string | number | boolean | undefined | null;
}

/** Receives log records; inject {@linkcode quietLogger} in tests and benchmarks. */
export type Logger = (record: LogRecord) => void;

/** Writes each record as one JSON line with an ISO timestamp, to stdout by default. */
export function jsonLogger(
  write: (line: string) => void = console.log,
): Logger {
  return (record) => {
    write(JSON.stringify({ t: new Date().toISOString(), ...record }));
  };
}

/** Discards everything. */
export const quietLogger: Logger = () => {};
