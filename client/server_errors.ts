/**
 * What an `error` frame from the server means for the person, as data: the
 * session (`session.ts`) carries it out. Pure, so the wording and the
 * choice of where it shows stay in one small table.
 */
import { MAX_CHAT } from "./text.ts";

/** Shown next to the name form when the server turns a login away. */
export const ROOM_FULL_TEXT =
  "This room is full. Try again in a while, or use another room.";

/**
 * How to show an error: `name` back to the name form with `text` beside it
 * (`forget`: the saved name is no good either), `notice` a status line, or
 * `none` for harmless races.
 */
export type ErrorOutcome =
  | { show: "name"; text: string; forget: boolean }
  | { show: "notice"; text: string }
  | { show: "none" };

/** The outcome of the server's error `code` (with its `message`). */
export function errorOutcome(code: string, message: string): ErrorOutcome {
  switch (code) {
    case "bad-name":
      return {
        show: "name",
        text: message || "That name cannot be used.",
        forget: true,
      };
    case "room-full":
      // Not let in: the socket stays open, so joining again is one click.
      return { show: "name", text: ROOM_FULL_TEXT, forget: false };
    case "rate-limited":
      return {
        show: "notice",
        text: "Slow down a little: too many messages.",
      };
    case "text-too-long":
      return { show: "notice", text: tooLongText() };
    case "already-logged-in":
    case "no-call":
      // Harmless races (a re-sent login, a candidate after hang-up).
      return { show: "none" };
    default:
      return { show: "notice", text: message || code };
  }
}

/** Why a chat message was not sent: it is longer than the server takes. */
export function tooLongText(): string {
  return `Messages can be at most ${MAX_CHAT} characters.`;
}
