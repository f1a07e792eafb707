/**
 * Bounds the metric labels whose values a client chooses. The deployment is in the client's path
 * or body: left as it is, 2,000 made-up names made 4,000 token series. Tenant ids come from the
 * config, and this makes sure only configured ones become label values.
 */
import type { RuntimeConfig } from "../config/index.js";

/** Label value for everything outside the bounded set. */
export const OTHER_LABEL = "other";
/** Label value when there is no tenant or no deployment. */
export const NONE_LABEL = "-";
/** Deployments learned when an upstream serves every deployment (docs/operations.md#metrics). */
export const MAX_LEARNED_DEPLOYMENTS = 20;

interface Named {
  deployments: ReadonlySet<string>;
  /** Some upstream lists no deployments: any name may be real. */
  servesAll: boolean;
}

/**
 * The `deployment` label: a deployment named in an upstream's `deployments` keeps its name. When
 * some upstream serves every deployment, the first {@link MAX_LEARNED_DEPLOYMENTS} other names
 * seen (by this process, with token usage, so upstream did serve them) keep theirs too. Every
 * other name is `other`.
 */
export class DeploymentLabels {
  readonly #named = new WeakMap<RuntimeConfig, Named>();
  readonly #learned = new Set<string>();
  readonly #maxLearned: number;

  constructor(maxLearned = MAX_LEARNED_DEPLOYMENTS) {
    this.#maxLearned = maxLearned;
  }

  /** The label value of `deployment` under `config`. */
  label(deployment: string | null, config: RuntimeConfig): string {
    if (deployment === null || deployment === "") return NONE_LABEL;
    const named = this.#namedIn(config);
    if (named.deployments.has(deployment) || this.#learned.has(deployment)) return deployment;
    if (!named.servesAll || this.#learned.size >= this.#maxLearned) return OTHER_LABEL;
    this.#learned.add(deployment);
    return deployment;
  }

  #namedIn(config: RuntimeConfig): Named {
    let named = this.#named.get(config);
    if (named === undefined) {
      named = {
        deployments: new Set(config.upstreams.flatMap((u) => [...(u.deployments ?? [])])),
        servesAll: config.upstreams.some((u) => u.deployments === null),
      };
      this.#named.set(config, named);
    }
    return named;
  }
}

/** The `tenant` label: a configured tenant id, or `-`. */
export function tenantLabel(tenantId: string | null | undefined, config: RuntimeConfig): string {
  return tenantId !== null && tenantId !== undefined && config.tenants.has(tenantId)
    ? tenantId
    : NONE_LABEL;
}

/**
 * The `customer` label: the customer a call acted for when it is one of the tenant's configured
 * customers (a bounded set), else undefined (then the call is counted only as the tenant's).
 */
export function customerLabel(
  tenantId: string | null | undefined,
  customerId: string | undefined,
  config: RuntimeConfig,
): string | undefined {
  if (tenantId === null || tenantId === undefined || customerId === undefined) return undefined;
  return config.tenants.get(tenantId)?.customers.has(customerId) === true ? customerId : undefined;
}
