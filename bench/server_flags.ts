/**
 * The `deno run` permissions of a spawned benchmark server
 * (`parley_server.ts` or `minimal_relay.ts`), in one place: each bench that
 * spawns one used to list its own, and when the server moved onto `npm:ws`
 * only the relay bench learned of ws's environment reads, so the cluster
 * bench's servers died at their first WebSocket.
 */

/**
 * What `npm:ws` reads when it loads (on a server's first upgrade): whether
 * its optional native add-ons are switched off. Without the permission the
 * read throws and takes the server process down.
 */
const WS_ENV = ["WS_NO_BUFFER_UTIL", "WS_NO_UTF_8_VALIDATE"];

/** What a bench grants a server beyond loopback and ws's reads. */
export interface ServerGrants {
  /** More environment variables it may read (e.g. `REDIS_URL`). */
  env?: string[];
  /** A directory it may write to (heap snapshots). */
  write?: string;
}

/**
 * The permission flags for a benchmark server: the network on 127.0.0.1
 * only, the environment variables ws reads, and whatever `grants` adds.
 */
export function serverFlags(grants: ServerGrants = {}): string[] {
  const env = [...WS_ENV, ...grants.env ?? []];
  const flags = ["--allow-net=127.0.0.1", `--allow-env=${env.join(",")}`];
  if (grants.write) flags.push(`--allow-write=${grants.write}`);
  return flags;
}
