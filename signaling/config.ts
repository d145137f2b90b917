/**
 * Settings: defaults, the environment variables that set them (all listed in
 * {@linkcode ENVIRONMENT}), and the validation that turns a bad value into an
 * error saying what to set instead. Read once at start; a bad value stops the
 * server with that message rather than failing later.
 */

import { MAX_TURN_TTL_SECONDS } from "./turn_credentials.ts";

/** An entry of `RTCConfiguration.iceServers`, passed to clients in `welcome`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * TURN in coturn's REST scheme: each login is handed a credential minted from
 * the secret coturn shares (`use-auth-secret`, `static-auth-secret`).
 */
export interface TurnConfig {
  /** `turn:`/`turns:` URLs, all served by coturns that share the secret. */
  urls: string[];
  /** coturn's `static-auth-secret`. Never logged, never sent to clients. */
  secret: string;
  /**
   * Lifetime of a minted credential in seconds, 1..3600. Short, because a
   * leaked one is a free relay until then; the client asks for fresh ones
   * during a long call.
   */
  ttlSeconds: number;
}

/** Everything the signaling server can be tuned with. */
export interface SignalingConfig {
  /**
   * Origins allowed to open a socket (exact `scheme://host[:port]`). `null`:
   * only the request's own origin (Origin host equals the Host header).
   * `["*"]`: any origin. Requests without an Origin header (non-browser
   * clients) are always allowed.
   */
  allowedOrigins: string[] | null;
  /** ICE servers handed to clients in `welcome`; empty by default. */
  iceServers: IceServer[];
  /** TURN with per-login credentials, added to `iceServers`; off by default. */
  turn: TurnConfig | null;
  /** Largest accepted frame in UTF-8 bytes; bigger frames close with 1009. */
  maxFrameBytes: number;
  /** Token bucket refill per connection, messages per second. */
  ratePerSecond: number;
  /** Token bucket size: messages a connection may send in a burst. */
  rateBurst: number;
  /** Continuous rate-limit abuse for this long closes the socket with 1008. */
  abuseCloseMs: number;
  /** Open sockets per process; more are refused with 503. */
  maxConnections: number;
  /** A ringing call ends with `no-answer` after this long. */
  ringTimeoutMs: number;
  /** Deno pings an idle socket after this many seconds and drops it without a pong. */
  idleTimeoutSeconds: number;
  /** Longest chat text, in characters (code points), after trimming. */
  maxChatChars: number;
  /** Presence changes of a room are coalesced and sent once per tick. */
  presenceTickMs: number;
  /** A recipient that lets this many bytes queue up unread is dropped (1008). */
  maxBufferedBytes: number;
  /**
   * A recipient with this many bytes unsent is a slow reader: room chat and
   * presence wait for it (chat bounded, presence coalesced) while its call's
   * frames go ahead. See `congestion.ts`.
   */
  slowReaderBytes: number;
  /**
   * How long a `parley.v1` session whose connection dropped stays resumable
   * (and how long a call claimed after a restart waits for its peer).
   */
  resumeGraceMs: number;
  /**
   * Reverse proxies whose `X-Forwarded-For` names the client (exact
   * addresses); empty: the TCP peer is the client.
   */
  trustedProxies: string[];
  /** Open sockets (handshakes included) from one client address. */
  maxSocketsPerAddress: number;
  /** A socket that has not logged in this long after opening is closed (1008). */
  loginTimeoutMs: number;
  /**
   * Detached sessions (see `resumeGraceMs`) from one client address
   * (`SIGNALING_MAX_DROPPED_PER_ADDRESS`); when one more drops, the oldest
   * of them that is not in a call ends.
   */
  maxDetachedPerAddress: number;
  /** Members of one room, detached ones included; more logins get `room-full`. */
  maxRoomMembers: number;
}

/** Defaults, as documented in PROTOCOL.md. */
export const DEFAULT_CONFIG: Readonly<SignalingConfig> = Object.freeze({
  allowedOrigins: null,
  iceServers: [],
  turn: null,
  maxFrameBytes: 64 * 1024,
  ratePerSecond: 20,
  rateBurst: 60,
  abuseCloseMs: 3000,
  maxConnections: 10_000,
  ringTimeoutMs: 30_000,
  idleTimeoutSeconds: 30,
  maxChatChars: 2000,
  presenceTickMs: 50,
  maxBufferedBytes: 4 * 1024 * 1024,
  slowReaderBytes: 64 * 1024,
  resumeGraceMs: 30_000,
  trustedProxies: [],
  maxSocketsPerAddress: 64,
  loginTimeoutMs: 10_000,
  maxDetachedPerAddress: 8,
  maxRoomMembers: 1000,
});

type NumericKey = {
  [K in keyof SignalingConfig]: SignalingConfig[K] extends number ? K : never;
}[keyof SignalingConfig];

/** Environment variable → numeric setting, its smallest sane value, and meaning. */
const NUMERIC_ENV: ReadonlyArray<
  readonly [variable: string, key: NumericKey, min: number, meaning: string]
> = [
  [
    "SIGNALING_MAX_FRAME_BYTES",
    "maxFrameBytes",
    1024,
    "larger frames close with 1009",
  ],
  [
    "SIGNALING_RATE_PER_SECOND",
    "ratePerSecond",
    1,
    "token bucket refill per connection",
  ],
  ["SIGNALING_RATE_BURST", "rateBurst", 1, "token bucket size"],
  [
    "SIGNALING_ABUSE_CLOSE_MS",
    "abuseCloseMs",
    0,
    "continuous abuse before closing with 1008",
  ],
  [
    "SIGNALING_MAX_CONNECTIONS",
    "maxConnections",
    1,
    "sockets per process; more get 503",
  ],
  [
    "SIGNALING_RING_TIMEOUT_MS",
    "ringTimeoutMs",
    1,
    "ringing ends with no-answer",
  ],
  [
    "SIGNALING_IDLE_TIMEOUT_S",
    "idleTimeoutSeconds",
    1,
    "WebSocket ping interval / dead-peer timeout",
  ],
  ["SIGNALING_MAX_CHAT_CHARS", "maxChatChars", 1, "longest chat text"],
  [
    "SIGNALING_PRESENCE_TICK_MS",
    "presenceTickMs",
    0,
    "presence coalescing tick",
  ],
  [
    "SIGNALING_MAX_BUFFERED_BYTES",
    "maxBufferedBytes",
    1024,
    "unread bytes queued to a client before it is dropped (1008)",
  ],
  [
    "SIGNALING_SLOW_READER_BYTES",
    "slowReaderBytes",
    1024,
    "unsent bytes past which a client's room chat waits (and may be dropped) while its call goes ahead",
  ],
  [
    "SIGNALING_RESUME_GRACE_MS",
    "resumeGraceMs",
    0,
    "how long a dropped parley.v1 session stays resumable",
  ],
  [
    "SIGNALING_MAX_SOCKETS_PER_ADDRESS",
    "maxSocketsPerAddress",
    1,
    "open sockets from one client address; more get 429",
  ],
  [
    "SIGNALING_LOGIN_TIMEOUT_MS",
    "loginTimeoutMs",
    100,
    "a socket that has not logged in by then is closed (1008)",
  ],
  [
    "SIGNALING_MAX_DROPPED_PER_ADDRESS",
    "maxDetachedPerAddress",
    1,
    "dropped sessions awaiting a resume from one client address; past it the oldest ends",
  ],
  [
    "SIGNALING_MAX_ROOM_MEMBERS",
    "maxRoomMembers",
    2,
    "users in one room, dropped ones awaiting resume included; more get room-full",
  ],
];

/** A room lease lives this long unless `CLUSTER_LEASE_MS` says otherwise. */
export const DEFAULT_CLUSTER_LEASE_MS = 5000;

/** A request head must arrive this fast unless `HTTP_HEADERS_TIMEOUT_MS` says otherwise. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** A credential lives this long unless `TURN_TTL_SECONDS` says otherwise. */
export const DEFAULT_TURN_TTL_SECONDS = 600;

/** One environment variable: what it sets and its default, for the docs. */
export interface EnvVariable {
  name: string;
  /** The default as text; "—" when unset means off or "not configured". */
  default: string;
  meaning: string;
}

/**
 * Every environment variable Parley reads, in one place. README.md's Settings
 * table and PROTOCOL.md list the same ones (a test checks).
 */
export const ENVIRONMENT: readonly EnvVariable[] = [
  { name: "PORT", default: "8000", meaning: "port to listen on" },
  { name: "HOSTNAME", default: "0.0.0.0", meaning: "address to listen on" },
  {
    name: "ALLOWED_ORIGINS",
    default: "the request's own origin",
    meaning: "comma-separated origins allowed to open /ws; `*` for any",
  },
  {
    name: "ICE_SERVERS",
    default: "[]",
    meaning: "JSON array of RTCIceServer handed to clients",
  },
  {
    name: "STUN_URLS",
    default: "—",
    meaning: "comma-separated STUN URLs (used when ICE_SERVERS is unset)",
  },
  {
    name: "TURN_URLS",
    default: "—",
    meaning: "comma-separated turn:/turns: URLs of coturn; needs TURN_SECRET",
  },
  {
    name: "TURN_SECRET",
    default: "—",
    meaning: "coturn's static-auth-secret; per-login credentials are minted",
  },
  {
    name: "TURN_TTL_SECONDS",
    default: String(DEFAULT_TURN_TTL_SECONDS),
    meaning: "lifetime of a minted TURN credential, 1–3600 s",
  },
  {
    name: "HTTP_HEADERS_TIMEOUT_MS",
    default: String(DEFAULT_HEADERS_TIMEOUT_MS),
    meaning:
      "a connection whose request head has not arrived by then is closed (slow-header clients)",
  },
  {
    name: "TRUSTED_PROXIES",
    default: "—",
    meaning:
      "comma-separated reverse-proxy addresses whose X-Forwarded-For names the client, for per-address limits",
  },
  {
    name: "METRICS_TOKEN",
    default: "— (`/metrics` off)",
    meaning:
      "bearer token that `/metrics` requires (`Authorization: Bearer <token>`); at least 16 characters",
  },
  {
    name: "CLUSTER",
    default: "`redis` if REDIS_URL is set, else `none`",
    meaning:
      "shared store for several instances: `none` (one process), `redis` or `kv` (Deno KV)",
  },
  {
    name: "REDIS_URL",
    default: "—",
    meaning: "Redis for CLUSTER=redis, e.g. redis://redis.internal:6379",
  },
  {
    name: "KV_PATH",
    default: "Deno Deploy's built-in KV",
    meaning: "Deno KV database file for CLUSTER=kv (local runs)",
  },
  {
    name: "CLUSTER_LEASE_MS",
    default: String(DEFAULT_CLUSTER_LEASE_MS),
    meaning:
      "how long a room lease and an instance's liveness mark last unless renewed",
  },
  ...NUMERIC_ENV.map(([name, key, , meaning]) => ({
    name,
    default: String(DEFAULT_CONFIG[key]),
    meaning,
  })),
];

/** Several instances on a shared store (`CLUSTER`), or one process (`null`). */
export type ClusterConfig =
  | { store: "redis"; url: string; leaseMs: number }
  | { store: "kv"; path: string | null; leaseMs: number };

/**
 * Reads `CLUSTER`, `REDIS_URL`, `KV_PATH` and `CLUSTER_LEASE_MS`: `null` for
 * a single instance (the default, nothing to install).
 *
 * @throws {ConfigError} naming every invalid variable and what to set.
 */
export function clusterConfigFromEnv(
  get: (name: string) => string | undefined = readEnv,
): ClusterConfig | null {
  const problems: string[] = [];
  const url = get("REDIS_URL")?.trim() || undefined;
  const path = get("KV_PATH")?.trim() || null;
  const store = get("CLUSTER")?.trim().toLowerCase() ||
    (url ? "redis" : "none");
  const rawLease = get("CLUSTER_LEASE_MS")?.trim();
  let leaseMs = DEFAULT_CLUSTER_LEASE_MS;
  if (rawLease) {
    leaseMs = Number(rawLease);
    if (!Number.isInteger(leaseMs) || leaseMs < 500) {
      problems.push(
        `CLUSTER_LEASE_MS must be a whole number ≥ 500 (got "${rawLease}"); fix it or unset it for ${DEFAULT_CLUSTER_LEASE_MS}`,
      );
    }
  }
  if (store !== "none" && store !== "redis" && store !== "kv") {
    problems.push(
      `CLUSTER must be none, redis or kv (got "${store}"); unset it to run as one process`,
    );
  } else if (store === "redis" && !url) {
    problems.push(
      "CLUSTER=redis needs REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379",
    );
  } else if (url && !/^rediss?:\/\/[^\s]+$/.test(url)) {
    problems.push(
      `REDIS_URL must be a redis:// or rediss:// URL (got "${url}"), e.g. redis://127.0.0.1:6379`,
    );
  }
  if (problems.length) throw new ConfigError(problems.join("\n"));
  if (store === "redis") return { store, url: url!, leaseMs };
  if (store === "kv") return { store, path, leaseMs };
  return null;
}

/** A configuration problem; the message lists every bad setting and its fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Where the HTTP server listens. */
export interface ListenConfig {
  port: number;
  hostname: string;
  /** How long a connection may take to send a request head. */
  headersTimeoutMs: number;
}

/**
 * Reads `PORT` (default 8000, 0 picks a free port) and `HOSTNAME` (default
 * 0.0.0.0).
 *
 * @throws {ConfigError} naming the variable when a value is unusable.
 */
export function listenConfigFromEnv(
  get: (name: string) => string | undefined = readEnv,
): ListenConfig {
  const problems: string[] = [];
  const rawPort = get("PORT") ?? "8000";
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    problems.push(
      `PORT must be a whole number from 0 to 65535; got ${
        JSON.stringify(rawPort)
      }.`,
    );
  }
  const hostname = get("HOSTNAME") ?? "0.0.0.0";
  if (hostname.trim() === "") {
    problems.push("HOSTNAME must not be empty; unset it to listen on 0.0.0.0.");
  }
  const rawTimeout = get("HTTP_HEADERS_TIMEOUT_MS")?.trim();
  const headersTimeoutMs = rawTimeout
    ? Number(rawTimeout)
    : DEFAULT_HEADERS_TIMEOUT_MS;
  if (!Number.isInteger(headersTimeoutMs) || headersTimeoutMs < 100) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS must be a whole number ≥ 100 (got "${rawTimeout}"); fix it or unset it for ${DEFAULT_HEADERS_TIMEOUT_MS}`,
    );
  }
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return { port, hostname, headersTimeoutMs };
}

/** The shortest `METRICS_TOKEN` accepted: shorter ones are guessable. */
export const MIN_METRICS_TOKEN_CHARS = 16;

/**
 * Reads `METRICS_TOKEN`: the bearer token `/metrics` requires, or `null`
 * (unset or blank) to keep `/metrics` off.
 *
 * @throws {ConfigError} when the token is too short or has characters a
 *   bearer token cannot carry (RFC 6750's token68).
 */
export function metricsTokenFromEnv(
  get: (name: string) => string | undefined = readEnv,
): string | null {
  const token = get("METRICS_TOKEN")?.trim();
  if (!token) return null;
  if (
    token.length < MIN_METRICS_TOKEN_CHARS ||
    !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)
  ) {
    // Never quote the value: it is a secret, even when a bad one.
    throw new ConfigError(
      `METRICS_TOKEN must be at least ${MIN_METRICS_TOKEN_CHARS} characters of A–Z, a–z, 0–9, -._~+/ (e.g. the output of \`openssl rand -hex 32\`), or unset to keep /metrics off`,
    );
  }
  return token;
}

/**
 * Builds the signaling config from the environment variables in
 * {@linkcode ENVIRONMENT} (all but `PORT` and `HOSTNAME`, see
 * {@linkcode listenConfigFromEnv}). Unset variables keep their defaults.
 *
 * @param get reads one variable; defaults to `Deno.env.get`, treating a
 *   variable the process may not read as unset.
 * @throws {ConfigError} naming every invalid variable and what to set.
 */
export function configFromEnv(
  get: (name: string) => string | undefined = readEnv,
): SignalingConfig {
  const problems: string[] = [];
  const config: SignalingConfig = { ...DEFAULT_CONFIG };

  const origins = get("ALLOWED_ORIGINS")?.trim();
  if (origins) config.allowedOrigins = commaList(origins);

  const proxies = get("TRUSTED_PROXIES")?.trim();
  if (proxies) config.trustedProxies = commaList(proxies);

  const iceJson = get("ICE_SERVERS")?.trim();
  const stun = get("STUN_URLS")?.trim();
  if (iceJson) {
    try {
      config.iceServers = JSON.parse(iceJson);
    } catch {
      problems.push(
        `ICE_SERVERS is not valid JSON; set it to an array like [{"urls":"stun:stun.example.org:3478"}] or unset it`,
      );
    }
  } else if (stun) {
    config.iceServers = [{ urls: commaList(stun) }];
  }

  const turnUrls = get("TURN_URLS")?.trim();
  // A secret read from a file often ends in a newline coturn does not have.
  const turnSecret = get("TURN_SECRET")?.trim();
  const rawTtl = get("TURN_TTL_SECONDS")?.trim();
  let ttlSeconds = DEFAULT_TURN_TTL_SECONDS;
  if (rawTtl) {
    ttlSeconds = Number(rawTtl);
    if (!isTurnTtl(ttlSeconds)) {
      problems.push(
        `TURN_TTL_SECONDS must be a whole number from 1 to ${MAX_TURN_TTL_SECONDS} (got "${rawTtl}"); fix it or unset it for ${DEFAULT_TURN_TTL_SECONDS}`,
      );
    }
  }
  if (turnUrls && !turnSecret) {
    problems.push(
      "TURN_URLS is set but TURN_SECRET is not: set TURN_SECRET to coturn's static-auth-secret, or unset TURN_URLS",
    );
  } else if (turnSecret && !turnUrls) {
    problems.push(
      "TURN_SECRET is set but TURN_URLS is not: set TURN_URLS to your coturn's URLs (e.g. turn:turn.example.org:3478), or unset TURN_SECRET",
    );
  } else if (turnUrls && turnSecret) {
    config.turn = { urls: commaList(turnUrls), secret: turnSecret, ttlSeconds };
    const bad = config.turn.urls.find((u) => !isTurnUrl(u));
    if (bad !== undefined || config.turn.urls.length === 0) {
      problems.push(
        `TURN_URLS must be a comma-separated list of turn: or turns: URLs (got "${
          bad ?? turnUrls
        }"), e.g. TURN_URLS=turn:turn.example.org:3478,turns:turn.example.org:5349`,
      );
    }
  }

  for (const [variable, key, min] of NUMERIC_ENV) {
    const raw = get(variable)?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      problems.push(
        `${variable} must be a whole number ≥ ${min} (got "${raw}"); fix it or unset it for the default ${
          DEFAULT_CONFIG[key]
        }`,
      );
    } else {
      config[key] = value;
    }
  }

  if (problems.length) throw new ConfigError(problems.join("\n"));
  return resolveConfig(config);
}

/**
 * Fills in defaults for omitted settings and validates the result.
 * @throws {ConfigError} naming every invalid setting and what to set.
 */
export function resolveConfig(
  partial: Partial<SignalingConfig> = {},
): SignalingConfig {
  const config: SignalingConfig = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(partial)) {
    if (value !== undefined) {
      (config as unknown as Record<string, unknown>)[key] = value;
    }
  }
  const problems: string[] = [];
  for (const [, key, min] of NUMERIC_ENV) {
    const value = config[key];
    if (typeof value !== "number" || Number.isNaN(value) || value < min) {
      problems.push(
        `${key} must be a number ≥ ${min} (got ${
          String(value)
        }); pass a valid number or leave it out for ${DEFAULT_CONFIG[key]}`,
      );
    }
  }
  if (
    config.allowedOrigins !== null &&
    (!Array.isArray(config.allowedOrigins) ||
      !config.allowedOrigins.every((o) => typeof o === "string"))
  ) {
    problems.push(
      `allowedOrigins must be a list of origins like "https://parley.example" (ALLOWED_ORIGINS=https://a.example,https://b.example) or null for same-origin`,
    );
  }
  if (
    !Array.isArray(config.iceServers) || !config.iceServers.every(isIceServer)
  ) {
    problems.push(
      `iceServers must be an array of {urls, username?, credential?} objects (ICE_SERVERS='[{"urls":"stun:stun.example.org:3478"}]')`,
    );
  }
  if (
    !Array.isArray(config.trustedProxies) ||
    !config.trustedProxies.every((p) => typeof p === "string")
  ) {
    problems.push(
      `trustedProxies must be a list of addresses like "127.0.0.1" (TRUSTED_PROXIES=10.0.0.5,10.0.0.6)`,
    );
  }
  if (config.turn !== null) problems.push(...turnProblems(config.turn));
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return config;
}

/** What is wrong with a TURN setting; never quotes the secret. */
function turnProblems(turn: TurnConfig): string[] {
  const problems: string[] = [];
  if (typeof turn !== "object") {
    return ["turn must be {urls, secret, ttlSeconds} or null"];
  }
  if (
    !Array.isArray(turn.urls) || turn.urls.length === 0 ||
    !turn.urls.every(isTurnUrl)
  ) {
    problems.push(
      `turn.urls must be a non-empty list of turn: or turns: URLs (TURN_URLS=turn:turn.example.org:3478)`,
    );
  }
  if (typeof turn.secret !== "string" || turn.secret === "") {
    problems.push(
      "turn.secret must be coturn's static-auth-secret, a non-empty string (TURN_SECRET)",
    );
  }
  if (!isTurnTtl(turn.ttlSeconds)) {
    problems.push(
      `turn.ttlSeconds must be a whole number from 1 to ${MAX_TURN_TTL_SECONDS} (TURN_TTL_SECONDS)`,
    );
  }
  return problems;
}

function isTurnUrl(url: unknown): boolean {
  return typeof url === "string" && /^turns?:[^\s]+$/.test(url);
}

function isTurnTtl(seconds: unknown): seconds is number {
  return Number.isInteger(seconds) && (seconds as number) >= 1 &&
    (seconds as number) <= MAX_TURN_TTL_SECONDS;
}

function commaList(text: string): string[] {
  return text.split(",").map((item) => item.trim()).filter(Boolean);
}

function isIceServer(value: unknown): value is IceServer {
  if (typeof value !== "object" || value === null) return false;
  const { urls, username, credential } = value as Record<string, unknown>;
  const urlsOk = typeof urls === "string" ||
    (Array.isArray(urls) && urls.length > 0 &&
      urls.every((u) => typeof u === "string"));
  return urlsOk && (username === undefined || typeof username === "string") &&
    (credential === undefined || typeof credential === "string");
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // No env permission for this variable: behave as if it were unset.
    return undefined;
  }
}
