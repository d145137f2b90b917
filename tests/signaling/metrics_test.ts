import assert from "node:assert/strict";
import { handler as metricsRoute } from "../../routes/metrics.ts";
import { formatMetrics } from "../../signaling/metrics.ts";
import {
  createSignaling,
  quietLogger,
  type Signaling,
  type SignalingStats,
} from "../../signaling/mod.ts";
import { serveNode } from "../../framework/node_serve.ts";
import { needsNet } from "../helpers/permissions.ts";
import { acceptedCall, parleyUser, WsClient } from "./ws_helpers.ts";

// --- a strict parser of the Prometheus text format (0.0.4) -----------------

interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface Family {
  help?: string;
  type?: string;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const VALUE =
  /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;

/**
 * Parses exposition text into families, throwing on anything the format does
 * not allow: bad names, bad escapes, TYPE after samples or twice, a family's
 * lines not grouped together, duplicate samples, unparsable values, a missing
 * final newline.
 */
function parseMetrics(text: string): Map<string, Family> {
  if (text !== "" && !text.endsWith("\n")) {
    throw new Error("the text must end with a newline");
  }
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  const done = new Set<string>();
  let current: string | null = null;
  const enter = (name: string, where: string): Family => {
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad name ${name}`);
    if (current !== name) {
      if (done.has(name)) {
        throw new Error(`${where}: the lines of ${name} are not grouped`);
      }
      if (current !== null) done.add(current);
      current = name;
    }
    let family = families.get(name);
    if (!family) families.set(name, family = { samples: [] });
    return family;
  };
  const lines = text.split("\n");
  lines.pop();
  lines.forEach((line, i) => {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!meta) {
        if (/^#\s+(HELP|TYPE)\b/.test(line)) {
          throw new Error(`${where}: malformed`);
        }
        return; // a plain comment
      }
      const [, kind, name, rest = ""] = meta;
      const family = enter(name, where);
      if (kind === "HELP") {
        if (family.help !== undefined) throw new Error(`${where}: second HELP`);
        if (/\\(?![\\n])/.test(rest)) throw new Error(`${where}: bad escape`);
        family.help = rest.replace(
          /\\([\\n])/g,
          (_, c) => c === "n" ? "\n" : c,
        );
      } else {
        if (family.type !== undefined) throw new Error(`${where}: second TYPE`);
        if (family.samples.length) throw new Error(`${where}: TYPE too late`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        family.type = rest;
      }
      return;
    }
    const match = /^([^\s{]+)(\{.*\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/.exec(
      line,
    );
    if (!match) throw new Error(`${where}: not a sample line`);
    const [, name, labelText, valueText] = match;
    const family = enter(familyOf(name, families), where);
    const labels = labelText ? parseLabels(labelText, where) : {};
    if (!VALUE.test(valueText)) throw new Error(`${where}: bad value`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`${where}: duplicate sample`);
    seen.add(key);
    family.samples.push({ labels, value: Number(valueText) });
  });
  return families;
}

/** `x_bucket`, `x_sum`, `x_count` belong to histogram or summary `x`. */
function familyOf(sample: string, families: Map<string, Family>): string {
  const base = sample.replace(/_(bucket|sum|count)$/, "");
  const type = families.get(base)?.type;
  return base !== sample && (type === "histogram" || type === "summary")
    ? base
    : sample;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 1; // after "{"
  const fail = (why: string) => {
    throw new Error(`${where}: ${why} at ${i} in labels`);
  };
  while (text[i] !== "}") {
    const eq = text.indexOf("=", i);
    if (eq < 0) fail("no =");
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(`bad label name ${name}`);
    if (name in labels) fail(`repeated label ${name}`);
    i = eq + 1;
    if (text[i] !== '"') fail("no opening quote");
    let value = "";
    for (i++; text[i] !== '"'; i++) {
      if (i >= text.length) fail("no closing quote");
      if (text[i] === "\\") {
        const next = text[++i];
        if (next === "\\" || next === '"') value += next;
        else if (next === "n") value += "\n";
        else fail("bad escape");
      } else if (text[i] === "\n") fail("raw newline");
      else value += text[i];
    }
    labels[name] = value;
    i++;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") fail("expected , or }");
  }
  if (i !== text.length - 1) fail("text after }");
  return labels;
}

/** One sample's value (the unlabelled one unless `labels` say which). */
function value(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  assert.ok(family, `no family ${name}`);
  const sample = family.samples.find((s) =>
    JSON.stringify(Object.entries(s.labels).sort()) ===
      JSON.stringify(Object.entries(labels).sort())
  );
  return sample?.value ?? 0;
}

/** Parley's own naming rules on top of the format. */
function assertParleyConventions(families: Map<string, Family>): void {
  for (const [name, family] of families) {
    assert.match(name, /^parley_/, name);
    assert.ok(family.help, `${name} has HELP`);
    assert.ok(family.type === "counter" || family.type === "gauge", name);
    if (family.type === "counter") {
      assert.match(name, /_total$/, `counter ${name} ends in _total`);
      for (const s of family.samples) {
        assert.ok(Number.isInteger(s.value) && s.value >= 0, name);
      }
    } else assert.doesNotMatch(name, /_total$/, `gauge ${name}`);
  }
}

const STATS: SignalingStats = {
  connections: 3,
  users: 2,
  rooms: 1,
  calls: 1,
  framesIn: 10,
  framesOut: 20,
  relayed: 4,
  chats: 2,
  detached: 1,
  resumed: 5,
  restored: 6,
  errors: { "bad-json": 2, 'we"ird\\co\nde': 1 },
  kicked: { "1008": 1, "4001": 2 },
  refused: {},
  accepting: true,
  cluster: null,
};

// --- tests ---------------------------------------------------------------

Deno.test("formatMetrics is valid exposition text with HELP and TYPE for every family", () => {
  const families = parseMetrics(formatMetrics(STATS));
  assertParleyConventions(families);
  assert.equal(value(families, "parley_sessions_detached"), 1);
  assert.equal(value(families, "parley_sessions_resumed_total"), 5);
  assert.equal(value(families, "parley_calls_restored_total"), 6);
  assert.equal(value(families, "parley_closed_total", { code: "4001" }), 2);
  assert.equal(
    value(families, "parley_errors_total", { code: 'we"ird\\co\nde' }),
    1,
    "label values are escaped and come back intact",
  );
  assert.deepEqual(families.get("parley_refused_total")?.samples, []);
});

Deno.test("a cluster member also reports its store, rooms, forwarded sockets and losses", () => {
  assert.equal(
    parseMetrics(formatMetrics(STATS)).has("parley_cluster_store_up"),
    false,
    "a single process has no cluster families",
  );
  const families = parseMetrics(formatMetrics({
    ...STATS,
    cluster: {
      instance: "i-1",
      healthy: false,
      ownedRooms: 3,
      forwarded: 4,
      remote: 5,
      peersLost: 1,
      roomsLost: 2,
      resyncs: 7,
    },
  }));
  assertParleyConventions(families);
  assert.equal(value(families, "parley_cluster_store_up"), 0);
  assert.equal(value(families, "parley_cluster_rooms_owned"), 3);
  assert.equal(value(families, "parley_cluster_forwarded_connections"), 4);
  assert.equal(value(families, "parley_cluster_remote_connections"), 5);
  assert.equal(value(families, "parley_cluster_peers_lost_total"), 1);
  assert.equal(value(families, "parley_cluster_rooms_lost_total"), 2);
  assert.equal(value(families, "parley_cluster_resyncs_total"), 7);
});

Deno.test("the metrics parser refuses what the text format does not allow", () => {
  const bad = [
    "parley_x 1", // no final newline
    "parley-x 1\n",
    "# TYPE parley_x counter\n# TYPE parley_x counter\nparley_x 1\n",
    "parley_x 1\n# TYPE parley_x counter\n",
    "# TYPE parley_x flute\n",
    'parley_x{a="1"} 1\nparley_y 2\nparley_x{a="2"} 3\n',
    "parley_x 1\nparley_x 2\n",
    'parley_x{a="b"c"} 1\n',
    'parley_x{a="\\t"} 1\n',
    'parley_x{1a="b"} 1\n',
    "parley_x one\n",
    "# HELP parley_x bad \\t escape\n",
  ];
  for (const text of bad) {
    assert.throws(() => parseMetrics(text), Error, JSON.stringify(text));
  }
  assert.equal(
    parseMetrics('# a comment\nparley_x{a="1",} 1.5e3 1700000000000\n')
      .get("parley_x")?.samples[0].value,
    1500,
  );
});

Deno.test({
  name:
    "counters move as a scripted pair logs in, chats, calls, drops and resumes through a real server",
  ignore: needsNet,
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const signaling = createSignaling({ presenceTickMs: 10 }, {
      logger: quietLogger,
    });
    const server = await serveNode(
      (req) =>
        new URL(req.url).pathname === "/metrics"
          ? serveMetrics(req, signaling)
          : signaling.notWebSocket(),
      {
        hostname: "127.0.0.1",
        port: 0,
        headersTimeoutMs: 10_000,
        onUpgrade: (req, socket, head) => signaling.upgrade(req, socket, head),
      },
    );
    const base = `127.0.0.1:${server.addr.port}`;
    const url = `ws://${base}/ws`;
    const scrape = async () => {
      const res = await fetch(`http://${base}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      assert.equal(res.status, 200);
      assert.match(
        res.headers.get("content-type")!,
        /^text\/plain; version=0\.0\.4/,
      );
      const families = parseMetrics(await res.text());
      assertParleyConventions(families);
      return families;
    };
    try {
      const before = await scrape();
      const { client: ann, welcome } = await parleyUser(url, "ann");
      const { client: bob } = await parleyUser(url, "bob");
      ann.send({ type: "chat", text: "hello" });
      await bob.next("chat");
      const callId = await acceptedCall(ann, bob, "bob");
      ann.send({ type: "signal", callId, candidate: null });
      await bob.next("signal");
      const inCall = await scrape();
      assert.equal(value(inCall, "parley_calls"), 1);
      assert.equal(value(inCall, "parley_users"), 2);

      await ann.close(4000); // what the client's heartbeat sends
      let detached = await scrape();
      while (value(detached, "parley_sessions_detached") === 0) {
        await new Promise((r) => setTimeout(r, 10));
        detached = await scrape();
      }
      assert.equal(value(detached, "parley_users"), 2, "still in the room");
      const again = await WsClient.open(url, "parley.v1");
      again.send({ type: "login", name: "ann", resume: welcome.resume });
      assert.equal((await again.next("welcome")).resumed, true);
      again.send({ type: "hangup", callId });
      await bob.next("ended");

      // Two users claiming the same call, as after a restart.
      const claim = async (name: string, peer: string) => {
        const ws = await WsClient.open(url, "parley.v1");
        ws.send({ type: "login", name, call: { callId: "c-1", peer } });
        return ws;
      };
      const cat = await claim("cat", "dan");
      await cat.next("welcome");
      const dan = await claim("dan", "cat");
      await dan.next("call-restored");

      const after = await scrape();
      const grew = (name: string) => value(after, name) - value(before, name);
      assert.equal(grew("parley_chat_messages_total"), 1);
      assert.equal(grew("parley_signals_relayed_total"), 1);
      assert.equal(grew("parley_sessions_resumed_total"), 1);
      assert.equal(grew("parley_calls_restored_total"), 1);
      assert.ok(grew("parley_frames_received_total") >= 9);
      assert.ok(grew("parley_frames_sent_total") >= 12);
      assert.equal(value(after, "parley_sessions_detached"), 0);
      assert.equal(value(after, "parley_calls"), 1, "the restored one");
      assert.equal(value(after, "parley_users"), 4);
      assert.equal(value(after, "parley_connections"), 4);
      assert.equal(value(after, "parley_accepting"), 1);
      await Promise.all([again, bob, cat, dan].map((c) => c.close()));
    } finally {
      await signaling.shutdown();
      await server.shutdown();
    }
  },
});

/** The token the scrapes in this file send (`METRICS_TOKEN`). */
const METRICS_TOKEN = "test-metrics-token-0123456789";

/** The app's `/metrics` route, called as the router would. */
function serveMetrics(
  req: Request,
  signaling: Signaling,
): Response | Promise<Response> {
  const get = (metricsRoute as {
    GET: (ctx: unknown) => Response | Promise<Response>;
  }).GET;
  return get({ req, state: { signaling, metricsToken: METRICS_TOKEN } });
}
