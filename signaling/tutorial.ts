/**
 * Calls in the tutorial dialect (MDN's WebRTC sample): there is no call
 * control, so a `video-offer` to an available user opens the call, the
 * `video-answer` answers it and `hang-up` ends it; the SDP/ICE frames are
 * relayed as sent, with the sender stamped on. Handlers return their
 * outputs (see `relay_context.ts`).
 */

import type { CallControl } from "./call_control.ts";
import { peerOf } from "./calls.ts";
import { stampFrame, tutorial } from "./frames.ts";
import { nameKey } from "./names.ts";
import {
  type Connection,
  type Effect,
  type Member,
  reject,
} from "./relay_context.ts";

/** Opens, relays and ends tutorial-dialect calls. */
export class TutorialCalls {
  readonly #calls: CallControl;

  constructor(calls: CallControl) {
    this.#calls = calls;
  }

  /**
   * A `video-offer` opens a call with an available user, or renegotiates the
   * current one. The sample client only offers when it has no call, so an
   * offer to someone else means it abandoned its previous call.
   */
  offer(conn: Connection, me: Member, target: string, raw: string): Effect[] {
    const peer = me.room.find(target);
    if (!peer) return reject(conn, "unknown-user");
    if (peer === me) return reject(conn, "self-call");
    const current = me.call;
    if (current && peerOf(current, me) === peer) {
      return [relayed(me, peer, raw)];
    }
    if (peer.dialect !== "tutorial") return reject(conn, "incompatible");
    const out = current
      ? this.#calls.end(current, "hangup", [peerOf(current, me)])
      : [];
    // Busy: the sample client has no busy signal, but ends its call on hang-up.
    if (peer.call) {
      out.push({ kind: "send", conn, frame: tutorial.hangUp(peer.name) });
      return out;
    }
    out.push(...this.#calls.open(me, peer, false), relayed(me, peer, raw));
    return out;
  }

  /** `video-answer` / `new-ice-candidate` to the call peer; an answer answers. */
  relay(
    conn: Connection,
    me: Member,
    type: "video-answer" | "new-ice-candidate",
    target: string,
    raw: string,
  ): Effect[] {
    const call = me.call;
    const peer = call && peerOf(call, me);
    // The sample client names its peer exactly; the skeleton key (a few
    // microseconds) is only for targets spelled some other way.
    if (!peer || (target !== peer.name && nameKey(target) !== peer.key)) {
      return reject(conn, me.room.find(target) ? "no-call" : "unknown-user");
    }
    if (
      type === "video-answer" && call.state === "ringing" &&
      call.callee === me
    ) {
      const out = this.#calls.answer(call);
      out.push(relayed(me, peer, raw));
      return out;
    }
    return [relayed(me, peer, raw)];
  }

  /** `hang-up` ends the sender's call; without a target it means that call. */
  hangUp(conn: Connection, me: Member, target: string | null): Effect[] {
    const call = me.call;
    if (!call) return reject(conn, "no-call");
    const peer = peerOf(call, me);
    if (
      target !== null && target !== peer.name && nameKey(target) !== peer.key
    ) {
      return reject(conn, me.room.find(target) ? "no-call" : "unknown-user");
    }
    return this.#calls.end(call, "hangup", [peer]);
  }
}

/** The frame as sent, with the sender's `name` stamped on, to its peer. */
function relayed(from: Member, to: Member, raw: string): Effect {
  return { kind: "relay", to, frame: stampFrame(raw, from.stamp) };
}
