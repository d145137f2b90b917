/**
 * One received frame, from bytes to outputs: size and rate checks, parsing,
 * validation, and the handler for its type. Chat and `parley.v1` signals
 * are handled here (signals are the hot path: relayed exactly as they
 * came); calls and sessions go to their modules. Returns the outputs (see
 * `relay_context.ts`) and never calls the relay.
 */

import type { CallControl } from "./call_control.ts";
import { peerOf } from "./calls.ts";
import type { Clock } from "./clock.ts";
import type { SignalingConfig } from "./config.ts";
import { parley, tutorial } from "./frames.ts";
import type { IceServerList } from "./ice.ts";
import {
  cleanChatText,
  frameTooBig,
  isRejection,
  type ParleyMessage,
  parseFrame,
  type TutorialMessage,
  validateParley,
  validateTutorial,
} from "./protocol.ts";
import {
  CloseCode,
  type Connection,
  type Effect,
  type Member,
  reject,
} from "./relay_context.ts";
import type { SessionLifecycle } from "./session_lifecycle.ts";
import type { TutorialCalls } from "./tutorial.ts";

/** What the frame handlers work with. */
export interface InboundParts {
  readonly config: SignalingConfig;
  readonly clock: Clock;
  readonly ice: IceServerList;
  readonly sessions: SessionLifecycle;
  readonly calls: CallControl;
  readonly tutorial: TutorialCalls;
}

/** Turns each received frame into outputs. */
export class Inbound {
  readonly #config: SignalingConfig;
  readonly #clock: Clock;
  readonly #ice: IceServerList;
  readonly #sessions: SessionLifecycle;
  readonly #calls: CallControl;
  readonly #tutorial: TutorialCalls;
  #chats = 0;

  constructor(parts: InboundParts) {
    this.#config = parts.config;
    this.#clock = parts.clock;
    this.#ice = parts.ice;
    this.#sessions = parts.sessions;
    this.#calls = parts.calls;
    this.#tutorial = parts.tutorial;
  }

  /** Chat messages relayed to a room. */
  get chats(): number {
    return this.#chats;
  }

  /** The outputs of one frame received on `conn`. */
  frame(
    conn: Connection,
    data: string | ArrayBuffer | ArrayBufferView | Blob,
  ): Effect[] {
    const config = this.#config;
    if (frameTooBig(data, config.maxFrameBytes)) {
      return [{
        kind: "close",
        conn,
        code: CloseCode.tooBig,
        reason: `frame too big: send at most ${config.maxFrameBytes} bytes`,
      }];
    }
    const verdict = conn.limiter.check(this.#clock.now());
    if (verdict !== "ok") {
      if (verdict === "warn") return reject(conn, "rate-limited");
      if (verdict === "close") {
        return [
          { kind: "reject", conn, code: "rate-limited" },
          {
            kind: "close",
            conn,
            code: CloseCode.policy,
            reason: "rate limit exceeded for too long",
          },
        ];
      }
      return [];
    }
    if (typeof data !== "string") {
      return reject(conn, "bad-json", "Binary frames are not accepted.");
    }
    const parsed = parseFrame(data);
    if (isRejection(parsed)) return reject(conn, parsed.reject, parsed.detail);
    if (conn.dialect === "parley") {
      const msg = validateParley(parsed);
      return isRejection(msg)
        ? reject(conn, msg.reject, msg.detail)
        : this.#parley(conn, msg, data);
    }
    const msg = validateTutorial(parsed);
    return isRejection(msg)
      ? reject(conn, msg.reject, msg.detail)
      : this.#tutorialFrame(conn, msg, data);
  }

  #parley(conn: Connection, msg: ParleyMessage, raw: string): Effect[] {
    if (msg.type === "ping") {
      return [{ kind: "send", conn, frame: parley.pong }];
    }
    if (msg.type === "login") {
      return this.#sessions.login(conn, msg.name, msg.resume, msg.call);
    }
    const me = conn.member;
    if (me === null) return reject(conn, "not-logged-in");
    switch (msg.type) {
      case "signal":
        return this.#signal(conn, me, msg.callId, raw);
      case "chat":
        return this.#chat(conn, me, msg.text);
      case "call":
        return this.#calls.call(conn, me, msg.to, msg.audioOnly);
      case "accept":
        return this.#calls.accept(conn, me, msg.callId);
      case "decline":
      case "cancel":
      case "hangup":
        return this.#calls.endByParty(conn, me, msg.type, msg.callId);
      case "ice-servers": {
        const json = this.#ice.json(
          me.name,
          this.#clock.now(),
          conn.hasOrigin,
        );
        return [{ kind: "send", conn, frame: parley.iceServers(json) }];
      }
    }
  }

  #tutorialFrame(
    conn: Connection,
    msg: TutorialMessage,
    raw: string,
  ): Effect[] {
    if (msg.type === "username") return this.#sessions.login(conn, msg.name);
    const me = conn.member;
    if (me === null) return reject(conn, "not-logged-in");
    switch (msg.type) {
      case "new-ice-candidate":
      case "video-answer":
        return this.#tutorial.relay(conn, me, msg.type, msg.target, raw);
      case "video-offer":
        return this.#tutorial.offer(conn, me, msg.target, raw);
      case "message":
        return this.#chat(conn, me, msg.text);
      case "hang-up":
        return this.#tutorial.hangUp(conn, me, msg.target);
    }
  }

  #chat(conn: Connection, me: Member, text: string): Effect[] {
    const clean = cleanChatText(text, this.#config.maxChatChars);
    if (isRejection(clean)) return reject(conn, clean.reject, clean.detail);
    const at = this.#clock.now();
    let parleyFrame: string | undefined;
    let tutorialFrame: string | undefined;
    const out: Effect[] = [];
    for (const member of me.room.members.values()) {
      let frame: string;
      if (member.dialect === "parley") {
        frame = parleyFrame ??= parley.chat(
          JSON.stringify(me.name),
          JSON.stringify(clean),
          at,
        );
      } else {
        frame = tutorialFrame ??= tutorial.message(me.name, clean, at);
      }
      out.push({ kind: "deliver", to: member, frame });
    }
    this.#chats++;
    return out;
  }

  #signal(conn: Connection, me: Member, callId: string, raw: string): Effect[] {
    const call = me.call;
    if (!call || call.id !== callId || call.state !== "active") {
      return reject(conn, "no-call");
    }
    // The hot path: the frame goes on exactly as it came. No `from` is
    // stamped on: the peer knows who sends signals for its call, and a frame
    // carrying its own `from` was refused (protocol.ts). A stamp cost a new
    // string per message, about 5% of the relay's CPU per message.
    return [{ kind: "relay", to: peerOf(call, me), frame: raw }];
  }
}
