/**
 * Signaling limits and settings: defaults, environment variables, and the
 * validation that turns a bad value into an error saying what to set instead.
 */

/** An entry of `RTCConfiguration.iceServers`, passed to clients in `welcome`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
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
}

/** Defaults, as documented in PROTOCOL.md. */
export const DEFAULT_CONFIG: Readonly<SignalingConfig> = Object.freeze({
  allowedOrigins: null,
  iceServers: [],
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
});

/** A configuration problem; the message lists every bad setting and its fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type NumericKey = {
  [K in keyof SignalingConfig]: SignalingConfig[K] extends number ? K : never;
}[keyof SignalingConfig];

/** Environment variable → numeric setting, with the smallest sane value. */
const NUMERIC_ENV: ReadonlyArray<[string, NumericKey, number]> = [
  ["SIGNALING_MAX_FRAME_BYTES", "maxFrameBytes", 1024],
  ["SIGNALING_RATE_PER_SECOND", "ratePerSecond", 1],
  ["SIGNALING_RATE_BURST", "rateBurst", 1],
  ["SIGNALING_ABUSE_CLOSE_MS", "abuseCloseMs", 0],
  ["SIGNALING_MAX_CONNECTIONS", "maxConnections", 1],
  ["SIGNALING_RING_TIMEOUT_MS", "ringTimeoutMs", 1],
  ["SIGNALING_IDLE_TIMEOUT_S", "idleTimeoutSeconds", 1],
  ["SIGNALING_MAX_CHAT_CHARS", "maxChatChars", 1],
  ["SIGNALING_PRESENCE_TICK_MS", "presenceTickMs", 0],
  ["SIGNALING_MAX_BUFFERED_BYTES", "maxBufferedBytes", 1024],
];

/**
 * Builds a config from environment variables (listed in PROTOCOL.md):
 * `ALLOWED_ORIGINS`, `ICE_SERVERS` (JSON) or `STUN_URLS` (comma list), and the
 * `SIGNALING_*` numbers. Unset variables keep their defaults.
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
  if (origins) {
    config.allowedOrigins = origins.split(",").map((o) => o.trim()).filter(
      Boolean,
    );
  }

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
    config.iceServers = [{
      urls: stun.split(",").map((u) => u.trim()).filter(Boolean),
    }];
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
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return config;
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
