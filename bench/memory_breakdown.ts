/**
 * Where the memory of an idle connection goes: N idle logged-in connections
 * (rooms of 50, as in the `memory per idle connection` figure) against
 * Parley's server and the minimal relay, each in its own process. Per relay:
 * RSS, JS heap and external memory growth per connection after a full GC,
 * then a V8 heap snapshot, summed by object kind (constructor name, closure
 * name, strings, arrays, …). Prints the kinds that grew most per connection
 * on Parley next to the minimal relay's.
 *
 * Plain objects are told apart by their first property names (`{id,dialect,…}`).
 *
 * Run: deno run -A bench/memory_breakdown.ts [connections=10000] [top=30]
 *   [room-size=50]
 * Writes heap snapshots to a temporary directory (removed afterwards).
 */
import { serverMemory } from "./memory_probe.ts";
import { sleep, startServer } from "./processes.ts";
import { inBatches } from "./sockets.ts";

type Kind = "parley" | "minimal";

/** `n` logged-in sockets, 250 connecting at a time. */
function connect(
  kind: Kind,
  port: number,
  n: number,
  roomSize: number,
): Promise<WebSocket[]> {
  const url = `ws://127.0.0.1:${port}/ws`;
  return inBatches(n, 250, (i) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = kind === "parley"
        ? new WebSocket(
          `${url}?room=idle${Math.floor(i / roomSize)}`,
          "parley.v1",
        )
        : new WebSocket(url);
      ws.onopen = () =>
        ws.send(JSON.stringify({ type: "login", name: `u${i}` }));
      ws.onmessage = (e) => {
        if (String(e.data).includes('"welcome"')) resolve(ws);
      };
      ws.onerror = () => reject(new Error("connect failed"));
    }));
}

/** Self size and count per object kind in a heap snapshot. */
async function summarize(
  path: string,
): Promise<Map<string, { size: number; count: number }>> {
  const snap = JSON.parse(await Deno.readTextFile(path));
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ["type", "name", "self_size"].map((f) =>
    fields.indexOf(f)
  );
  const nodes: number[] = snap.nodes;
  const strings: string[] = snap.strings;
  const edgeFields: string[] = snap.snapshot.meta.edge_fields;
  const edgeTypes: string[] = snap.snapshot.meta.edge_types[0];
  const edges: number[] = snap.edges;
  const iEdgeCount = fields.indexOf("edge_count");
  const [eType, eName] = ["type", "name_or_index"].map((f) =>
    edgeFields.indexOf(f)
  );
  /** First property names of the node at `i`, for plain objects. */
  const shape = (firstEdge: number, count: number) => {
    const names: string[] = [];
    for (let e = 0; e < count && names.length < 4; e++) {
      const at = (firstEdge + e) * edgeFields.length;
      if (edgeTypes[edges[at + eType]] === "property") {
        names.push(strings[edges[at + eName]]);
      }
    }
    return `{${names.join(",")}}`;
  };
  let edge = 0;
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    let name = strings[nodes[i + iName]];
    const edgeCount = nodes[i + iEdgeCount];
    if (type === "object" && name === "Object") {
      name = `Object ${shape(edge, edgeCount)}`;
    }
    edge += edgeCount;
    if (type === "string" || type === "concatenated string") {
      name = "(string)";
    } else if (type === "sliced string") name = "(sliced string)";
    else if (type === "number") name = "(heap number)";
    else if (type === "closure") name = `closure ${name || "(anonymous)"}`;
    else if (type === "array") name = `(array) ${name}`;
    else if (type === "code") name = "(code)";
    else if (type === "hidden") name = `(hidden) ${name}`;
    else if (type !== "object") name = `(${type}) ${name}`;
    const entry = out.get(name) ?? { size: 0, count: 0 };
    entry.size += nodes[i + iSize];
    entry.count++;
    out.set(name, entry);
  }
  return out;
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 10_000);
  const top = Number(Deno.args[1] ?? 30);
  const roomSize = Number(Deno.args[2] ?? 50);
  const dir = await Deno.makeTempDir({ prefix: "parley-heap-" });
  const summaries = new Map<
    Kind,
    Map<string, { size: number; count: number }>
  >();
  try {
    for (const kind of ["minimal", "parley"] as const) {
      const server = await startServer({
        script: kind === "parley" ? "parley_server.ts" : "minimal_relay.ts",
        label: kind,
        grants: { write: dir },
      });
      try {
        await sleep(500);
        const empty = `${dir}/${kind}-0.heapsnapshot`;
        await (await fetch(
          `http://127.0.0.1:${server.port}/__heap?path=${empty}`,
        )).json();
        const before = await serverMemory(server.port);
        const sockets = await connect(kind, server.port, n, roomSize);
        await sleep(1000);
        const after = await serverMemory(server.port);
        const full = `${dir}/${kind}-${n}.heapsnapshot`;
        await (await fetch(
          `http://127.0.0.1:${server.port}/__heap?path=${full}`,
        )).json();
        const per = (k: keyof Deno.MemoryUsage) =>
          ((after[k] - before[k]) / n).toFixed(0).padStart(6);
        console.log(
          `${kind.padEnd(7)} per connection: RSS ${per("rss")} B, heapUsed ${
            per("heapUsed")
          } B, external ${per("external")} B, heapTotal ${per("heapTotal")} B`,
        );
        for (const ws of sockets) ws.close();
        const s0 = await summarize(empty);
        const s1 = await summarize(full);
        const diff = new Map<string, { size: number; count: number }>();
        for (const [name, { size, count }] of s1) {
          const base = s0.get(name) ?? { size: 0, count: 0 };
          diff.set(name, {
            size: size - base.size,
            count: count - base.count,
          });
        }
        summaries.set(kind, diff);
      } finally {
        await server.stop();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const parley = summaries.get("parley")!;
  const minimal = summaries.get("minimal")!;
  const total = (s: Map<string, { size: number }>) =>
    [...s.values()].reduce((a, b) => a + b.size, 0) / n;
  console.log(
    `heap snapshot growth per connection: parley ${
      total(parley).toFixed(0)
    } B, minimal ${total(minimal).toFixed(0)} B\n`,
  );
  console.log(
    "kind".padEnd(48) +
      "parley B/conn  objs/conn  minimal B/conn  objs/conn",
  );
  const rows = [...parley].sort((a, b) => b[1].size - a[1].size).slice(0, top);
  for (const [name, p] of rows) {
    const m = minimal.get(name) ?? { size: 0, count: 0 };
    console.log(
      name.slice(0, 47).padEnd(48) +
        (p.size / n).toFixed(1).padStart(14) +
        (p.count / n).toFixed(2).padStart(11) +
        (m.size / n).toFixed(1).padStart(16) +
        (m.count / n).toFixed(2).padStart(11),
    );
  }
}
