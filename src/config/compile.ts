/**
 * Compiles a validated config file into the frozen runtime config that request code reads:
 * tenants indexed by id, key hashes decoded, cross-references checked, relative paths resolved.
 * Request code never sees the raw file (the Envoy AI Gateway habit).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type AdminToken, compileAdminToken, openAdminProblem } from "../admin/access.js";
import type { CameraSource, Environment } from "../pipeline/classify-request/facts.js";
import type { Agency, Jurisdiction } from "../pipeline/identify-tenant/agency.js";
import { isAddressOrCidr } from "./addresses.js";
import { jurisdictionProblem } from "./jurisdictions.js";
import { ConfigError } from "./load.js";
import type {
  CustomerConfig,
  GatewayConfigFile,
  KeyEntry,
  TenantConfig,
  UpstreamConfig,
} from "./schema.js";
import { AZURE_PUBLIC, cloudOfEndpoint } from "./sovereign.js";
import {
  type AppOwner,
  compileAppIds,
  compileTokenAuth,
  type RuntimeTokenAuth,
} from "./token-auth.js";

/**
 * The HMAC key of `audit.endUser: hash` when the config names none: random per process, so end
 * users stay correlatable within a run (and across reloads) but not across restarts.
 */
const PROCESS_SECRET = randomBytes(32).toString("base64url");

/** A tenant as the pipeline sees it. */
export interface RuntimeTenant {
  id: string;
  name: string;
  /** The tenant acting for itself. */
  agency: Agency;
  /** Agencies of the customers it may act for (`x-gateway-on-behalf-of`). */
  customers: ReadonlyMap<string, Agency>;
  camera: {
    default: CameraSource | undefined;
    environment: Environment | undefined;
    declaredAllowed: boolean;
  };
  userSecurityContext: boolean;
  /** `entraTenantId` of the tenant, and of each customer that has one (GUIDs). */
  entraTenantIds: { tenant: string | undefined; customers: ReadonlyMap<string, string> };
  /** Calls may name stored objects the gateway never saw (audited as unenforced). */
  externalObjectsAllowed: boolean;
  /** `realtime.webrtc: allow`: WebRTC/SIP realtime calls forwarded, audited as unenforced. */
  webrtcAllowed: boolean;
  /** Caps enforced per tenant (docs/configuration.md#limits). */
  limits: TenantLimits;
}

/** A tenant's caps, with the config's defaults applied. */
export interface TenantLimits {
  /** Requests of the tenant in flight at once on this replica; null: no cap. */
  maxConcurrentRequests: number | null;
  /** Per customer id: requests made on its behalf in flight at once (customers with a cap only). */
  customerMaxConcurrentRequests: ReadonlyMap<string, number>;
  /** What-if calls per minute. */
  whatIfPerMinute: number;
  /** Requests per minute, fleet-wide; null: no limit. */
  requestsPerMinute: number | null;
  /** Tokens per minute, fleet-wide; null: no limit. */
  tokensPerMinute: number | null;
  /** Per customer id: its requests and tokens per minute (customers with a limit only). */
  customerRates: ReadonlyMap<
    string,
    { requestsPerMinute: number | null; tokensPerMinute: number | null }
  >;
}

/** `store` as the runtime reads it (docs/operations.md "Running a fleet"). */
export interface RuntimeStore {
  type: "memory" | "redis";
  /** The Redis URL (may hold a password: never log it). */
  url: string | null;
  keyPrefix: string;
  timeoutMs: number;
  onError: "allow" | "deny";
  entraId: { username: string; scope: string; managedIdentityClientId: string | undefined } | null;
}

export type UpstreamAuth =
  | { type: "api-key"; apiKey: string }
  | {
      type: "entra-id";
      scope: string;
      managedIdentityClientId: string | undefined;
      /** The Entra authority (sovereign clouds); undefined: `@azure/identity`'s default. */
      authorityHost: string | undefined;
    };

/** An upstream as the forwarder sees it; `endpoint` is an origin URL, or `simulator`. */
export interface RuntimeUpstream {
  name: string;
  endpoint: string;
  /** Path prefix of the endpoint URL (usually empty), prepended to forwarded paths. */
  basePath: string;
  auth: UpstreamAuth;
  deployments: ReadonlySet<string> | null;
  priority: number;
  weight: number;
  connections: number;
  /** Circuit breaker: opens after `failures` consecutive failures (0: never), for `openMs`. */
  breaker: { failures: number; openMs: number };
}

/**
 * One configured key: whose it is and the id the audit records for it (never the key). A key
 * scoped to a customer identifies the tenant and the customer it acts for.
 */
export interface RuntimeKey {
  /** The 32-byte SHA-256 of the key. */
  hash: Buffer;
  tenantId: string;
  /** Set for a customer-scoped key (`tenants[].customers[].keys`). */
  customerId?: string;
  /**
   * `keyId` of the audit: the key's configured `id`, or the first 12 hex digits of the hash
   * (docs/audit.md).
   */
  keyId: string;
}

/** Length of a key id: the first 12 hex digits of the key's SHA-256, as in the config file. */
export const KEY_ID_LENGTH = 12;

/** The compiled, frozen config. */
export interface RuntimeConfig {
  file: string;
  baseDir: string;
  listen: {
    host: string;
    port: number;
    tls: { cert: string; key: string } | null;
    /** Addresses and CIDR ranges whose `X-Forwarded-For` is believed (Fastify's `trustProxy`). */
    trustedProxies: readonly string[];
  };
  admin: {
    host: string;
    port: number;
    /** `admin.token`, kept as its hash (src/admin/access.ts). */
    token: AdminToken;
    decisions: { windowMs: number; maxRecords: number };
  };
  mode: "enforce" | "dry-run";
  realtime: {
    maxMessageBytes: number;
    maxQueuedBytes: number;
    maxContextChars: number;
    handshakeTimeoutMs: number;
  };
  limits: {
    maxBodyBytes: number;
    upstreamTimeoutMs: number;
    connectTimeoutMs: number;
    bodyIdleTimeoutMs: number;
    bodyTimeoutMs: number;
    maxStoredObjects: number;
    defaultMaxOutputTokens: number;
  };
  store: RuntimeStore;
  /** The model behind each deployment named with `{ name, model }` in `upstreams[].deployments`. */
  models: ReadonlyMap<string, string>;
  upstreams: readonly RuntimeUpstream[];
  tenants: ReadonlyMap<string, RuntimeTenant>;
  /** Every configured key hash (tenant and customer keys), for the constant-time scan. */
  keys: readonly RuntimeKey[];
  /** Trusted token issuers (`tokenAuth`); null: bearer JWTs are not accepted. */
  tokenAuth: RuntimeTokenAuth | null;
  /** App id (lower-case) → the tenant, and customer, its tokens identify (`appIds`). */
  apps: ReadonlyMap<string, AppOwner>;
  defaultTenant: RuntimeTenant | null;
  policy: { schema: string; files: readonly string[]; tests: readonly string[]; memoSize: number };
  classification: {
    liveFrameRate: { frames: number; withinMs: number };
    /** `classification.exifLiveMaxAgeSeconds`, in milliseconds. */
    exifLiveMaxAgeMs: number;
    cameraCatalogue: string;
    /** Whether the learned purpose model joins the rules. */
    purposeModel: boolean;
    /** The judge of the uncertain band, or null when none is configured. */
    judge: RuntimeJudge | null;
  };
  audit: {
    destination: "stdout" | string;
    /** Null: no rotation (and always null for stdout). */
    rotate: { maxBytes: number; maxFiles: number | null } | null;
    anchor: { everyRecords: number; everySeconds: number };
    /** How the end user a call names is recorded (docs/audit.md "End user"). */
    endUser: { mode: "plain" | "hash" | "off"; secret: string };
  };
  reload: { watch: boolean; debounceMs: number };
  shutdown: { deadlineMs: number };
  tracing: { enabled: boolean };
  log: { level: string };
}

/** `classification.judge` as the runtime reads it (docs/classifier.md, "The judge"). */
export interface RuntimeJudge {
  upstream: string;
  deployment: string;
  timeoutMs: number;
  mayClear: boolean;
  /** Also ask on image calls scored `none` whose decision would change at `certain`. */
  screen: boolean;
  maxConcurrent: number;
  cacheMs: number;
  cacheEntries: number;
  maxChars: number;
  apiVersion: string;
  /** Jurisdiction code (`US`, `US-CA`) → upstream name. */
  byJurisdiction: ReadonlyMap<string, string>;
}

function compileJudge(judge: GatewayConfigFile["classification"]["judge"]): RuntimeJudge | null {
  if (judge === undefined) return null;
  return {
    upstream: judge.upstream,
    deployment: judge.deployment,
    timeoutMs: judge.timeoutMs,
    mayClear: judge.mayClear,
    screen: judge.screen,
    maxConcurrent: judge.maxConcurrent,
    cacheMs: judge.cacheSeconds * 1000,
    cacheEntries: judge.cacheEntries,
    maxChars: judge.maxChars,
    apiVersion: judge.apiVersion,
    byJurisdiction: new Map(Object.entries(judge.byJurisdiction ?? {})),
  };
}

/** Azure OpenAI's token scope for Entra ID. */
export const DEFAULT_ENTRA_SCOPE = AZURE_PUBLIC.scope;

function parseJurisdiction(code: string): Jurisdiction {
  const [country, sub] = code.split("-");
  return sub === undefined ? { country: country! } : { country: country!, subdivision: code };
}

function agencyOf(
  tenant: TenantConfig,
  who: TenantConfig | CustomerConfig,
  onBehalfOf?: string,
): Agency {
  const agency: Agency = {
    id: who.id,
    tenantId: tenant.id,
    agencyType: who.agencyType,
    jurisdiction: parseJurisdiction(who.jurisdiction),
    consentAttested: (who.consent ?? "none") === "attested",
    tenantAgencyType: tenant.agencyType,
  };
  if (onBehalfOf !== undefined) agency.onBehalfOf = onBehalfOf;
  return agency;
}

/**
 * An upstream's Entra ID auth: scope and authority as configured, else those of the cloud its
 * endpoint is in (`*.openai.azure.us`: Azure Government). The public cloud's authority is left
 * to `@azure/identity` (and its `AZURE_AUTHORITY_HOST`).
 */
function entraAuth(
  auth: Extract<UpstreamConfig["auth"], { type: "entra-id" }>,
  endpoint: string,
): UpstreamAuth {
  const cloud = cloudOfEndpoint(endpoint);
  const derived = cloud === AZURE_PUBLIC ? undefined : cloud.authorityHost;
  return {
    type: "entra-id",
    scope: auth.scope ?? cloud.scope,
    managedIdentityClientId: auth.managedIdentityClientId,
    authorityHost: auth.authorityHost?.replace(/\/+$/, "") ?? derived,
  };
}

function compileUpstream(u: UpstreamConfig, problems: string[], i: number): RuntimeUpstream {
  let endpoint = u.endpoint;
  let basePath = "";
  if (endpoint !== "simulator") {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
      endpoint = url.origin;
      basePath = url.pathname.replace(/\/+$/, "");
    } catch {
      problems.push(
        `/upstreams/${i}/endpoint: expected an http(s) URL or \`simulator\` (got \`${u.endpoint}\`)`,
      );
    }
  }
  if (u.auth.type === "api-key" && endpoint !== "simulator" && u.auth.apiKey === "") {
    problems.push(
      `/upstreams/${i}/auth/apiKey: an api key is required for endpoint \`${u.endpoint}\``,
    );
  }
  const auth: UpstreamAuth =
    u.auth.type === "api-key"
      ? { type: "api-key", apiKey: u.auth.apiKey }
      : entraAuth(u.auth, endpoint);
  return {
    name: u.name,
    endpoint,
    basePath,
    auth,
    deployments: u.deployments
      ? new Set(u.deployments.map((d) => (typeof d === "string" ? d : d.name)))
      : null,
    priority: u.priority ?? 0,
    weight: u.weight ?? 1,
    connections: u.connections ?? 128,
    breaker: { failures: u.breaker?.failures ?? 5, openMs: u.breaker?.openMs ?? 30_000 },
  };
}

function refuseMutation(): never {
  throw new TypeError("the runtime config is frozen");
}

/**
 * Deep-freezes a value so no request can change the config it runs on. `Object.freeze` does not
 * stop `Map#set`, so maps and sets get their mutators replaced by ones that throw.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  if (Buffer.isBuffer(value)) return value; // typed arrays cannot be frozen
  if (value instanceof Map || value instanceof Set) {
    for (const v of value.values()) deepFreeze(v);
    for (const name of ["set", "add", "delete", "clear"]) {
      if (name in value) Object.defineProperty(value, name, { value: refuseMutation });
    }
  } else {
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return Object.freeze(value);
}

/** Compiles a validated config file; `file` is its path (relative paths resolve against it). */
export function compileConfig(cfg: GatewayConfigFile, file: string): RuntimeConfig {
  const problems: string[] = [];
  const baseDir = dirname(resolve(file));

  const upstreamNames = new Set<string>();
  const upstreams = cfg.upstreams.map((u, i) => {
    if (upstreamNames.has(u.name))
      problems.push(`/upstreams/${i}/name: duplicate upstream \`${u.name}\``);
    upstreamNames.add(u.name);
    return compileUpstream(u, problems, i);
  });

  const tenants = new Map<string, RuntimeTenant>();
  const keys: RuntimeKey[] = [];
  // Every key hash once, wherever it is listed: a key must name one tenant and at most one customer.
  const keyOwners = new Map<string, string>();
  const keyIds = new Map<string, string>();
  const addKey = (entry: KeyEntry, where: string, tenantId: string, customerId?: string) => {
    const k = typeof entry === "string" ? entry : entry.hash;
    if (typeof entry !== "string") {
      const used = keyIds.get(entry.id);
      if (used !== undefined) {
        problems.push(`${where}/id: key id \`${entry.id}\` already used at ${used}`);
        return;
      }
      keyIds.set(entry.id, where);
    }
    const first = keyOwners.get(k);
    if (first !== undefined) {
      problems.push(`${where}: key hash already used by ${first}: a key identifies one agency`);
      return;
    }
    const owner =
      customerId === undefined ? `tenant \`${tenantId}\`` : `customer \`${customerId}\``;
    keyOwners.set(k, `${owner} (${where})`);
    const hex = k.slice("sha256:".length);
    const key: RuntimeKey = {
      hash: Buffer.from(hex, "hex"),
      tenantId,
      keyId: typeof entry === "string" ? hex.slice(0, KEY_ID_LENGTH) : entry.id,
    };
    if (customerId !== undefined) key.customerId = customerId;
    keys.push(key);
  };
  const checkJurisdiction = (code: string, where: string) => {
    const problem = jurisdictionProblem(code);
    if (problem !== null) problems.push(`${where}: ${problem}`);
  };
  cfg.tenants.forEach((t, i) => {
    checkJurisdiction(t.jurisdiction, `/tenants/${i}/jurisdiction`);
    if (tenants.has(t.id)) problems.push(`/tenants/${i}/id: duplicate tenant \`${t.id}\``);
    t.keys.forEach((k, j) => {
      addKey(k, `/tenants/${i}/keys/${j}`, t.id);
    });
    const customers = new Map<string, Agency>();
    (t.customers ?? []).forEach((c, j) => {
      checkJurisdiction(c.jurisdiction, `/tenants/${i}/customers/${j}/jurisdiction`);
      if (customers.has(c.id)) {
        problems.push(`/tenants/${i}/customers/${j}/id: duplicate customer \`${c.id}\``);
      }
      customers.set(c.id, agencyOf(t, c, c.id));
      (c.keys ?? []).forEach((k, n) => {
        addKey(k, `/tenants/${i}/customers/${j}/keys/${n}`, t.id, c.id);
      });
    });
    tenants.set(t.id, {
      id: t.id,
      name: t.name ?? t.id,
      agency: agencyOf(t, t),
      customers,
      camera: {
        default: t.camera?.default,
        environment: t.camera?.environment,
        declaredAllowed: (t.camera?.declared ?? "allow") === "allow",
      },
      userSecurityContext: t.userSecurityContext ?? false,
      entraTenantIds: {
        tenant: t.entraTenantId,
        customers: new Map(
          (t.customers ?? []).flatMap((c) =>
            c.entraTenantId === undefined ? [] : [[c.id, c.entraTenantId] as const],
          ),
        ),
      },
      externalObjectsAllowed: t.externalObjects === "allow",
      webrtcAllowed: t.realtime?.webrtc === "allow",
      limits: {
        maxConcurrentRequests: t.limits?.maxConcurrentRequests ?? null,
        customerMaxConcurrentRequests: new Map(
          (t.customers ?? []).flatMap((c) =>
            c.limits?.maxConcurrentRequests === undefined
              ? []
              : [[c.id, c.limits.maxConcurrentRequests] as const],
          ),
        ),
        whatIfPerMinute: t.limits?.whatIfPerMinute ?? cfg.whatIf.perTenantPerMinute,
        requestsPerMinute: t.limits?.requestsPerMinute ?? null,
        tokensPerMinute: t.limits?.tokensPerMinute ?? null,
        customerRates: new Map(
          (t.customers ?? []).flatMap((c) =>
            c.limits?.requestsPerMinute === undefined && c.limits?.tokensPerMinute === undefined
              ? []
              : [
                  [
                    c.id,
                    {
                      requestsPerMinute: c.limits.requestsPerMinute ?? null,
                      tokensPerMinute: c.limits.tokensPerMinute ?? null,
                    },
                  ] as const,
                ],
          ),
        ),
      },
    });
  });

  let defaultTenant: RuntimeTenant | null = null;
  if (cfg.defaultTenant !== null) {
    defaultTenant = tenants.get(cfg.defaultTenant) ?? null;
    if (defaultTenant === null) {
      problems.push(`/defaultTenant: no tenant \`${cfg.defaultTenant}\` is declared`);
    }
  }
  if (cfg.listen.tls !== undefined) {
    for (const which of ["cert", "key"] as const) {
      const path = resolve(baseDir, cfg.listen.tls[which]);
      let pem = "";
      try {
        pem = readFileSync(path, "utf8");
      } catch (err) {
        problems.push(`/listen/tls/${which}: cannot read \`${path}\`: ${(err as Error).message}`);
        continue;
      }
      if (!pem.includes("-----BEGIN ")) {
        problems.push(`/listen/tls/${which}: \`${path}\` is not a PEM file`);
      }
    }
  }
  if (cfg.store.type === "redis" && cfg.store.url === undefined) {
    problems.push("/store/url: a redis store needs `url` (redis:// or rediss://)");
  }
  const models = new Map<string, string>(Object.entries(cfg.models ?? {}));
  cfg.upstreams.forEach((u, i) => {
    (u.deployments ?? []).forEach((d, j) => {
      if (typeof d === "string") return;
      const known = models.get(d.name);
      if (known !== undefined && known !== d.model) {
        problems.push(
          `/upstreams/${i}/deployments/${j}/model: deployment \`${d.name}\` is \`${known}\` elsewhere in the config (another upstream or \`models\`)`,
        );
      }
      models.set(d.name, d.model);
    });
  });
  (cfg.listen.trustedProxies ?? []).forEach((p, i) => {
    if (!isAddressOrCidr(p)) {
      problems.push(`/listen/trustedProxies/${i}: \`${p}\` is not an IP address or CIDR range`);
    }
  });
  const adminToken = compileAdminToken(cfg.admin.token);
  const adminProblem =
    typeof adminToken === "string" ? adminToken : openAdminProblem(cfg.admin.host, adminToken);
  if (adminProblem !== null) problems.push(adminProblem);
  if (cfg.audit.rotate !== undefined && cfg.audit.destination === "stdout") {
    problems.push("/audit/rotate: rotation needs a file destination, not `stdout`");
  }
  const judge = cfg.classification.judge;
  if (judge !== undefined) {
    const named = new Set(upstreams.map((u) => u.name));
    const refs: [string, string][] = [["/classification/judge/upstream", judge.upstream]];
    for (const [j, name] of Object.entries(judge.byJurisdiction ?? {})) {
      checkJurisdiction(j, `/classification/judge/byJurisdiction/${j}`);
      refs.push([`/classification/judge/byJurisdiction/${j}`, name]);
    }
    for (const [where, name] of refs) {
      if (!named.has(name)) problems.push(`${where}: no upstream \`${name}\` is declared`);
    }
  }
  const tokenAuth = compileTokenAuth(cfg, problems);
  const apps = compileAppIds(cfg, problems);
  if (problems.length > 0) throw new ConfigError(file, problems);

  return deepFreeze({
    file,
    baseDir,
    listen: {
      host: cfg.listen.host,
      port: cfg.listen.port ?? 8080,
      tls:
        cfg.listen.tls === undefined
          ? null
          : {
              cert: resolve(baseDir, cfg.listen.tls.cert),
              key: resolve(baseDir, cfg.listen.tls.key),
            },
      trustedProxies: [...(cfg.listen.trustedProxies ?? [])],
    },
    realtime: { ...cfg.realtime },
    admin: {
      host: cfg.admin.host,
      port: cfg.admin.port ?? 8081,
      token: adminToken as AdminToken,
      decisions: {
        windowMs: Math.round(cfg.admin.decisions.windowDays * 86_400_000),
        maxRecords: cfg.admin.decisions.maxRecords,
      },
    },
    mode: cfg.mode,
    limits: { ...cfg.limits },
    store: {
      type: cfg.store.type,
      url: cfg.store.url ?? null,
      keyPrefix: cfg.store.keyPrefix,
      timeoutMs: cfg.store.timeoutMs,
      onError: cfg.store.onError,
      entraId:
        cfg.store.entraId === undefined
          ? null
          : {
              username: cfg.store.entraId.username,
              scope: cfg.store.entraId.scope,
              managedIdentityClientId: cfg.store.entraId.managedIdentityClientId,
            },
    },
    models,
    upstreams,
    tenants,
    keys,
    tokenAuth,
    apps,
    defaultTenant,
    policy: {
      schema: resolve(baseDir, cfg.policy.schema),
      files: cfg.policy.files.map((f) => resolve(baseDir, f)),
      tests: cfg.policy.tests.map((f) => resolve(baseDir, f)),
      memoSize: cfg.policy.memoSize,
    },
    classification: {
      liveFrameRate: {
        frames: cfg.classification.liveFrameRate.frames,
        withinMs: cfg.classification.liveFrameRate.withinSeconds * 1000,
      },
      exifLiveMaxAgeMs: cfg.classification.exifLiveMaxAgeSeconds * 1000,
      cameraCatalogue: resolve(baseDir, cfg.classification.cameraCatalogue),
      purposeModel: cfg.classification.purposeModel === "on",
      judge: compileJudge(cfg.classification.judge),
    },
    audit: {
      destination:
        cfg.audit.destination === "stdout" ? "stdout" : resolve(baseDir, cfg.audit.destination),
      rotate:
        cfg.audit.rotate === undefined
          ? null
          : {
              maxBytes: cfg.audit.rotate.maxBytes ?? 100 * 1024 * 1024,
              maxFiles: cfg.audit.rotate.maxFiles ?? null,
            },
      anchor: { ...cfg.audit.anchor },
      endUser: { mode: cfg.audit.endUser, secret: cfg.audit.endUserSecret ?? PROCESS_SECRET },
    },
    reload: { ...cfg.reload },
    shutdown: { ...cfg.shutdown },
    tracing: { ...cfg.tracing },
    log: { level: cfg.log.level },
  });
}
