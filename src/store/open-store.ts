/**
 * Opens the shared store a config names (`store`): the memory store for one process, or Redis for
 * a fleet, connected (waiting a moment at most: a gateway starts, not ready for limits, while
 * Redis is down) with its failures counted in the metrics and logged without secrets.
 */
import type { Logger } from "pino";
import type { GatewayMetrics } from "../admin/metrics.js";
import type { RuntimeConfig } from "../config/index.js";
import { azureCredential, type TokenCredentialLike } from "../pipeline/forward/entra-id.js";
import { MemoryStore } from "./memory-store.js";
import { RedisStore } from "./redis-store.js";
import type { SharedStore } from "./types.js";

/** How long start-up waits for Redis before going on without it. */
const CONNECT_WAIT_MS = 2_000;

/** The store of `config`, connected. */
export async function openStore(
  config: RuntimeConfig,
  metrics: GatewayMetrics,
  log: Logger,
  credential?: TokenCredentialLike,
): Promise<SharedStore> {
  const { store } = config;
  if (store.type === "memory") {
    metrics.storeReady.set(1);
    return new MemoryStore(config.limits.maxStoredObjects);
  }
  metrics.storeReady.set(0);
  const entra = store.entraId;
  const redis = new RedisStore({
    url: store.url!,
    keyPrefix: store.keyPrefix,
    timeoutMs: store.timeoutMs,
    ...(entra === null
      ? {}
      : {
          entraId: {
            username: entra.username,
            scope: entra.scope,
            credential: credential ?? azureCredential(entra.managedIdentityClientId),
          },
        }),
    onError: (op, err) => {
      metrics.storeErrors.inc({ op });
      log.warn({ op, err: err.message }, "shared store operation failed");
    },
    onReadyChange: (ready) => {
      metrics.storeReady.set(ready ? 1 : 0);
      if (ready) log.info("shared store connected");
      else
        log.warn(
          "shared store disconnected: reconnecting; shared signals fail toward the stricter side",
        );
    },
  });
  await redis.connect(CONNECT_WAIT_MS);
  return redis;
}
