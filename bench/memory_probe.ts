/**
 * `GET /__mem` on a benchmark server: runs a full GC, then answers
 * `Deno.memoryUsage()` as JSON, so memory per connection is measured on live
 * data rather than on garbage that happens not to be collected yet.
 *
 * `GET /__heap?path=<file>` writes a V8 heap snapshot to `<file>` (the server
 * needs write permission for it; `memory_breakdown.ts` grants it) and answers
 * `{path}`.
 *
 * Benchmark servers only; never mount this in production. The benches ask
 * it through {@linkcode serverMemory}.
 */
import v8 from "node:v8";
import vm from "node:vm";

let gc: (() => void) | null = null;

function fullGc(): void {
  if (!gc) {
    // --expose-gc set at runtime; the function comes from a fresh context.
    v8.setFlagsFromString("--expose-gc");
    gc = vm.runInNewContext("gc") as () => void;
  }
  gc();
  gc();
}

/** The probe's answer for `/__mem` or `/__heap`, or `null` for any other request. */
export function memoryProbe(req: Request): Response | null {
  const url = new URL(req.url);
  if (url.pathname === "/__mem") {
    fullGc();
    return Response.json(Deno.memoryUsage());
  }
  if (url.pathname === "/__heap") {
    const path = url.searchParams.get("path");
    if (!path) return new Response("path?\n", { status: 400 });
    fullGc();
    return Response.json({ path: v8.writeHeapSnapshot(path) });
  }
  return null;
}

/** The memory of the benchmark server on 127.0.0.1:`port` after a full GC, from its `/__mem`. */
export async function serverMemory(port: number): Promise<Deno.MemoryUsage> {
  const res = await fetch(`http://127.0.0.1:${port}/__mem`);
  return await res.json();
}
