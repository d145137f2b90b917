/**
 * The session's two conversations: the room's chat, which goes through the
 * relay and everyone in the room sees, and the call's private one, which
 * goes over the call's own data channel (`call/peer_channel.ts`) and only
 * the two people in the call see (`call_chat.ts`).
 */
import type { CallSnapshot } from "./call/snapshot.ts";
import { CALL_CHAT_CLOSED, followCall, withLine } from "./call_chat.ts";
import type { ServerMessage } from "./protocol.ts";
import { tooLongText } from "./server_errors.ts";
import type { SessionActions } from "./session_api.ts";
import type { ChatLine, Notice, SessionState } from "./state.ts";
import { droppedChatText, MAX_CHAT } from "./text.ts";
import type { Timers } from "./timers.ts";

/** Room chat lines kept in memory. */
const CHAT_LIMIT = 500;

/** What the conversations work with. */
export interface SessionChatDeps {
  state: SessionState;
  timers: Timers;
  notify(tone: Notice["tone"], text: string): void;
  /** Sends a room chat frame; false when it could not leave. */
  sendRoom(text: string): boolean;
  /** Sends on the call's private channel; false when it is not open. */
  sendPrivate(text: string): boolean;
}

type RoomFrame = Extract<ServerMessage, { type: "chat" | "chat-dropped" }>;

/** The conversations of one session; see the module doc. */
export function sessionChat(deps: SessionChatDeps) {
  const { state, timers, notify } = deps;
  let lineId = 0;

  function addRoomLine(line: Omit<ChatLine, "id">): void {
    const lines = state.chat.value.slice(-(CHAT_LIMIT - 1));
    state.chat.value = [...lines, { id: ++lineId, ...line }];
  }

  function addCallLine(text: string, mine: boolean): void {
    const conversation = state.callChat.value;
    if (!conversation) return;
    const from = mine ? state.me.value ?? "" : conversation.peer;
    const line = { id: ++lineId, from, text, at: timers.now(), mine };
    state.callChat.value = withLine(conversation, line);
  }

  /** `text` trimmed, or null (with a notice when it is too long). */
  function checked(text: string): string | null {
    const trimmed = text.trim();
    if (trimmed.length > MAX_CHAT) notify("error", tooLongText());
    return trimmed && trimmed.length <= MAX_CHAT ? trimmed : null;
  }

  const actions: Pick<SessionActions, "sendChat" | "sendCallChat"> = {
    sendChat(text) {
      const trimmed = checked(text);
      if (trimmed === null) return false;
      if (!state.me.value || !deps.sendRoom(trimmed)) {
        notify("error", "Not connected: the message was not sent.");
        return false;
      }
      return true;
    },
    sendCallChat(text) {
      const trimmed = checked(text);
      if (trimmed === null) return false;
      if (!deps.sendPrivate(trimmed)) {
        notify("error", CALL_CHAT_CLOSED);
        return false;
      }
      addCallLine(trimmed, true);
      return true;
    },
  };

  return {
    actions,
    /** A line for the room's log from the app itself (e.g. a missed call). */
    addRoomLine,
    /** A room chat frame from the relay. */
    received(msg: RoomFrame): void {
      if (msg.type === "chat") {
        return addRoomLine({
          from: msg.from,
          // As the server relays it: it has removed direction overrides and
          // invisible characters (`neutralizeText`, signaling/text_rules.ts).
          text: msg.text,
          at: msg.at,
          mine: msg.from === state.me.value,
        });
      }
      if (!Number.isInteger(msg.count) || msg.count < 1) return;
      addRoomLine({
        from: "",
        text: droppedChatText(msg.count),
        at: timers.now(),
        mine: false,
        notice: true,
      });
    },
    /** A line the peer typed in the call. */
    peerSaid: (text: string) => addCallLine(text, false),
    /** Keeps the private conversation in step with the call. */
    followCall(snap: CallSnapshot): void {
      state.callChat.value = followCall(state.callChat.value, snap);
    },
  };
}
