/**
 * Reads how long an upstream asked to be left alone. Azure OpenAI sends both `retry-after-ms`
 * (milliseconds, its own header) and `retry-after` (RFC 9110 section 10.2.3: delay in seconds, or
 * an HTTP date); the more precise `retry-after-ms` wins.
 */

/** Cool-downs longer than this are cut to it: a daily quota must not park an upstream for a day. */
export const MAX_COOL_DOWN_MS = 5 * 60_000;

type Headers = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The delay asked for by `headers`, in milliseconds (0 to {@link MAX_COOL_DOWN_MS}), or undefined
 * when they ask for none or their value cannot be read. `nowMs` is the wall clock, for HTTP dates.
 */
export function retryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const ms = first(headers["retry-after-ms"])?.trim();
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return clamp(Number(ms));
  const after = first(headers["retry-after"])?.trim();
  if (after === undefined || after === "") return undefined;
  if (/^\d+$/.test(after)) return clamp(Number(after) * 1000);
  if (!/^[A-Za-z]{3}, /.test(after)) return undefined; // an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : clamp(date - nowMs);
}

function clamp(ms: number): number {
  return Math.min(Math.max(0, Math.ceil(ms)), MAX_COOL_DOWN_MS);
}
