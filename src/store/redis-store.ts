/**
 * The shared-state store of a fleet (`store: { type: redis }`): frame windows, rate limits,
 * concurrency leases and the object registry in Redis, through `ioredis`. Each request's
 * tenant-scoped state is one atomic script (`redis-scripts.ts`); with auto-pipelining, the object
 * reads and the admission of requests in the same tick share a write, and corrections after the
 * response never wait.
 *
 * Failure: every command has a timeout (`store.timeoutMs`) and is not queued while disconnected,
 * so a dead Redis answers errors at once instead of hanging requests; the client reconnects with
 * capped backoff. Azure Cache for Redis: `rediss://` for TLS, and Entra ID (the identity's object
 * id as user name, an access token as password, renewed on the connection before it expires).
 */
import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { TokenCache, type TokenCredentialLike } from "../pipeline/forward/entra-id.js";
import type { ObjectRecord } from "../pipeline/own-objects/store.js";
import { ADMIT_SCRIPT, SETTLE_SCRIPT } from "./redis-scripts.js";
import type {
  AdmitRequest,
  AdmitResult,
  Refusal,
  SettleRequest,
  SharedStore,
  StoreHealth,
} from "./types.js";
import { StoreUnavailableError } from "./types.js";

/** What the Redis store needs from the config. */
export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  timeoutMs: number;
  /** Entra ID authentication (Azure Cache for Redis), instead of a password in the URL. */
  entraId?: { username: string; scope: string; credential: TokenCredentialLike };
  /** Told of each failed store operation (metrics, log); never given a secret. */
  onError?: (op: string, err: Error) => void;
  /** Told when readiness changes. */
  onReadyChange?: (ready: boolean) => void;
}

interface ScriptCommands {
  gwAdmit(
    keys: number,
    ...args: (string | number)[]
  ): Promise<[number[], number[], string, number, number]>;
  gwSettle(keys: number, ...args: (string | number)[]): Promise<number>;
}

/** Longest cool-down a shared message can set (a bad message cannot park an upstream for long). */
const MAX_SHARED_COOL_DOWN_MS = 10 * 60_000;

/** Longest wait between reconnection attempts. */
const MAX_BACKOFF_MS = 5_000;

/** Shared state in Redis. */
export class RedisStore implements SharedStore {
  readonly type = "redis" as const;
  readonly #redis: Redis & ScriptCommands;
  readonly #prefix: string;
  readonly #options: RedisStoreOptions;
  #ready = false;
  #lastError: string | undefined;
  #tokenTimer: NodeJS.Timeout | undefined;
  #tokens: TokenCache | undefined;
  #subscriber: Redis | undefined;
  /** This replica's id on the cool-down channel. */
  readonly #id = randomUUID();

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#prefix = options.keyPrefix;
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(options.timeoutMs, 2_000),
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 6), MAX_BACKOFF_MS),
    };
    if (options.entraId !== undefined) redisOptions.username = options.entraId.username;
    this.#redis = new Redis(options.url, redisOptions) as Redis & ScriptCommands;
    this.#redis.defineCommand("gwAdmit", { lua: ADMIT_SCRIPT });
    this.#redis.defineCommand("gwSettle", { lua: SETTLE_SCRIPT });
    this.#redis.on("ready", () => this.#setReady(true));
    this.#redis.on("close", () => this.#setReady(false));
    this.#redis.on("error", (err: Error) => {
      this.#lastError = safeMessage(err);
    });
  }

  /**
   * Connects, waiting at most `waitMs`: a gateway starts even when Redis is down (readiness says
   * so, and the client keeps trying).
   */
  async connect(waitMs: number): Promise<void> {
    if (this.#options.entraId !== undefined) await this.#startTokens();
    const connecting = this.#redis.connect().catch((err: Error) => {
      this.#lastError = safeMessage(err);
    });
    await Promise.race([connecting, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  admit(request: AdmitRequest): Promise<AdmitResult> {
    const tag = this.#tag(request.scope);
    const keys: string[] = [];
    const args: (string | number)[] = [
      request.now,
      request.frames.length,
      request.rates.length,
      request.leases.length,
      request.requestId,
    ];
    for (const f of request.frames) {
      keys.push(`${tag}:frames:${f.key}`);
      args.push(Math.min(f.frames, 256), f.withinMs, f.record ? 1 : 0);
    }
    for (const r of request.rates) {
      keys.push(`${tag}:rate:${r.key}`);
      args.push(r.perMinute, r.cost);
    }
    for (const l of request.leases) {
      keys.push(`${tag}:lease:${l.key}`);
      args.push(l.limit, l.ttlMs);
    }
    return this.#redis.gwAdmit(keys.length, ...keys, ...args).then(
      ([frameCounts, remaining, kind, index, retryAfterMs]) => {
        const result: AdmitResult = { frameCounts, remaining };
        if (index > 0) {
          const refused: Refusal = {
            kind: kind as Refusal["kind"],
            index: index - 1,
            retryAfterMs,
          };
          result.refused = refused;
        }
        return result;
      },
      (err: Error) => {
        throw this.#failed("admit", err);
      },
    );
  }

  settle(request: SettleRequest): void {
    if (request.rates.length === 0 && request.leases.length === 0) return;
    const tag = this.#tag(request.scope);
    const keys: string[] = [];
    const args: (string | number)[] = [request.now, request.rates.length, request.requestId];
    for (const r of request.rates) {
      keys.push(`${tag}:rate:${r.key}`);
      args.push(r.perMinute, r.delta);
    }
    for (const key of request.leases) keys.push(`${tag}:lease:${key}`);
    this.#redis.gwSettle(keys.length, ...keys, ...args).catch((err: Error) => {
      this.#failed("settle", err);
    });
  }

  getObjects(ids: readonly string[], now: number): Promise<(ObjectRecord | undefined)[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return Promise.all(ids.map((id) => this.#redis.get(this.#objectKey(id)))).then(
      (values) =>
        values.map((v) => {
          if (v === null) return undefined;
          const record = JSON.parse(v) as ObjectRecord;
          return record.expiresAt > now ? record : undefined;
        }),
      (err: Error) => {
        throw this.#failed("objects", err);
      },
    );
  }

  putObject(record: ObjectRecord, ifAbsent = false): Promise<void> {
    const ttl = Math.max(1, Math.ceil(record.expiresAt - Date.now()));
    const key = this.#objectKey(record.id);
    const value = JSON.stringify(record);
    const written = ifAbsent
      ? this.#redis.set(key, value, "PX", ttl, "NX")
      : this.#redis.set(key, value, "PX", ttl);
    return written.then(
      () => undefined,
      (err: Error) => {
        this.#failed("objects", err);
      },
    );
  }

  deleteObject(id: string): Promise<void> {
    return this.#redis.del(this.#objectKey(id)).then(
      () => undefined,
      (err: Error) => {
        this.#failed("objects", err);
      },
    );
  }

  shareCoolDown(upstream: string, deployment: string, ms: number): void {
    const message = JSON.stringify({ from: this.#id, upstream, deployment, ms });
    this.#redis.publish(this.#coolDownChannel, message).catch((err: Error) => {
      this.#failed("cooldowns", err);
    });
  }

  /**
   * Subscribes on a second connection (a subscribed connection can run nothing else); it
   * reconnects and re-subscribes on its own. Messages from this replica are ignored.
   */
  onSharedCoolDown(apply: (upstream: string, deployment: string, ms: number) => void): void {
    const subscriber = this.#redis.duplicate({
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    this.#subscriber = subscriber;
    subscriber.on("error", () => undefined); // the main connection reports the store's health
    subscriber.on("message", (_channel: string, text: string) => {
      try {
        const m = JSON.parse(text) as {
          from?: string;
          upstream?: unknown;
          deployment?: unknown;
          ms?: unknown;
        };
        if (m.from === this.#id) return;
        if (typeof m.upstream !== "string" || typeof m.deployment !== "string") return;
        if (typeof m.ms !== "number" || !Number.isFinite(m.ms) || m.ms <= 0) return;
        apply(m.upstream, m.deployment, Math.min(m.ms, MAX_SHARED_COOL_DOWN_MS));
      } catch {
        // not ours: ignore
      }
    });
    subscriber.subscribe(this.#coolDownChannel).catch(() => undefined);
  }

  health(): StoreHealth {
    const health: StoreHealth = { type: "redis", ready: this.#ready };
    if (!this.#ready) health.error = this.#lastError ?? "not connected";
    return health;
  }

  async close(): Promise<void> {
    clearTimeout(this.#tokenTimer);
    this.#subscriber?.disconnect(false);
    this.#redis.disconnect(false);
  }

  /** The hash tag of a tenant's keys: one cluster slot per tenant. */
  #tag(scope: string): string {
    return `${this.#prefix}{t:${scope}}`;
  }

  get #coolDownChannel(): string {
    return `${this.#prefix}cooldowns`;
  }

  #objectKey(id: string): string {
    return `${this.#prefix}object:${id}`;
  }

  #failed(op: string, err: Error): Error {
    const message = safeMessage(err);
    this.#lastError = message;
    const failure = new StoreUnavailableError(`shared store ${op} failed: ${message}`);
    this.#options.onError?.(op, failure);
    return failure;
  }

  #setReady(ready: boolean): void {
    if (this.#ready === ready) return;
    this.#ready = ready;
    if (ready) this.#lastError = undefined;
    this.#options.onReadyChange?.(ready);
  }

  /** Gets a token before connecting and renews it (AUTH on the live connection) ahead of expiry. */
  async #startTokens(): Promise<void> {
    const entra = this.#options.entraId!;
    this.#tokens ??= new TokenCache(entra.credential, entra.scope);
    const renew = async (): Promise<void> => {
      try {
        const headers = await this.#tokens!.refresh();
        const token = (headers["authorization"] ?? "").replace(/^Bearer /, "");
        this.#redis.options.password = token;
        if (this.#ready) await this.#redis.auth(entra.username, token);
      } catch (err) {
        this.#failed("auth", err as Error);
      }
      this.#tokenTimer = setTimeout(() => void renew(), 10 * 60_000).unref();
    };
    await renew();
  }
}

/** An error's first line, without anything that could be a secret (URLs lose their password). */
function safeMessage(err: Error): string {
  const line = (err.message.split("\n", 1)[0] ?? "").replace(/\/\/[^@/\s]*@/g, "//***@");
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || err.name;
}
