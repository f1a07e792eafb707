import type { IncomingHttpHeaders } from "node:http";
import type { ResolvedOptions } from "./options.js";

/** What the `x-simulator-*` headers asked for, merged with the simulator's defaults. */
export interface Faults {
  /** Answer this status with Azure's error body instead of the real answer. */
  readonly status: number | undefined;
  /** Wait this long before sending headers. */
  readonly delayMs: number;
  /** Content chunks (words) in the answer, streamed or not. */
  readonly chunks: number;
  /** Pause between streamed content chunks. */
  readonly chunkDelayMs: number;
  /** Destroy the socket after this many stream events (0: before any response byte). */
  readonly dropAfterChunks: number | undefined;
}

/** A fault header whose value is not what it should be; the simulator answers 400 naming it. */
export class FaultHeaderError extends Error {
  constructor(
    readonly header: string,
    readonly value: string,
  ) {
    super(`invalid \`${header}\`: \`${value}\` (expected an integer in range)`);
    this.name = "FaultHeaderError";
  }
}

/**
 * An integer fault header in `[min, max]`, undefined when absent; throws {@link FaultHeaderError}
 * for anything else. Shared with the realtime fault headers.
 */
export function integerHeader(
  headers: IncomingHttpHeaders,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? (raw[0] ?? "") : raw;
  if (!/^\d{1,9}$/.test(value.trim())) throw new FaultHeaderError(name, value);
  const n = Number(value.trim());
  if (n < min || n > max) throw new FaultHeaderError(name, value);
  return n;
}

/**
 * Reads the fault headers when faults are enabled; otherwise returns the defaults and ignores
 * them, so a production-like simulator cannot be steered by its clients. Throws
 * {@link FaultHeaderError} for a malformed value rather than silently ignoring a typo in a test.
 */
export function readFaults(headers: IncomingHttpHeaders, options: ResolvedOptions): Faults {
  if (!options.faults) {
    return {
      status: undefined,
      delayMs: 0,
      chunks: options.chunks,
      chunkDelayMs: options.chunkDelayMs,
      dropAfterChunks: undefined,
    };
  }
  const status = integerHeader(headers, "x-simulator-status", 200, 599);
  return {
    status: status !== undefined && status >= 400 ? status : undefined,
    delayMs: integerHeader(headers, "x-simulator-delay-ms", 0, 600_000) ?? 0,
    chunks: integerHeader(headers, "x-simulator-chunks", 0, 100_000) ?? options.chunks,
    chunkDelayMs:
      integerHeader(headers, "x-simulator-chunk-delay-ms", 0, 60_000) ?? options.chunkDelayMs,
    dropAfterChunks: integerHeader(headers, "x-simulator-drop-after-chunks", 0, 1_000_000),
  };
}
