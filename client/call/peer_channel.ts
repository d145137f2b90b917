/**
 * The call's private channel: an `RTCDataChannel` on the peer connection
 * itself, so what travels on it is encrypted end to end by DTLS and never
 * passes the server. It carries the two people's messages and what each
 * says of their own microphone and camera (so the other side can show
 * "Camera off" or a muted badge).
 *
 * The channel is negotiated (`negotiated: true`, the same id on both
 * sides) rather than announced: nothing has to wait for an `ondatachannel`
 * event, and the offerer creates it before its first offer, so the offer
 * carries it and the call still takes one offer/answer round.
 *
 * What arrives is the peer's to choose, so it is checked like any input
 * from outside: too long is dropped before it is parsed, malformed is
 * dropped, and messages beyond a rate are dropped.
 */
import { TokenBucket } from "../../signaling/limits.ts";
import { neutralizeText } from "../../signaling/text_rules.ts";
import type { DataChannelLike, PeerConnectionLike } from "../peer.ts";
import { isDigestText } from "../safety/code.ts";
import { MAX_CHAT } from "../text.ts";

/** The channel's label and id, the same on both sides. */
export const CHANNEL_LABEL = "parley";
const CHANNEL_ID = 0;

/** Longest frame accepted, in UTF-16 units (a chat line and its wrapper). */
export const MAX_PEER_FRAME = MAX_CHAT * 2 + 200;

/** Chat lines accepted per second from the peer; the rest are dropped. */
export const PEER_CHAT_PER_SECOND = 10;

/** What one side says of its own media. */
export interface PeerMedia {
  micMuted: boolean;
  cameraOff: boolean;
}

/** What the safety number's exchange sends (`safety/link_safety.ts`). */
export type SafetyMessage =
  | { type: "safety-commit"; commit: string }
  | { type: "safety-reveal"; nonce: string }
  /** What the person said on comparing the codes. */
  | { type: "safety-said"; match: boolean };

/** A frame on the channel. */
export type PeerMessage =
  | ({ type: "media" } & PeerMedia)
  | { type: "chat"; text: string }
  | SafetyMessage;

/**
 * The message `data` carries, or null when it is not one: not a string,
 * too long, not JSON, or not of a known shape. Chat text comes back as it
 * may be shown (`neutralizeText`).
 */
export function parsePeerMessage(data: unknown): PeerMessage | null {
  if (typeof data !== "string" || data.length > MAX_PEER_FRAME) return null;
  let o: unknown;
  try {
    o = JSON.parse(data);
  } catch {
    return null;
  }
  if (!o || typeof o !== "object") return null;
  const m = o as Record<string, unknown>;
  if (m.type === "media") {
    if (typeof m.micMuted !== "boolean" || typeof m.cameraOff !== "boolean") {
      return null;
    }
    return { type: "media", micMuted: m.micMuted, cameraOff: m.cameraOff };
  }
  if (m.type === "chat") {
    if (typeof m.text !== "string") return null;
    const text = neutralizeText(m.text).trim();
    if (text === "" || text.length > MAX_CHAT) return null;
    return { type: "chat", text };
  }
  if (m.type === "safety-commit" && isDigestText(m.commit)) {
    return { type: "safety-commit", commit: m.commit };
  }
  if (m.type === "safety-reveal" && isDigestText(m.nonce)) {
    return { type: "safety-reveal", nonce: m.nonce };
  }
  if (m.type === "safety-said" && typeof m.match === "boolean") {
    return { type: "safety-said", match: m.match };
  }
  return null;
}

/** What a {@link PeerChannel} reports. */
export interface PeerChannelHooks {
  /** The channel opened or closed. */
  changed(): void;
  /** The peer's media state. */
  media(state: PeerMedia): void;
  /** A chat line from the peer. */
  chat(text: string): void;
  /** A step of the safety number's exchange. */
  safety(message: SafetyMessage): void;
  /** Milliseconds now, for the rate limit. */
  now(): number;
}

/**
 * The channel of one peer connection. The offerer opens it before its
 * offer; the answerer when an offer carries one ({@link offersChannel}).
 */
export class PeerChannel {
  #channel: DataChannelLike | null = null;
  #hooks: PeerChannelHooks;
  /** Made with the first chat line, on the hooks' clock. */
  #chatRate: TokenBucket | null = null;

  constructor(hooks: PeerChannelHooks) {
    this.#hooks = hooks;
  }

  /** Whether a message can be sent now. */
  get open(): boolean {
    return this.#channel?.readyState === "open";
  }

  /** Creates the channel on `pc` once; a connection without support has none. */
  attach(pc: PeerConnectionLike): void {
    if (this.#channel || !pc.createDataChannel) return;
    const channel = pc.createDataChannel(CHANNEL_LABEL, {
      negotiated: true,
      id: CHANNEL_ID,
      ordered: true,
    });
    this.#channel = channel;
    channel.onopen = channel.onclose = () => this.#hooks.changed();
    channel.onmessage = (ev) => this.#receive(ev.data);
  }

  /** Sends `message`; false when the channel is not open. */
  send(message: PeerMessage): boolean {
    const channel = this.#channel;
    if (!channel || channel.readyState !== "open") return false;
    try {
      channel.send(JSON.stringify(message));
      return true;
    } catch {
      // Closing under us; the caller says the message was not sent.
      return false;
    }
  }

  /** Closes the channel and forgets its handlers. */
  close(): void {
    const channel = this.#channel;
    if (!channel) return;
    this.#channel = null;
    channel.onopen = channel.onclose = channel.onmessage = null;
    try {
      channel.close();
    } catch {
      // Already closed with its connection.
    }
  }

  #receive(data: unknown): void {
    const message = parsePeerMessage(data);
    if (!message) return;
    if (message.type === "media") return this.#hooks.media(message);
    if (message.type !== "chat") return this.#hooks.safety(message);
    const now = this.#hooks.now();
    this.#chatRate ??= new TokenBucket(
      PEER_CHAT_PER_SECOND,
      PEER_CHAT_PER_SECOND,
      now,
    );
    if (this.#chatRate.take(now)) this.#hooks.chat(message.text);
  }
}

/** Whether an offer's SDP carries a data channel (an `m=application` line). */
export function offersChannel(sdp: string | undefined): boolean {
  return !!sdp && /^m=application /m.test(sdp);
}
