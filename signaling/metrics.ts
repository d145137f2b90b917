/**
 * The relay's counters in the Prometheus text exposition format (0.0.4), for
 * `GET /metrics`.
 */
import type { SignalingStats } from "./mod.ts";

interface Family {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: Array<[labels: Record<string, string>, value: number]>;
}

/** Renders `stats` as Prometheus text; every family has HELP and TYPE lines. */
export function formatMetrics(stats: SignalingStats): string {
  const families: Family[] = [
    gauge(
      "parley_connections",
      "Open WebSocket connections.",
      stats.connections,
    ),
    gauge("parley_users", "Logged-in users.", stats.users),
    gauge("parley_rooms", "Rooms with at least one user.", stats.rooms),
    gauge("parley_calls", "Calls ringing or in progress.", stats.calls),
    gauge(
      "parley_sessions_detached",
      "Sessions whose connection dropped, resumable until the grace period ends.",
      stats.detached,
    ),
    gauge(
      "parley_accepting",
      "1 while new connections are accepted, 0 while draining.",
      stats.accepting ? 1 : 0,
    ),
    counter(
      "parley_frames_received_total",
      "Frames received from clients.",
      stats.framesIn,
    ),
    counter(
      "parley_frames_sent_total",
      "Frames sent to clients.",
      stats.framesOut,
    ),
    counter(
      "parley_signals_relayed_total",
      "SDP and ICE messages relayed between call parties.",
      stats.relayed,
    ),
    counter(
      "parley_chat_messages_total",
      "Chat messages relayed.",
      stats.chats,
    ),
    counter(
      "parley_sessions_resumed_total",
      "Sessions resumed with a token, after a dropped connection or replacing a socket.",
      stats.resumed,
    ),
    counter(
      "parley_calls_restored_total",
      "Calls restored by both parties' claims after a server restart.",
      stats.restored,
    ),
    labelled(
      "parley_errors_total",
      "Error messages sent to clients, by code.",
      "code",
      stats.errors,
    ),
    labelled(
      "parley_closed_total",
      "Connections closed by the server, by close code.",
      "code",
      stats.kicked,
    ),
    labelled(
      "parley_refused_total",
      "Refused WebSocket upgrades, by reason.",
      "reason",
      stats.refused,
    ),
  ];
  const cluster = stats.cluster;
  if (cluster) {
    families.push(
      gauge(
        "parley_cluster_store_up",
        "1 while the cluster's shared store (Redis or Deno KV) is reachable.",
        cluster.healthy ? 1 : 0,
      ),
      gauge(
        "parley_cluster_rooms_owned",
        "Rooms running on this instance.",
        cluster.ownedRooms,
      ),
      gauge(
        "parley_cluster_forwarded_connections",
        "Sockets here whose room runs on another instance.",
        cluster.forwarded,
      ),
      gauge(
        "parley_cluster_remote_connections",
        "Sockets on other instances in rooms running here.",
        cluster.remote,
      ),
      counter(
        "parley_cluster_peers_lost_total",
        "Instances this one found dead.",
        cluster.peersLost,
      ),
      counter(
        "parley_cluster_resyncs_total",
        "Times messages from another instance were lost and the sockets shared with it reconnected.",
        cluster.resyncs,
      ),
      counter(
        "parley_cluster_rooms_lost_total",
        "Rooms this instance gave up because another took their lease.",
        cluster.roomsLost,
      ),
    );
  }
  return families.map(render).join("");
}

function gauge(name: string, help: string, value: number): Family {
  return { name, help, type: "gauge", samples: [[{}, value]] };
}

function counter(name: string, help: string, value: number): Family {
  return { name, help, type: "counter", samples: [[{}, value]] };
}

function labelled(
  name: string,
  help: string,
  label: string,
  values: Record<string, number>,
): Family {
  const samples = Object.entries(values).map(
    ([key, value]) =>
      [{ [label]: key }, value] as [Record<string, string>, number],
  );
  return { name, help, type: "counter", samples };
}

function render({ name, help, type, samples }: Family): string {
  let text = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  for (const [labels, value] of samples) {
    const pairs = Object.entries(labels).map(([k, v]) =>
      `${k}="${escapeLabel(v)}"`
    );
    text += `${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${value}\n`;
  }
  return text;
}

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}
