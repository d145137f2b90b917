/**
 * Settings: {@linkcode readConfig} turns the environment into a
 * {@linkcode ParleyConfig}, or into messages naming each bad variable and
 * what to set. Every variable, with its default, range and meaning, is
 * declared once in `config_schema.ts`; this module assembles what the schema
 * parsed and applies the rules that span variables. Read once at start.
 */

import {
  type EnvGetter,
  hasScheme,
  inRange,
  parseSettings,
  rangeText,
  type Sections,
} from "./config_parse.ts";
import {
  type IntSetting,
  type ListSetting,
  type SettingField,
  settingFor,
  SETTINGS,
} from "./config_schema.ts";

export type { EnvGetter } from "./config_parse.ts";

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
   * Lifetime of a minted credential in seconds. Short, because a leaked one
   * is a free relay until then; the client asks for fresh ones during a
   * long call.
   */
  ttlSeconds: number;
}

/**
 * Everything the signaling server can be tuned with. Defaults, ranges and
 * the variables that set them: `config_schema.ts`.
 */
export interface SignalingConfig {
  /**
   * Origins allowed to open a socket (exact `scheme://host[:port]`). `null`:
   * only the request's own origin (Origin host equals the Host header).
   * `["*"]`: any origin. Requests without an Origin header (non-browser
   * clients) are always allowed.
   */
  allowedOrigins: string[] | null;
  /** ICE servers handed to clients in `welcome`. */
  iceServers: IceServer[];
  /** TURN with per-login credentials, added to `iceServers`; `null`: off. */
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
   * Detached sessions (see `resumeGraceMs`) from one client address; when
   * one more drops, the oldest of them that is not in a call ends.
   */
  maxDetachedPerAddress: number;
  /** Members of one room, detached ones included; more logins get `room-full`. */
  maxRoomMembers: number;
}

/** Several instances on a shared store, or one process (`null`). */
export type ClusterConfig =
  | { store: "redis"; url: string; leaseMs: number }
  | { store: "kv"; path: string | null; leaseMs: number };

/** Where the HTTP server listens. */
export interface ListenConfig {
  /** 0 picks a free port. */
  port: number;
  hostname: string;
  /** How long a connection may take to send a request head. */
  headersTimeoutMs: number;
}

/** Everything the server is started with. */
export interface ParleyConfig {
  listen: ListenConfig;
  signaling: SignalingConfig;
  /** The shared store of several instances; `null`: one process. */
  cluster: ClusterConfig | null;
  /** The bearer token `/metrics` requires; `null`: `/metrics` is off. */
  metricsToken: string | null;
}

/** A configuration problem; the message lists every bad setting and its fix. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Environment variables as from `Deno.env.toObject()`. */
export type EnvRecord = Record<string, string | undefined>;

/** What {@linkcode readConfig} found: a configuration, or what to fix. */
export type ConfigReading =
  | { config: ParleyConfig }
  | { errors: string[] };

/**
 * Reads every variable of `config_schema.ts` from `env`: unset ones take
 * their defaults. Errors name each bad variable and say what to set; a
 * secret is never quoted.
 */
export function readConfig(env: EnvRecord | EnvGetter): ConfigReading {
  const get = typeof env === "function" ? env : (name: string) => env[name];
  const { sections, problems, refused } = parseSettings(SETTINGS, get);
  const config = assemble(sections, refused, problems);
  return problems.length ? { errors: problems } : { config };
}

/**
 * `Deno.env.get`, treating a variable the process may not read as unset
 * (without prompting), so a process with narrow `--allow-env` starts on its
 * defaults.
 */
export const processEnv: EnvGetter = (name) => {
  const access = Deno.permissions.querySync({ name: "env", variable: name });
  return access.state === "granted" ? Deno.env.get(name) : undefined;
};

/** The relay's defaults: what an empty environment gives. */
export const DEFAULT_CONFIG: Readonly<SignalingConfig> = Object.freeze(
  assemble(parseSettings(SETTINGS, () => undefined).sections, new Set(), [])
    .signaling,
);

/** A TURN credential lives this long unless `TURN_TTL_SECONDS` says otherwise. */
export const DEFAULT_TURN_TTL_SECONDS =
  (settingFor("turn.ttlSeconds") as IntSetting).default;

/** Builds the configuration from parsed sections, adding cross-variable problems. */
function assemble(
  sections: Sections,
  refused: Set<string>,
  problems: string[],
): ParleyConfig {
  return {
    listen: sections.listen as unknown as ListenConfig,
    signaling: {
      ...sections.signaling,
      iceServers: iceServers(sections.ice, problems),
      turn: turn(sections.turn, refused, problems),
    } as unknown as SignalingConfig,
    cluster: cluster(sections.cluster, refused, problems),
    metricsToken: (sections.web.metricsToken as string | undefined) ?? null,
  };
}

/** The variable that fills `field`. */
function nameOf(field: SettingField): string {
  return settingFor(field).name;
}

/** `ICE_SERVERS` when set, else one entry with the `STUN_URLS`. */
function iceServers(
  section: Record<string, unknown>,
  problems: string[],
): IceServer[] {
  const { servers, stunUrls } = section as {
    servers?: unknown;
    stunUrls?: string[];
  };
  if (servers === undefined) {
    return stunUrls?.length ? [{ urls: stunUrls }] : [];
  }
  if (isIceServerList(servers)) return servers;
  problems.push(
    `${
      nameOf("ice.servers")
    } must be a JSON array of {urls, username?, credential?} objects, e.g. ${
      envHint("ice.servers")
    }; fix it or unset it`,
  );
  return [];
}

/** TURN needs both its URLs and its secret; either alone is a mistake. */
function turn(
  section: Record<string, unknown>,
  refused: Set<string>,
  problems: string[],
): TurnConfig | null {
  const { urls, secret, ttlSeconds } = section as Partial<TurnConfig> & {
    ttlSeconds: number;
  };
  if (urls && secret) return { urls, secret, ttlSeconds };
  // A refused value is reported already; its absence is no second problem.
  if (refused.has("turn.urls") || refused.has("turn.secret")) return null;
  const [u, s] = [nameOf("turn.urls"), nameOf("turn.secret")];
  if (urls) {
    problems.push(
      `${u} is set but ${s} is not: set ${s} to coturn's static-auth-secret, or unset ${u}`,
    );
  } else if (secret) {
    problems.push(
      `${s} is set but ${u} is not: set ${u} to your coturn's URLs (e.g. turn:turn.example.org:3478), or unset ${s}`,
    );
  }
  return null;
}

/** The store named, or Redis when only its URL is given; `null`: one process. */
function cluster(
  section: Record<string, unknown>,
  refused: Set<string>,
  problems: string[],
): ClusterConfig | null {
  const { store, url, path, leaseMs } = section as {
    store?: string;
    url?: string;
    path?: string;
    leaseMs: number;
  };
  const chosen = store ?? (url ? "redis" : "none");
  if (chosen === "kv") return { store: "kv", path: path ?? null, leaseMs };
  if (chosen !== "redis") return null;
  if (url) return { store: "redis", url, leaseMs };
  if (!refused.has("cluster.url")) {
    problems.push(
      `${nameOf("cluster.store")}=redis needs ${nameOf("cluster.url")}, e.g. ${
        envHint("cluster.url")
      }`,
    );
  }
  return null;
}

type NumericKey = {
  [K in keyof SignalingConfig]: SignalingConfig[K] extends number ? K : never;
}[keyof SignalingConfig];

/**
 * Fills in defaults for omitted settings and checks the result against the
 * same ranges as the environment's.
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
  for (const setting of SETTINGS) {
    const [section, key] = setting.field.split(".");
    if (setting.kind !== "int" || section !== "signaling") continue;
    const value = config[key as NumericKey];
    if (
      typeof value !== "number" || Number.isNaN(value) ||
      !inRange(setting, value)
    ) {
      problems.push(
        `${key} must be a number ${rangeText(setting)} (got ${
          String(value)
        }); pass a valid number or leave it out for the default ${setting.default}`,
      );
    }
  }
  if (
    config.allowedOrigins !== null && !isStringList(config.allowedOrigins)
  ) {
    problems.push(
      `allowedOrigins must be a list of origins like "https://parley.example" (${
        envHint("signaling.allowedOrigins")
      }) or null for same-origin`,
    );
  }
  if (!isIceServerList(config.iceServers)) {
    problems.push(
      `iceServers must be an array of {urls, username?, credential?} objects (${
        envHint("ice.servers")
      })`,
    );
  }
  if (!isStringList(config.trustedProxies)) {
    problems.push(
      `trustedProxies must be a list of addresses like "127.0.0.1" (${
        envHint("signaling.trustedProxies")
      })`,
    );
  }
  if (config.turn !== null) problems.push(...turnProblems(config.turn));
  if (problems.length) throw new ConfigError(problems.join("\n"));
  return config;
}

/** What is wrong with a TURN setting; never quotes the secret. */
function turnProblems(turn: TurnConfig): string[] {
  if (typeof turn !== "object") {
    return ["turn must be {urls, secret, ttlSeconds} or null"];
  }
  const problems: string[] = [];
  const { schemes = [] } = settingFor("turn.urls") as ListSetting;
  if (
    !isStringList(turn.urls) || turn.urls.length === 0 ||
    !turn.urls.every((url) => hasScheme(url, schemes))
  ) {
    problems.push(
      `turn.urls must be a non-empty list of ${
        schemes.map((scheme) => `${scheme}:`).join(" or ")
      } URLs (${envHint("turn.urls")})`,
    );
  }
  if (typeof turn.secret !== "string" || turn.secret === "") {
    problems.push(
      `turn.secret must be coturn's static-auth-secret, a non-empty string (${
        envHint("turn.secret")
      })`,
    );
  }
  const ttl = settingFor("turn.ttlSeconds") as IntSetting;
  if (!Number.isInteger(turn.ttlSeconds) || !inRange(ttl, turn.ttlSeconds)) {
    problems.push(
      `turn.ttlSeconds must be a whole number ${rangeText(ttl)} (${ttl.name})`,
    );
  }
  return problems;
}

/** The variable that sets `field`, with a good value when the schema has one. */
function envHint(field: SettingField): string {
  const { name, example } = settingFor(field);
  return example ? `${name}=${example}` : name;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isIceServerList(value: unknown): value is IceServer[] {
  return Array.isArray(value) && value.every(isIceServer);
}

function isIceServer(value: unknown): value is IceServer {
  if (typeof value !== "object" || value === null) return false;
  const { urls, username, credential } = value as Record<string, unknown>;
  const urlsOk = typeof urls === "string" ||
    (isStringList(urls) && urls.length > 0);
  return urlsOk && (username === undefined || typeof username === "string") &&
    (credential === undefined || typeof credential === "string");
}
