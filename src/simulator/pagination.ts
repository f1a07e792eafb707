import type { Exchange } from "./exchange.js";

/** OpenAI's cursor page, the shape of every list the simulator answers. */
export interface CursorPage<T> {
  object: "list";
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** The request's query string (handlers get the raw request, whose URL is path plus query). */
export function queryOf(exchange: Exchange): URLSearchParams {
  return new URL(exchange.req.url ?? "/", "http://simulator").searchParams;
}

/** How a list pages when the query says nothing: OpenAI's defaults differ per API. */
export interface PageDefaults {
  readonly order: "asc" | "desc";
  readonly limit: number;
  readonly maxLimit: number;
}

const LIST_DEFAULTS: PageDefaults = { order: "desc", limit: 20, maxLimit: 100 };

/**
 * One page of `items` (oldest first) as OpenAI lists them: `order` (`asc` or `desc`), `limit`
 * (clamped to 1..maxLimit), and the `after` / `before` cursors, so the SDK's auto-pagination walks
 * every page.
 */
export function paginate<T extends { id: string }>(
  exchange: Exchange,
  items: readonly T[],
  defaults: PageDefaults = LIST_DEFAULTS,
): CursorPage<T> {
  const query = queryOf(exchange);
  const asked = query.get("order");
  const order = asked === "asc" || asked === "desc" ? asked : defaults.order;
  const ordered = order === "asc" ? [...items] : [...items].reverse();
  const limitParam = Number(query.get("limit") ?? defaults.limit);
  const limit = Number.isInteger(limitParam)
    ? Math.min(defaults.maxLimit, Math.max(1, limitParam))
    : defaults.limit;
  let start = 0;
  let end = ordered.length;
  const after = query.get("after");
  const before = query.get("before");
  if (after !== null) start = ordered.findIndex((item) => item.id === after) + 1;
  if (before !== null) {
    const at = ordered.findIndex((item) => item.id === before);
    if (at >= 0) end = at;
  }
  const window = ordered.slice(start, end);
  const data = before !== null && after === null ? window.slice(-limit) : window.slice(0, limit);
  const hasMore = window.length > limit;
  return {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}
