/**
 * `GET /__mem` on a benchmark server: runs a full GC, then answers
 * `Deno.memoryUsage()` as JSON, so memory per connection is measured on live
 * data rather than on garbage that happens not to be collected yet.
 * Benchmark servers only; never mount this in production.
 */
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | null = null;

/** The probe's answer for `/__mem`, or `null` for any other request. */
export function memoryProbe(req: Request): Response | null {
  if (!req.url.endsWith("/__mem")) return null;
  if (!gc) {
    // --expose-gc set at runtime; the function comes from a fresh context.
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
  }
  gc();
  gc();
  return Response.json(Deno.memoryUsage());
}
