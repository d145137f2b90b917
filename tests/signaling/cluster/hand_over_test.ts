import assert from "node:assert/strict";
import { handOver } from "../../../signaling/cluster/hand_over.ts";
import type { LogRecord } from "../../../signaling/log.ts";

Deno.test("a message is handed to the handler with its sender", () => {
  const got: [string, string][] = [];
  const records: LogRecord[] = [];
  handOver((from, m) => got.push([from, m]), "a", "hi", (r) => records.push(r));
  assert.deepEqual(got, [["a", "hi"]]);
  assert.deepEqual(records, []);
});

Deno.test("what a handler throws is logged instead of thrown", () => {
  const records: LogRecord[] = [];
  handOver(
    () => {
      throw new Error("boom");
    },
    "a",
    "hi",
    (r) => records.push(r),
  );
  assert.deepEqual(records, [{
    event: "internal-error",
    code: "broker-handler-threw",
    detail: "boom",
  }]);
});

Deno.test("with no handler (a closed broker) nothing happens", () => {
  const records: LogRecord[] = [];
  handOver(null, "a", "hi", (r) => records.push(r));
  assert.deepEqual(records, []);
});
