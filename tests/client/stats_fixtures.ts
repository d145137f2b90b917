/**
 * `getStats()` reports shaped like the ones Chromium and Firefox return
 * during a call (ids, entry types and field names as the browsers spell
 * them, values from a loopback call), with the numbers the quality module
 * reads turned into parameters.
 */
import type { StatsEntry } from "../../client/quality.ts";

/** The figures that change between two readings. */
export interface CallFigures {
  /** Report time, ms on the performance clock. */
  t: number;
  /** Selected pair's current round trip, seconds. */
  rtt?: number;
  bytesSent: number;
  bytesReceived: number;
  audio: { received: number; lost: number };
  video: { received: number; lost: number };
  local?: "host" | "srflx" | "prflx" | "relay";
  remote?: "host" | "srflx" | "prflx" | "relay";
  /** No pair selected yet (ICE still checking). */
  checking?: boolean;
}

function candidate(
  id: string,
  type: "local-candidate" | "remote-candidate",
  kind: string,
  t: number,
  port: number,
): StatsEntry {
  const entry: StatsEntry = {
    id,
    type,
    timestamp: t,
    transportId: "T01",
    address: "127.0.0.1",
    port,
    protocol: "udp",
    candidateType: kind,
    priority: kind === "relay" ? 41885439 : 2122260223,
    foundation: kind === "relay" ? "3794236374" : "1917425573",
    usernameFragment: "Vq4N",
    isRemote: type === "remote-candidate",
  };
  if (kind === "relay" && type === "local-candidate") {
    entry.relayProtocol = "udp";
    entry.url = "turn:127.0.0.1:3478?transport=udp";
  }
  return entry;
}

/** A Chromium (M120+) report of a video call with one transport (BUNDLE). */
export function chromiumReport(f: CallFigures): StatsEntry[] {
  const pairId = "CPWqGZ+LJf_3xYcaBoE";
  const local = f.local ?? "host";
  const remote = f.remote ?? "host";
  const transport: StatsEntry = {
    id: "T01",
    type: "transport",
    timestamp: f.t,
    bytesSent: f.bytesSent,
    bytesReceived: f.bytesReceived,
    packetsSent: Math.round(f.bytesSent / 1100),
    packetsReceived: f.audio.received + f.video.received,
    dtlsState: "connected",
    iceState: f.checking ? "checking" : "connected",
    iceRole: "controlling",
    iceLocalUsernameFragment: "Vq4N",
    dtlsRole: "client",
    tlsVersion: "FEFD",
    dtlsCipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    srtpCipher: "AES_CM_128_HMAC_SHA1_80",
    localCertificateId: "CFA1:B2:C3",
    remoteCertificateId: "CFD4:E5:F6",
    selectedCandidatePairChanges: f.checking ? 0 : 1,
  };
  if (!f.checking) transport.selectedCandidatePairId = pairId;
  const pair: StatsEntry = {
    id: pairId,
    type: "candidate-pair",
    timestamp: f.t,
    transportId: "T01",
    localCandidateId: "ILx3Ke+Tz",
    remoteCandidateId: "IRq8Vb0Pd",
    state: f.checking ? "in-progress" : "succeeded",
    priority: 9115005270282354000,
    nominated: !f.checking,
    writable: !f.checking,
    packetsSent: Math.round(f.bytesSent / 1100),
    packetsReceived: f.audio.received + f.video.received,
    bytesSent: f.bytesSent,
    bytesReceived: f.bytesReceived,
    totalRoundTripTime: 0.42,
    requestsReceived: 12,
    requestsSent: 13,
    responsesReceived: 13,
    responsesSent: 12,
    consentRequestsSent: 12,
    availableOutgoingBitrate: 2_500_000,
  };
  if (f.rtt !== undefined) pair.currentRoundTripTime = f.rtt;
  return [
    {
      id: "CFA1:B2:C3",
      type: "certificate",
      timestamp: f.t,
      fingerprint: "A1:B2:C3",
      fingerprintAlgorithm: "sha-256",
      base64Certificate: "MIIBFjCBvaADAgECAgkA",
    },
    {
      id: "COT01_96",
      type: "codec",
      timestamp: f.t,
      transportId: "T01",
      payloadType: 96,
      mimeType: "video/VP8",
      clockRate: 90000,
    },
    pair,
    candidate("ILx3Ke+Tz", "local-candidate", local, f.t, 51_324),
    candidate("IRq8Vb0Pd", "remote-candidate", remote, f.t, 49_870),
    {
      id: "IT01A2870127334",
      type: "inbound-rtp",
      timestamp: f.t,
      kind: "audio",
      ssrc: 2870127334,
      transportId: "T01",
      codecId: "CIT01_111_minptime=10;useinbandfec=1",
      mid: "0",
      trackIdentifier: "4b1a1a7e-9f3b-4d7c-8e2a-1c2d3e4f5a6b",
      packetsReceived: f.audio.received,
      packetsLost: f.audio.lost,
      bytesReceived: f.audio.received * 90,
      jitter: 0.002,
      totalAudioEnergy: 0.41,
      totalSamplesDuration: 12.3,
      concealedSamples: 480,
    },
    {
      id: "IT01V1936405720",
      type: "inbound-rtp",
      timestamp: f.t,
      kind: "video",
      ssrc: 1936405720,
      transportId: "T01",
      codecId: "CIT01_96",
      mid: "1",
      trackIdentifier: "a7c9e1f3-2b4d-4f6a-8c0e-1a3c5e7a9b1d",
      packetsReceived: f.video.received,
      packetsLost: f.video.lost,
      bytesReceived: f.video.received * 1050,
      framesDecoded: Math.round(f.video.received / 3),
      framesPerSecond: 30,
      frameWidth: 640,
      frameHeight: 480,
      jitter: 0.004,
    },
    {
      id: "OT01V3311526771",
      type: "outbound-rtp",
      timestamp: f.t,
      kind: "video",
      ssrc: 3311526771,
      transportId: "T01",
      mid: "1",
      packetsSent: Math.round(f.bytesSent / 1100),
      bytesSent: Math.round(f.bytesSent * 0.9),
      framesEncoded: 370,
      qualityLimitationReason: "none",
    },
    {
      id: "RIA3311526771",
      type: "remote-inbound-rtp",
      timestamp: f.t,
      kind: "video",
      ssrc: 3311526771,
      transportId: "T01",
      localId: "OT01V3311526771",
      roundTripTime: (f.rtt ?? 0.05) + 0.003,
      fractionLost: 0,
      packetsLost: 0,
    },
    {
      id: "P",
      type: "peer-connection",
      timestamp: f.t,
      dataChannelsOpened: 0,
      dataChannelsClosed: 0,
    },
    transport,
  ];
}

/**
 * A Firefox report: no `transport` entries, the pair carries `selected`, and
 * the round trip is only in `remote-inbound-rtp`.
 */
export function firefoxReport(f: CallFigures): StatsEntry[] {
  const local = f.local ?? "host";
  const remote = f.remote ?? "host";
  return [
    {
      id: "6b1b52c2",
      type: "candidate-pair",
      timestamp: f.t,
      transportId: "0",
      localCandidateId: "d2b0a91e",
      remoteCandidateId: "5f3e8c17",
      state: "succeeded",
      priority: 9115005270282354000,
      nominated: true,
      selected: true,
      writable: true,
      bytesSent: f.bytesSent,
      bytesReceived: f.bytesReceived,
    },
    {
      id: "0c4e2b6a",
      type: "candidate-pair",
      timestamp: f.t,
      transportId: "0",
      localCandidateId: "d2b0a91e",
      remoteCandidateId: "7a8b9c0d",
      state: "failed",
      nominated: false,
      selected: false,
      bytesSent: 0,
      bytesReceived: 0,
    },
    candidate("d2b0a91e", "local-candidate", local, f.t, 51_324),
    candidate("5f3e8c17", "remote-candidate", remote, f.t, 49_870),
    candidate("7a8b9c0d", "remote-candidate", "srflx", f.t, 60_001),
    {
      id: "{f7a3c0e1-audio}",
      type: "inbound-rtp",
      timestamp: f.t,
      kind: "audio",
      ssrc: 2870127334,
      packetsReceived: f.audio.received,
      packetsLost: f.audio.lost,
    },
    {
      id: "{f7a3c0e1-video}",
      type: "inbound-rtp",
      timestamp: f.t,
      kind: "video",
      ssrc: 1936405720,
      packetsReceived: f.video.received,
      packetsLost: f.video.lost,
    },
    {
      id: "{remote-inbound-video}",
      type: "remote-inbound-rtp",
      timestamp: f.t,
      kind: "video",
      ssrc: 3311526771,
      roundTripTime: f.rtt ?? 0.05,
      packetsLost: 0,
    },
  ];
}
