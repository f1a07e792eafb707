/**
 * The JSON Schema of the gateway config file (docs/configuration.md), written with TypeBox so the
 * TypeScript type of a validated config is derived from the schema and the two cannot drift.
 * Unknown keys are errors everywhere (`additionalProperties: false`).
 */
import { type Static, Type as T } from "@sinclair/typebox";
import { CAMERA_SOURCES, ENVIRONMENTS } from "../pipeline/classify-request/facts.js";
import { AGENCY_TYPES } from "../pipeline/identify-tenant/agency.js";

const strict = { additionalProperties: false } as const;
const literals = <V extends string>(values: readonly V[], fallback?: V) =>
  T.Union(
    values.map((v) => T.Literal(v)),
    fallback === undefined ? {} : { default: fallback },
  );

const KebabId = T.String({ pattern: "^[a-z0-9]+(-[a-z0-9]+)*$", maxLength: 64 });
/** ISO 3166-1 alpha-2, optionally followed by an ISO 3166-2 subdivision code. */
const Jurisdiction = T.String({ pattern: "^[A-Z]{2}(-[A-Z0-9]{1,3})?$" });
const KeyHash = T.String({ pattern: "^sha256:[0-9a-f]{64}$" });
/**
 * A configured key: its hash alone (the audit names it by the hash's first 12 hex digits), or
 * `{ id, hash }` so the audit names it (`keyId`) and an operator can rotate keys by name.
 */
const KeyEntry = T.Union([
  KeyHash,
  T.Object(
    { id: T.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$" }), hash: KeyHash },
    strict,
  ),
]);
/** A Microsoft Entra tenant id (a GUID), sent as `user_security_context.end_user_tenant_id`. */
const EntraTenantId = T.String({
  pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
});
const Port = T.Integer({ minimum: 0, maximum: 65535 });
const Consent = literals(["attested", "none"] as const);

const ApiKeyAuth = T.Object({ type: T.Literal("api-key"), apiKey: T.String() }, strict);
const EntraIdAuth = T.Object(
  {
    type: T.Literal("entra-id"),
    /** Token scope; Azure OpenAI's default when omitted. */
    scope: T.Optional(T.String({ minLength: 1 })),
    /** Client id of a user-assigned managed identity; DefaultAzureCredential when omitted. */
    managedIdentityClientId: T.Optional(T.String({ minLength: 1 })),
    /**
     * The Entra authority of a sovereign cloud (`https://login.microsoftonline.us` for Azure
     * Government); derived from an `*.openai.azure.us` endpoint when omitted, else Azure public.
     */
    authorityHost: T.Optional(T.String({ pattern: "^https://[^/?#]+/?$" })),
  },
  strict,
);

/** An Entra application (client) id: a GUID, as `azp` (v2 tokens) or `appid` (v1) carry it. */
const AppId = T.String({
  pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
});
/** Apps whose access tokens identify an agency (docs/operations.md "Entra ID tenant auth"). */
const AppIds = T.Optional(T.Array(AppId));

/** One issuer of access tokens the gateway trusts (`tokenAuth.issuers[]`). */
const TokenIssuer = T.Object(
  {
    /** The token's `iss`, exactly: `https://login.microsoftonline.com/<tenant>/v2.0`. */
    issuer: T.String({ pattern: "^https?://" }),
    /** The token's `aud`: the gateway's app id URI or client id (one, or a list of accepted). */
    audience: T.Union([
      T.String({ minLength: 1 }),
      T.Array(T.String({ minLength: 1 }), { minItems: 1 }),
    ]),
    /** Where the signing keys are; from OIDC discovery of `issuer` when omitted. */
    jwksUri: T.Optional(T.String({ pattern: "^https?://" })),
    /** Clock skew allowed on `exp` and `nbf`. */
    clockToleranceSeconds: T.Optional(T.Integer({ minimum: 0, maximum: 300 })),
  },
  strict,
);

const Upstream = T.Object(
  {
    name: KebabId,
    /** `https://<resource>.openai.azure.com`, or `simulator` for the built-in simulator. */
    endpoint: T.String({ minLength: 1 }),
    auth: T.Union([ApiKeyAuth, EntraIdAuth]),
    /**
     * Deployments served by this upstream; all deployments when omitted. A deployment given as
     * `{ name, model }` names the model behind it (Azure deployment names are arbitrary): the
     * token estimate of tenant limits counts with that model's tokenizer and image formula.
     */
    deployments: T.Optional(
      T.Array(
        T.Union([
          T.String({ minLength: 1 }),
          T.Object({ name: T.String({ minLength: 1 }), model: T.String({ minLength: 1 }) }, strict),
        ]),
      ),
    ),
    /** Lower is tried first (failover order). */
    priority: T.Optional(T.Integer({ minimum: 0, maximum: 1000 })),
    /** Share of traffic among upstreams of the same priority. */
    weight: T.Optional(T.Integer({ minimum: 1, maximum: 1000 })),
    /** Keep-alive connections to this upstream. */
    connections: T.Optional(T.Integer({ minimum: 1, maximum: 4096 })),
    /** Circuit breaker (docs/operations.md): open after `failures` in a row, for `openMs`. */
    breaker: T.Optional(
      T.Object(
        {
          /** Consecutive failures that open the breaker; 0 disables it. */
          failures: T.Optional(T.Integer({ minimum: 0, maximum: 1000 })),
          /** How long it stays open before one trial call. */
          openMs: T.Optional(T.Integer({ minimum: 1, maximum: 3_600_000 })),
        },
        strict,
      ),
    ),
  },
  strict,
);

/** Requests in flight at once on one replica (docs/configuration.md#limits). */
const MaxConcurrentRequests = T.Integer({ minimum: 1, maximum: 1_000_000 });
/** What-if calls a tenant may make per minute. */
const WhatIfPerMinute = T.Integer({ minimum: 1, maximum: 1_000_000 });
/** Requests per minute, fleet-wide (GCRA; docs/operations.md "Tenant limits"). */
const RequestsPerMinute = T.Integer({ minimum: 1, maximum: 10_000_000 });
/** Tokens (prompt + completion, estimated then corrected) per minute, fleet-wide. */
const TokensPerMinute = T.Integer({ minimum: 1, maximum: 1_000_000_000 });

const Customer = T.Object(
  {
    id: KebabId,
    name: T.Optional(T.String()),
    agencyType: literals(AGENCY_TYPES),
    jurisdiction: Jurisdiction,
    consent: T.Optional(Consent),
    /** Caps on the calls the tenant makes on this customer's behalf. */
    limits: T.Optional(
      T.Object(
        {
          maxConcurrentRequests: T.Optional(MaxConcurrentRequests),
          requestsPerMinute: T.Optional(RequestsPerMinute),
          tokensPerMinute: T.Optional(TokensPerMinute),
        },
        strict,
      ),
    ),
    /**
     * Customer-scoped keys: a call with one of them is the tenant acting for this customer, with
     * no `x-gateway-on-behalf-of` needed (docs/api.md).
     */
    keys: T.Optional(T.Array(KeyEntry)),
    /** Entra apps whose tokens act for this customer, as a customer-scoped key does. */
    appIds: AppIds,
    /** The customer's Microsoft Entra tenant (`user_security_context.end_user_tenant_id`). */
    entraTenantId: T.Optional(EntraTenantId),
  },
  strict,
);

const Tenant = T.Object(
  {
    id: KebabId,
    name: T.Optional(T.String()),
    agencyType: literals(AGENCY_TYPES),
    jurisdiction: Jurisdiction,
    keys: T.Array(KeyEntry, { default: [] }),
    /** Entra apps whose access tokens identify this tenant (`tokenAuth`). */
    appIds: AppIds,
    /** The tenant's Microsoft Entra tenant (`user_security_context.end_user_tenant_id`). */
    entraTenantId: T.Optional(EntraTenantId),
    camera: T.Optional(
      T.Object(
        {
          /** Camera source assumed when a request declares none and EXIF says nothing. */
          default: T.Optional(literals(CAMERA_SOURCES)),
          /** Environment assumed when a request declares none. */
          environment: T.Optional(literals(ENVIRONMENTS)),
          /** Whether requests may declare their own camera headers. */
          declared: T.Optional(literals(["allow", "deny"] as const)),
        },
        strict,
      ),
    ),
    consent: T.Optional(Consent),
    customers: T.Optional(T.Array(Customer)),
    /** Add Azure's `user_security_context` to chat completions calls (Defender for Cloud). */
    userSecurityContext: T.Optional(T.Boolean()),
    /**
     * Whether calls may name stored objects the gateway never saw (created elsewhere, or batch
     * input from Blob Storage): refused by default; `allow` forwards them, audited as unenforced.
     */
    externalObjects: T.Optional(literals(["allow", "deny"] as const)),
    /**
     * Realtime: WebRTC and SIP (ephemeral client keys, `realtime/calls`, sideband connections) put
     * the media path out of the gateway's sight: denied unless `webrtc: allow`, then audited as
     * unenforced (docs/api.md "Realtime").
     */
    realtime: T.Optional(T.Object({ webrtc: literals(["allow", "deny"] as const) }, strict)),
    /**
     * Per-tenant caps, fleet-wide with the Redis store: requests in flight, requests and tokens
     * per minute, what-if calls per minute (per replica).
     */
    limits: T.Optional(
      T.Object(
        {
          maxConcurrentRequests: T.Optional(MaxConcurrentRequests),
          requestsPerMinute: T.Optional(RequestsPerMinute),
          tokensPerMinute: T.Optional(TokensPerMinute),
          whatIfPerMinute: T.Optional(WhatIfPerMinute),
        },
        strict,
      ),
    ),
  },
  strict,
);

/** The config file's schema. */
export const GatewayConfigSchema = T.Object(
  {
    listen: T.Object(
      {
        host: T.String({ minLength: 1, default: "0.0.0.0" }),
        port: T.Optional(Port),
        /**
         * Serve the data plane over TLS (PEM files, relative to the config file; reloaded with
         * it): the `openai` SDK's realtime clients always connect with `wss:`.
         */
        tls: T.Optional(
          T.Object({ cert: T.String({ minLength: 1 }), key: T.String({ minLength: 1 }) }, strict),
        ),
        /**
         * Addresses or CIDR ranges of the ingress in front of the gateway: only from them is
         * `X-Forwarded-For` believed for the client's address (docs/configuration.md).
         */
        trustedProxies: T.Optional(T.Array(T.String({ minLength: 1 }))),
      },
      { ...strict, default: {} },
    ),
    /** Realtime WebSocket sessions (docs/configuration.md "Realtime"). */
    realtime: T.Object(
      {
        /** Largest WebSocket message either side may send (a frame with an inline image fits). */
        maxMessageBytes: T.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
        /**
         * Bytes queued toward a slow peer before the gateway stops reading the other side: the
         * backpressure bound of one session, each way.
         */
        maxQueuedBytes: T.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
        /**
         * Text of one session the purpose classifier reads again with each event (instructions,
         * items, tools); a session that grows past it gets its content events refused.
         */
        maxContextChars: T.Integer({ minimum: 1000, default: 200_000 }),
        /** Longest wait for the upstream's WebSocket handshake before trying the next upstream. */
        handshakeTimeoutMs: T.Integer({ minimum: 1, default: 10_000 }),
      },
      { ...strict, default: {} },
    ),
    admin: T.Object(
      {
        host: T.String({ minLength: 1, default: "127.0.0.1" }),
        port: T.Optional(Port),
        /**
         * Bearer token of the dashboard, its API and `/metrics` (docs/operations.md "Admin
         * access"); `none` opts out knowingly. Empty (an unset `${ENV:-}`) is no token.
         */
        token: T.Optional(T.String()),
        /** The decisions index behind the dashboard (docs/dashboard.md). */
        decisions: T.Object(
          {
            /** Days of decisions the dashboard shows (and rebuilds from audit files at start). */
            windowDays: T.Number({ exclusiveMinimum: 0, maximum: 366, default: 7 }),
            /** Most decisions kept in memory (about 0.7 KB each); the oldest go first. */
            maxRecords: T.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000 }),
          },
          { ...strict, default: {} },
        ),
      },
      { ...strict, default: {} },
    ),
    mode: T.Union([T.Literal("enforce"), T.Literal("dry-run")], { default: "enforce" }),
    limits: T.Object(
      {
        maxBodyBytes: T.Integer({ minimum: 1024, default: 52_428_800 }),
        upstreamTimeoutMs: T.Integer({ minimum: 1, default: 600_000 }),
        /** Stored objects (files, responses, threads...) whose owner the gateway remembers. */
        maxStoredObjects: T.Integer({ minimum: 1000, default: 200_000 }),
        /** Longest wait for the next byte of a request body (408 after it). */
        bodyIdleTimeoutMs: T.Integer({ minimum: 1, default: 30_000 }),
        /** Longest time for a whole request body (408 after it); long enough for slow uplinks. */
        bodyTimeoutMs: T.Integer({ minimum: 1, default: 300_000 }),
        connectTimeoutMs: T.Integer({ minimum: 1, default: 10_000 }),
        /** Output tokens reserved by the token limit when a request sets no maximum. */
        defaultMaxOutputTokens: T.Integer({ minimum: 1, default: 4096 }),
      },
      { ...strict, default: {} },
    ),
    /**
     * The model behind each deployment name (Azure deployment names are arbitrary), for token
     * estimates, without restricting any upstream (as `upstreams[].deployments` would).
     */
    models: T.Optional(
      T.Record(T.String({ minLength: 1 }), T.String({ minLength: 1 }), {
        additionalProperties: false,
      }),
    ),
    /**
     * Where shared state lives (docs/operations.md "Running a fleet"): `memory` for one process,
     * `redis` for replicas that must decide as one.
     */
    store: T.Object(
      {
        type: T.Union([T.Literal("memory"), T.Literal("redis")], { default: "memory" }),
        /** `redis://` or `rediss://` (TLS, as Azure Cache for Redis requires). */
        url: T.Optional(T.String({ pattern: "^rediss?://" })),
        /** Prefix of every key, so gateways can share one Redis. */
        keyPrefix: T.String({ default: "aoaipg:" }),
        /** Longest wait for one store call; then the call counts as failed. */
        timeoutMs: T.Integer({ minimum: 1, maximum: 60_000, default: 250 }),
        /** Tenant limits while the store cannot be read: refuse (503) or let calls through. */
        onError: T.Union([T.Literal("allow"), T.Literal("deny")], { default: "deny" }),
        /** Entra ID authentication to Azure Cache for Redis instead of an access key. */
        entraId: T.Optional(
          T.Object(
            {
              /** The object (principal) id of the identity: Redis's user name. */
              username: T.String({ minLength: 1 }),
              scope: T.String({ minLength: 1, default: "https://redis.azure.com/.default" }),
              managedIdentityClientId: T.Optional(T.String({ minLength: 1 })),
            },
            strict,
          ),
        ),
      },
      { ...strict, default: {} },
    ),
    upstreams: T.Array(Upstream, { minItems: 1 }),
    /**
     * Tenant auth with Entra ID / OIDC access tokens (docs/operations.md "Entra ID tenant auth"):
     * a JWT in `Authorization: Bearer` is verified against a trusted issuer and its app id mapped
     * to a tenant or customer (`appIds`). Keys keep working alongside.
     */
    tokenAuth: T.Optional(
      T.Object(
        {
          issuers: T.Array(TokenIssuer, { minItems: 1 }),
          /** Shortest wait between two key-set fetches (an unknown `kid` triggers one). */
          keysCooldownSeconds: T.Integer({ minimum: 0, maximum: 3600, default: 30 }),
          /** How long fetched keys are used before they are fetched again. */
          keysMaxAgeSeconds: T.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
        },
        strict,
      ),
    ),
    defaultTenant: T.Union([KebabId, T.Null()], { default: null }),
    tenants: T.Array(Tenant, { default: [] }),
    policy: T.Object(
      {
        schema: T.String({ default: "policies/gateway.cedarschema" }),
        files: T.Array(T.String(), { default: ["policies/*.cedar"] }),
        tests: T.Array(T.String(), { default: ["policies/tests/*.yaml"] }),
        memoSize: T.Integer({ minimum: 0, default: 10_000 }),
      },
      { ...strict, default: {} },
    ),
    classification: T.Object(
      {
        liveFrameRate: T.Object(
          {
            frames: T.Integer({ minimum: 2, default: 5 }),
            withinSeconds: T.Number({ exclusiveMinimum: 0, default: 10 }),
          },
          { ...strict, default: {} },
        ),
        /** An image whose EXIF capture time is at most this old is `live` capture. */
        exifLiveMaxAgeSeconds: T.Number({ exclusiveMinimum: 0, default: 120 }),
        cameraCatalogue: T.String({ default: "cameras.yaml" }),
        /**
         * The learned purpose model (docs/classifier.md): `on` (the default: rules and model
         * combined on one score) or `off` (rules alone).
         */
        purposeModel: T.Union([T.Literal("off"), T.Literal("on")], { default: "on" }),
        /**
         * An Azure OpenAI deployment asked to settle the uncertain band (docs/classifier.md,
         * "The judge"): only when a decision depends on the purpose and the local confidence is
         * `possible` (or, with `screen`, `none` on an image call). Off when omitted.
         */
        judge: T.Optional(
          T.Object(
            {
              /** The upstream (by name) whose credentials and pool the judge calls go through. */
              upstream: KebabId,
              /** The deployment asked; it must support structured outputs (`json_schema`). */
              deployment: T.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9._-]+$" }),
              /** Per call; on timeout the local confidence stands (the absolute ban fails closed). */
              timeoutMs: T.Integer({ minimum: 50, maximum: 60_000, default: 3000 }),
              /** Let a `none` verdict clear `possible` (opt-in: the text is the caller's). */
              mayClear: T.Boolean({ default: false }),
              /**
               * Also ask on image calls the local classifier scores `none` when the decision would
               * change at `certain` (a US police tenant's every image call): catches asks the
               * local model misses, such as identity asked sideways, at one judge call each.
               */
              screen: T.Boolean({ default: false }),
              /** Judge calls in flight at once on one replica; beyond it the local view stands. */
              maxConcurrent: T.Integer({ minimum: 1, maximum: 10_000, default: 32 }),
              /** How long a verdict is reused for the same normalised text. */
              cacheSeconds: T.Integer({ minimum: 0, maximum: 86_400, default: 600 }),
              /** Verdicts kept at once. */
              cacheEntries: T.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
              /** Longest text (characters) sent; a longer one is not judged (the local view stands). */
              maxChars: T.Integer({ minimum: 100, maximum: 500_000, default: 24_000 }),
              /** Azure's `api-version` for the call (structured outputs need 2024-08-01 or later). */
              apiVersion: T.String({
                pattern: "^\\d{4}-\\d{2}-\\d{2}(-preview)?$",
                default: "2024-10-21",
              }),
              /**
               * Judge upstream per tenant jurisdiction (`US`, `DE`, `US-CA`; the most specific
               * wins), so the caller's text stays in the tenant's region; `upstream` otherwise.
               */
              byJurisdiction: T.Optional(
                T.Record(T.String({ pattern: "^[A-Z]{2}(-[A-Z0-9]{1,3})?$" }), KebabId),
              ),
            },
            strict,
          ),
        ),
      },
      { ...strict, default: {} },
    ),
    audit: T.Object(
      {
        /** `stdout`, or a file path (relative to the config file). */
        destination: T.String({ minLength: 1, default: "stdout" }),
        /** Size rotation of a file destination (docs/audit.md). */
        rotate: T.Optional(
          T.Object(
            {
              /** Start a new file before the live one would exceed this; 100 MiB by default. */
              maxBytes: T.Optional(T.Integer({ minimum: 1 })),
              /** Rotated files kept, oldest deleted first; all kept when omitted. */
              maxFiles: T.Optional(T.Integer({ minimum: 1 })),
            },
            strict,
          ),
        ),
        /**
         * How the end user a call names (`user_security_context.end_user_id`, `safety_identifier`
         * or `user`) is recorded: as sent, as a keyed hash (HMAC-SHA-256), or not at all.
         */
        endUser: literals(["plain", "hash", "off"] as const, "hash"),
        /** The HMAC key of `endUser: hash`; a random one per process when omitted. */
        endUserSecret: T.Optional(T.String({ minLength: 16 })),
        /** How often the chain's latest hash goes to the operational log. */
        anchor: T.Object(
          {
            everyRecords: T.Integer({ minimum: 1, default: 1000 }),
            everySeconds: T.Number({ exclusiveMinimum: 0, default: 60 }),
          },
          { ...strict, default: {} },
        ),
      },
      { ...strict, default: {} },
    ),
    reload: T.Object(
      {
        /** Reload when the config, policy or catalogue files change (SIGHUP always reloads). */
        watch: T.Boolean({ default: true }),
        debounceMs: T.Integer({ minimum: 0, maximum: 60_000, default: 250 }),
      },
      { ...strict, default: {} },
    ),
    whatIf: T.Object(
      {
        /** What-if calls each tenant may make per minute (a tenant's `limits` may override it). */
        perTenantPerMinute: T.Integer({ minimum: 1, maximum: 1_000_000, default: 60 }),
      },
      { ...strict, default: {} },
    ),
    tracing: T.Object(
      {
        /** Start an OpenTelemetry span per request and propagate its context upstream. */
        enabled: T.Boolean({ default: false }),
      },
      { ...strict, default: {} },
    ),
    shutdown: T.Object(
      {
        /** On SIGTERM, how long in-flight calls and streams may run before they are cut. */
        deadlineMs: T.Integer({ minimum: 0, default: 30_000 }),
      },
      { ...strict, default: {} },
    ),
    log: T.Object(
      {
        level: literals(["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const),
      },
      { ...strict, default: { level: "info" } },
    ),
  },
  strict,
);

/** A config file after validation and defaults, before compilation. */
export type GatewayConfigFile = Static<typeof GatewayConfigSchema>;
export type TenantConfig = Static<typeof Tenant>;
export type CustomerConfig = Static<typeof Customer>;
export type UpstreamConfig = Static<typeof Upstream>;
export type KeyEntry = Static<typeof KeyEntry>;
