import type { ResolvedOptions } from "../options.js";

/** What shapes a session's responses: the simulator's `chunks` and `chunkDelayMs`. */
export interface RealtimeFaults {
  /** Text deltas in each response. */
  readonly chunks: number;
  /** Pause before each delta. */
  readonly chunkDelayMs: number;
}

/** The response settings of a new session, from the simulator's options. */
export function readRealtimeFaults(options: ResolvedOptions): RealtimeFaults {
  return { chunks: options.chunks, chunkDelayMs: options.chunkDelayMs };
}
