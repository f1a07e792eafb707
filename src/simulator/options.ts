import type { SimulatorOptions } from "./types.js";

/** Options after defaults and validation: what the rest of the simulator reads. */
export interface ResolvedOptions {
  readonly host: string;
  readonly port: number;
  readonly apiKey: string | undefined;
  readonly faults: boolean;
  readonly chunkDelayMs: number;
  readonly chunks: number;
  readonly maxRecorded: number;
}

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(
      `simulator option \`${name}\` must be a non-negative integer: got \`${value}\``,
    );
  }
  return value;
}

/**
 * Applies defaults and rejects nonsense once, at start-up, so request code never re-checks options.
 * The result is frozen.
 */
export function resolveOptions(options: SimulatorOptions = {}): ResolvedOptions {
  const port = nonNegativeInteger("port", options.port, 0);
  if (port > 65535)
    throw new TypeError(`simulator option \`port\` is out of range: got \`${port}\``);
  const maxRecorded = nonNegativeInteger("maxRecorded", options.maxRecorded, 200);
  return Object.freeze({
    host: options.host ?? "127.0.0.1",
    port,
    apiKey: options.apiKey === "" ? undefined : options.apiKey,
    faults: options.faults ?? false,
    chunkDelayMs: nonNegativeInteger("chunkDelayMs", options.chunkDelayMs, 20),
    chunks: nonNegativeInteger("chunks", options.chunks, 8),
    maxRecorded: Math.max(1, maxRecorded),
  });
}
