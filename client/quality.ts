/**
 * Connection quality from `RTCPeerConnection.getStats()`: two successive
 * snapshots in, one small summary out (round trip, loss, bitrates, whether
 * media is relayed, and a good/fair/poor label). Pure functions over plain
 * stats objects, so recorded reports test it without a browser.
 *
 * Rates need two snapshots: the stats hold running totals (bytes, packets),
 * and only their growth over the interval says what is happening now.
 */

/** One entry of an `RTCStatsReport`, as plain data. */
export interface StatsEntry {
  id: string;
  type: string;
  timestamp: number;
  [field: string]: unknown;
}

/** What the stats say about one moment. */
export interface StatsReading {
  /** Timestamp of the report (ms, the browser's performance clock). */
  at: number;
  /** The selected candidate pair, or null before ICE has chosen one. */
  pairId: string | null;
  /** `candidateType` of the pair's local and remote candidates. */
  localType: string | null;
  remoteType: string | null;
  /** Current round trip of the selected pair, in ms. */
  rttMs: number | null;
  /** Running totals for the whole connection. */
  bytesSent: number;
  bytesReceived: number;
  /** Running totals over all inbound RTP streams (audio and video). */
  packetsReceived: number;
  packetsLost: number;
}

/** The media path: straight between the two browsers, or through TURN. */
export type MediaPath = "direct" | "relayed";

/** How the call feels, in one word. */
export type QualityLabel = "good" | "fair" | "poor";

/** The summary shown in the call view. */
export interface Quality {
  rttMs: number | null;
  /** Share of inbound packets lost over the interval, 0–100. */
  lossPercent: number | null;
  outKbps: number | null;
  inKbps: number | null;
  path: MediaPath;
  label: QualityLabel;
}

/**
 * Thresholds for the label. A round trip under 150 ms and loss under 2 %
 * are hard to notice in a conversation; past 400 ms people talk over each
 * other and past 8 % loss video freezes and speech breaks up.
 */
export const THRESHOLDS = {
  fairRttMs: 150,
  poorRttMs: 400,
  fairLossPercent: 2,
  poorLossPercent: 8,
} as const;

/** The entries of a browser `RTCStatsReport` (a maplike) as an array. */
export function statsEntries(
  report: { forEach(fn: (value: StatsEntry) => void): void },
): StatsEntry[] {
  const entries: StatsEntry[] = [];
  report.forEach((value) => entries.push(value));
  return entries;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/**
 * The candidate pair carrying the media: the one the transport names
 * (`selectedCandidatePairId`, Chromium and Safari), else one marked
 * `selected` (Firefox), else a nominated pair that succeeded.
 */
function selectedPair(
  byId: Map<string, StatsEntry>,
  entries: StatsEntry[],
): StatsEntry | null {
  for (const e of entries) {
    if (e.type !== "transport") continue;
    const pair = byId.get(str(e.selectedCandidatePairId) ?? "");
    if (pair) return pair;
  }
  const pairs = entries.filter((e) => e.type === "candidate-pair");
  return pairs.find((p) => p.selected === true) ??
    pairs.find((p) => p.nominated === true && p.state === "succeeded") ??
    null;
}

/** Pulls the numbers {@link computeQuality} needs out of one snapshot. */
export function readStats(snapshot: Iterable<StatsEntry>): StatsReading {
  const entries = [...snapshot];
  const byId = new Map(entries.map((e) => [e.id, e]));
  const pair = selectedPair(byId, entries);
  const transport = entries.find((e) =>
    e.type === "transport" && num(e.bytesSent) !== null
  );
  // Transport totals survive an ICE restart that switches pairs; a pair's
  // own totals start again from zero.
  const totals = transport ?? pair;
  let rttSeconds = num(pair?.currentRoundTripTime);
  if (rttSeconds === null) {
    for (const e of entries) {
      if (e.type === "remote-inbound-rtp") {
        rttSeconds = num(e.roundTripTime);
        if (rttSeconds !== null) break;
      }
    }
  }
  let packetsReceived = 0;
  let packetsLost = 0;
  for (const e of entries) {
    if (e.type !== "inbound-rtp") continue;
    packetsReceived += num(e.packetsReceived) ?? 0;
    packetsLost += num(e.packetsLost) ?? 0;
  }
  const candidateType = (id: unknown) =>
    str(byId.get(str(id) ?? "")?.candidateType);
  return {
    at: num(totals?.timestamp) ??
      Math.max(0, ...entries.map((e) => num(e.timestamp) ?? 0)),
    pairId: pair?.id ?? null,
    localType: candidateType(pair?.localCandidateId),
    remoteType: candidateType(pair?.remoteCandidateId),
    rttMs: rttSeconds === null ? null : Math.round(rttSeconds * 1000),
    bytesSent: num(totals?.bytesSent) ?? 0,
    bytesReceived: num(totals?.bytesReceived) ?? 0,
    packetsReceived,
    packetsLost,
  };
}

function kbps(bytes: number, ms: number): number | null {
  if (ms <= 0 || bytes < 0) return null;
  return Math.round((bytes * 8) / ms);
}

/**
 * Summarises `current`, using `previous` (the reading before it, from the
 * same connection) for rates. Null while no candidate pair is selected:
 * there is no connection to describe yet.
 *
 * The path counts as relayed when either end's candidate is a relay: media
 * then goes through a TURN server even if this side could reach the
 * internet directly.
 */
export function computeQuality(
  previous: StatsReading | null,
  current: StatsReading,
): Quality | null {
  if (current.pairId === null) return null;
  const path: MediaPath =
    current.localType === "relay" || current.remoteType === "relay"
      ? "relayed"
      : "direct";
  let lossPercent: number | null = null;
  let outKbps: number | null = null;
  let inKbps: number | null = null;
  let stalled = false;
  if (previous) {
    const ms = current.at - previous.at;
    outKbps = kbps(current.bytesSent - previous.bytesSent, ms);
    inKbps = kbps(current.bytesReceived - previous.bytesReceived, ms);
    const received = current.packetsReceived - previous.packetsReceived;
    // packetsLost can shrink when late duplicates arrive: never below zero.
    const lost = Math.max(0, current.packetsLost - previous.packetsLost);
    if (received >= 0 && received + lost > 0) {
      lossPercent = Math.round((lost / (received + lost)) * 1000) / 10;
    }
    // Media was arriving and has stopped: whatever the round trip says, the
    // person sees a frozen picture.
    stalled = ms > 0 && previous.packetsReceived > 0 && received === 0;
  }
  return {
    rttMs: current.rttMs,
    lossPercent,
    outKbps,
    inKbps,
    path,
    label: labelFor(current.rttMs, lossPercent, stalled),
  };
}

/** {@link computeQuality} straight from two snapshots. */
export function measureQuality(
  previous: Iterable<StatsEntry> | null,
  current: Iterable<StatsEntry>,
): Quality | null {
  return computeQuality(
    previous ? readStats(previous) : null,
    readStats(current),
  );
}

function labelFor(
  rttMs: number | null,
  lossPercent: number | null,
  stalled: boolean,
): QualityLabel {
  const rtt = rttMs ?? 0;
  const loss = lossPercent ?? 0;
  if (
    stalled || rtt >= THRESHOLDS.poorRttMs || loss >= THRESHOLDS.poorLossPercent
  ) {
    return "poor";
  }
  if (rtt >= THRESHOLDS.fairRttMs || loss >= THRESHOLDS.fairLossPercent) {
    return "fair";
  }
  return "good";
}

const LABEL_WORD: Record<QualityLabel, string> = {
  good: "Good",
  fair: "Fair",
  poor: "Poor",
};

/** The badge text, e.g. `Good · 12 ms · direct`. */
export function qualityText(q: Quality): string {
  const parts = [LABEL_WORD[q.label]];
  if (q.rttMs !== null) parts.push(`${q.rttMs} ms`);
  parts.push(q.path);
  return parts.join(" · ");
}

/** The longer sentence for the tooltip and screen readers. */
export function qualityDetails(q: Quality): string {
  const facts: string[] = [];
  if (q.rttMs !== null) facts.push(`round trip ${q.rttMs} ms`);
  if (q.lossPercent !== null) {
    facts.push(`${q.lossPercent.toFixed(1)} % of packets lost`);
  }
  if (q.outKbps !== null) facts.push(`sending ${q.outKbps} kbit/s`);
  if (q.inKbps !== null) facts.push(`receiving ${q.inKbps} kbit/s`);
  facts.push(
    q.path === "relayed"
      ? "media relayed through a TURN server"
      : "direct connection between you",
  );
  return `Connection quality ${q.label}: ${facts.join(", ")}.`;
}
