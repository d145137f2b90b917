/**
 * Where the Redis broker keeps what, and how long inboxes outlive their
 * readers:
 *
 * - `parley:inbox:<instance>`: the instance's inbox stream
 *   (`redis_outbox.ts` writes it, `redis_inbox.ts` reads it).
 * - `parley:acked:<receiver>`: per sender, the next number the receiver
 *   expects from it, i.e. how far it has read.
 * - `parley:alive:<instance>` and `parley:room:<room>`: liveness and room
 *   leases (`redis_leases.ts`).
 */

/** Prefix of the inbox streams. */
export const INBOX = "parley:inbox:";
/** Prefix of the liveness keys. */
export const ALIVE = "parley:alive:";
/** Prefix of the room leases. */
export const ROOM = "parley:room:";
/** Per receiver: sender id → the next number it expects from that sender. */
export const ACKED = "parley:acked:";

/** An inbox nobody writes to for this long (its reader died) expires. */
export const INBOX_TTL_MS = 60_000;
/** How often a writer pushes back the expiry of a key it writes to. */
export const INBOX_TTL_RENEW_MS = INBOX_TTL_MS / 4;
