/**
 * Every environment variable Parley reads, once: its kind, default, range and
 * meaning. Plain data: `config.ts` parses the environment with one generic
 * function over this list, and the Settings tables of README.md and
 * PROTOCOL.md are generated from it (`deno task settings-docs`; a test checks
 * they agree).
 */

import type { SignalingConfig } from "./config.ts";
import { MAX_TURN_TTL_SECONDS } from "./turn_credentials.ts";

/** The relay's settings that one variable sets alone. */
type RelayKey = Exclude<keyof SignalingConfig, "iceServers" | "turn">;

/**
 * Where a parsed value goes, as `section.key`. The sections are assembled
 * into the configuration by `config.ts`; `turn`, `ice` and `cluster` have
 * rules across variables (a TURN secret needs URLs, and so on).
 */
export type SettingField =
  | `listen.${"port" | "hostname" | "headersTimeoutMs"}`
  | `signaling.${RelayKey}`
  | `ice.${"servers" | "stunUrls"}`
  | `turn.${"urls" | "secret" | "ttlSeconds"}`
  | `cluster.${"store" | "url" | "path" | "leaseMs"}`
  | "web.metricsToken";

interface SettingBase {
  /** The environment variable. */
  name: string;
  /** Where the value goes. */
  field: SettingField;
  /** What it does, in Markdown, for the docs. */
  doc: string;
  /**
   * The docs' default column, when the default is not a plain value (or
   * there is none: `—`).
   */
  defaultDoc?: string;
  /** A good value, quoted in the error message for a bad one. */
  example?: string;
  /**
   * `refuse`: set but blank is an error. Otherwise a blank value counts as
   * unset.
   */
  blank?: "refuse";
}

/** A whole number in `min`..`max`. */
export interface IntSetting extends SettingBase {
  kind: "int";
  default: number;
  min: number;
  max?: number;
}

/** A trimmed string. */
export interface TextSetting extends SettingBase {
  kind: "text";
  default?: string;
}

/** A trimmed string that is never quoted back, in errors or logs. */
export interface SecretSetting extends SettingBase {
  kind: "secret";
  /** Shortest accepted length. */
  minLength?: number;
  /** Only the characters a bearer token can carry (RFC 6750's token68). */
  token68?: boolean;
}

/** Comma-separated items, trimmed, empty ones dropped. */
export interface ListSetting extends SettingBase {
  kind: "list";
  default?: string[] | null;
  /** When given, every item must be a URL with one of these schemes. */
  schemes?: string[];
}

/** A URL with one of `schemes`. */
export interface UrlSetting extends SettingBase {
  kind: "url";
  schemes: string[];
}

/** One of `values`, case-insensitive. */
export interface EnumSetting extends SettingBase {
  kind: "enum";
  values: string[];
  default?: string;
}

/** A JSON value; its shape is checked where it is used. */
export interface JsonSetting extends SettingBase {
  kind: "json";
}

/** One environment variable. */
export type Setting =
  | IntSetting
  | TextSetting
  | SecretSetting
  | ListSetting
  | UrlSetting
  | EnumSetting
  | JsonSetting;

/** A whole-number setting of the relay: `signaling.<key>`, unit in the name. */
function relayInt(
  name: string,
  key: RelayKey,
  defaultValue: number,
  min: number,
  doc: string,
): IntSetting {
  return {
    name,
    field: `signaling.${key}`,
    kind: "int",
    default: defaultValue,
    min,
    doc,
  };
}

/** Every environment variable Parley reads, in the order the docs list them. */
export const SETTINGS: readonly Setting[] = [
  {
    name: "PORT",
    field: "listen.port",
    kind: "int",
    default: 8000,
    min: 0,
    max: 65535,
    blank: "refuse",
    doc: "port to listen on",
  },
  {
    name: "HOSTNAME",
    field: "listen.hostname",
    kind: "text",
    default: "0.0.0.0",
    blank: "refuse",
    doc: "address to listen on",
  },
  {
    name: "ALLOWED_ORIGINS",
    field: "signaling.allowedOrigins",
    kind: "list",
    default: null,
    defaultDoc: "the request's own origin",
    example: "https://a.example,https://b.example",
    doc:
      "comma-separated origins allowed to open `/ws` (`*`: any); others get 403",
  },
  {
    name: "ICE_SERVERS",
    field: "ice.servers",
    kind: "json",
    defaultDoc: "`[]`",
    example: '[{"urls":"stun:stun.example.org:3478"}]',
    doc: "JSON array of `RTCIceServer` handed to browsers",
  },
  {
    name: "STUN_URLS",
    field: "ice.stunUrls",
    kind: "list",
    example: "stun:stun.example.org:3478",
    doc: "comma-separated STUN URLs (used when `ICE_SERVERS` is unset)",
  },
  {
    name: "TURN_URLS",
    field: "turn.urls",
    kind: "list",
    schemes: ["turn", "turns"],
    example: "turn:turn.example.org:3478,turns:turn.example.org:5349",
    doc: "comma-separated `turn:`/`turns:` URLs of coturn; needs `TURN_SECRET`",
  },
  {
    name: "TURN_SECRET",
    field: "turn.secret",
    kind: "secret",
    doc: "coturn's `static-auth-secret`; each login gets its own credential",
  },
  {
    name: "TURN_TTL_SECONDS",
    field: "turn.ttlSeconds",
    kind: "int",
    default: 600,
    min: 1,
    max: MAX_TURN_TTL_SECONDS,
    doc:
      "lifetime of a TURN credential in seconds; browsers ask for fresh ones during a long call",
  },
  {
    name: "METRICS_TOKEN",
    field: "web.metricsToken",
    kind: "secret",
    minLength: 16,
    token68: true,
    defaultDoc: "— (`/metrics` off)",
    example: "$(openssl rand -hex 32)",
    doc:
      "bearer token `/metrics` requires (`Authorization: Bearer <token>`); unset: `/metrics` answers 404",
  },
  relayInt(
    "SIGNALING_MAX_FRAME_BYTES",
    "maxFrameBytes",
    64 * 1024,
    1024,
    "larger frames close the socket (1009)",
  ),
  relayInt(
    "SIGNALING_RATE_PER_SECOND",
    "ratePerSecond",
    20,
    1,
    "messages per second per connection, sustained (token bucket refill)",
  ),
  relayInt(
    "SIGNALING_RATE_BURST",
    "rateBurst",
    60,
    1,
    "messages a connection may send in a burst (token bucket size)",
  ),
  relayInt(
    "SIGNALING_ABUSE_CLOSE_MS",
    "abuseCloseMs",
    3000,
    0,
    "continuous rate abuse before the socket is closed (1008)",
  ),
  relayInt(
    "SIGNALING_MAX_CONNECTIONS",
    "maxConnections",
    10_000,
    1,
    "sockets per process; more get 503",
  ),
  relayInt(
    "SIGNALING_RING_TIMEOUT_MS",
    "ringTimeoutMs",
    30_000,
    1,
    "an unanswered call ends (`no-answer`) after this long",
  ),
  relayInt(
    "SIGNALING_IDLE_TIMEOUT_S",
    "idleTimeoutSeconds",
    30,
    1,
    "WebSocket ping interval and dead-peer timeout",
  ),
  relayInt(
    "SIGNALING_MAX_CHAT_CHARS",
    "maxChatChars",
    2000,
    1,
    "longest chat message, in characters after trimming",
  ),
  relayInt(
    "SIGNALING_PRESENCE_TICK_MS",
    "presenceTickMs",
    50,
    0,
    "presence updates of a room are batched per tick",
  ),
  relayInt(
    "SIGNALING_MAX_BUFFERED_BYTES",
    "maxBufferedBytes",
    4 * 1024 * 1024,
    1024,
    "unread bytes queued to a client before it is dropped (1008)",
  ),
  relayInt(
    "SIGNALING_SLOW_READER_BYTES",
    "slowReaderBytes",
    64 * 1024,
    1024,
    "unsent bytes past which a client is a slow reader: room chat waits for it (the oldest dropped, and it is told how many) while its call goes ahead",
  ),
  relayInt(
    "SIGNALING_RESUME_GRACE_MS",
    "resumeGraceMs",
    30_000,
    0,
    "how long a dropped connection's session (and call) can be resumed",
  ),
  relayInt(
    "SIGNALING_MAX_DROPPED_PER_ADDRESS",
    "maxDetachedPerAddress",
    8,
    1,
    "dropped sessions awaiting a resume from one client address; one more ends the oldest (not in a call, if it can)",
  ),
  relayInt(
    "SIGNALING_MAX_ROOM_MEMBERS",
    "maxRoomMembers",
    1000,
    2,
    "users in one room, dropped ones awaiting a resume included; more logins get `room-full`",
  ),
  relayInt(
    "SIGNALING_MAX_SOCKETS_PER_ADDRESS",
    "maxSocketsPerAddress",
    64,
    1,
    "open sockets from one client address (see `TRUSTED_PROXIES`); more get 429",
  ),
  relayInt(
    "SIGNALING_LOGIN_TIMEOUT_MS",
    "loginTimeoutMs",
    10_000,
    100,
    "a socket that has not logged in by then is closed (1008)",
  ),
  {
    name: "HTTP_HEADERS_TIMEOUT_MS",
    field: "listen.headersTimeoutMs",
    kind: "int",
    default: 10_000,
    min: 100,
    doc:
      "a connection whose request head has not fully arrived by then is closed (slow-header clients)",
  },
  {
    name: "TRUSTED_PROXIES",
    field: "signaling.trustedProxies",
    kind: "list",
    default: [],
    defaultDoc: "—",
    example: "10.0.0.5,10.0.0.6",
    doc:
      "comma-separated addresses of your reverse proxies; from them, `X-Forwarded-For` names the client for per-address limits",
  },
  {
    name: "CLUSTER",
    field: "cluster.store",
    kind: "enum",
    values: ["none", "redis", "kv"],
    defaultDoc: "`redis` if `REDIS_URL` is set, else `none`",
    doc:
      "`none` (one process), `redis` or `kv` (Deno KV); see Several instances in README.md",
  },
  {
    name: "REDIS_URL",
    field: "cluster.url",
    kind: "url",
    schemes: ["redis", "rediss"],
    example: "redis://127.0.0.1:6379",
    doc: "Redis for `CLUSTER=redis`, e.g. `redis://redis.internal:6379`",
  },
  {
    name: "KV_PATH",
    field: "cluster.path",
    kind: "text",
    defaultDoc: "Deno Deploy's built-in KV",
    doc: "Deno KV database file for `CLUSTER=kv` on your own machine",
  },
  {
    name: "CLUSTER_LEASE_MS",
    field: "cluster.leaseMs",
    kind: "int",
    default: 5000,
    min: 500,
    doc:
      "how long a room lease and an instance's liveness mark last unless renewed; a dead instance is noticed within about 1.5× this",
  },
];

/** The setting that fills `field`; for messages about rules across variables. */
export function settingFor(field: SettingField): Setting {
  const setting = SETTINGS.find((s) => s.field === field);
  if (!setting) throw new Error(`no setting fills ${field}`);
  return setting;
}
