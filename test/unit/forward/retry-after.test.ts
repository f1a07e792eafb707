import { describe, expect, it } from "vitest";
import { MAX_COOL_DOWN_MS, retryAfterMs } from "../../../src/pipeline/forward/retry-after.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("retryAfterMs", () => {
  it.each([
    [{ "retry-after-ms": "1500" }, 1500],
    [{ "retry-after-ms": "12.5" }, 13],
    [{ "retry-after-ms": "250", "retry-after": "9" }, 250], // Azure's precise header wins
    [{ "retry-after": "3" }, 3000],
    [{ "retry-after": " 2 " }, 2000],
    [{ "retry-after": "0" }, 0],
    [{ "retry-after": "Thu, 01 Jan 2026 00:00:10 GMT" }, 10_000], // RFC 9110 HTTP date
    [{ "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }, 0], // in the past
    [{ "retry-after": ["4", "8"] }, 4000],
    [{ "retry-after": "86400" }, MAX_COOL_DOWN_MS], // capped
  ])("reads %j as %d ms", (headers, expected) => {
    expect(retryAfterMs(headers, NOW)).toBe(expected);
  });

  it.each([
    [{}],
    [{ "retry-after": "" }],
    [{ "retry-after": "soon" }],
    [{ "retry-after": "-5" }],
    [{ "retry-after-ms": "abc" }],
  ])("reads %j as no delay", (headers) => {
    expect(retryAfterMs(headers, NOW)).toBeUndefined();
  });

  it("falls back to retry-after when retry-after-ms is malformed", () => {
    expect(retryAfterMs({ "retry-after-ms": "x", "retry-after": "1" }, NOW)).toBe(1000);
  });
});
