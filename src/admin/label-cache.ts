/**
 * prom-client hashes the label values on every `labels(...)` call; on the request path that is
 * several hashes per request. This cache keeps the labelled child of each label combination, so
 * a request costs one string join and one Map lookup per metric. Label values are bounded by the
 * config (tenants, operations, deployments, upstreams, statuses), and the cache is capped anyway.
 */

interface Labelled<C> {
  labels(...values: string[]): C;
}

const MAX_CHILDREN = 10_000;

/** Returns a function that gives the labelled child of `metric` for the given values, cached. */
export function labelCache<C>(metric: Labelled<C>): (...values: string[]) => C {
  const children = new Map<string, C>();
  return (...values: string[]) => {
    const key = values.length === 1 ? values[0]! : values.join("\u0001");
    let child = children.get(key);
    if (child === undefined) {
      if (children.size >= MAX_CHILDREN) children.clear();
      child = metric.labels(...values);
      children.set(key, child);
    }
    return child;
  };
}
