import type { IncomingHttpHeaders } from "node:http";
import { FaultHeaderError, integerHeader } from "../faults.js";
import type { ResolvedOptions } from "../options.js";

/** Most deltas one response may be asked for; enough to test backpressure through a proxy. */
export const MAX_REALTIME_CHUNKS = 100_000;
/** Largest padded delta, in bytes. */
export const MAX_CHUNK_BYTES = 1024 * 1024;

/** A normal close the `x-simulator-realtime-close-after` fault asks for. */
export interface CloseFault {
  /** Close after this many server events. */
  readonly after: number;
  readonly code: number;
}

/** What the `x-simulator-realtime-*` headers of an upgrade asked for, merged with the defaults. */
export interface RealtimeFaults {
  /** Refuse the upgrade with this HTTP status and Azure's body for it. */
  readonly handshakeStatus: number | undefined;
  /** Wait this long before answering the upgrade (accepting or refusing it). */
  readonly handshakeDelayMs: number;
  /** Destroy the TCP socket, without a close frame, after this many server events. */
  readonly dropAfter: number | undefined;
  /** Close normally after this many server events. */
  readonly closeAfter: CloseFault | undefined;
  /** Text deltas in each response. */
  readonly chunks: number;
  /** Pad each delta to about this many bytes (undefined: one word a delta). */
  readonly chunkBytes: number | undefined;
  /** Pause before each delta. */
  readonly chunkDelayMs: number;
}

/**
 * Whether a code may be sent in a close frame (RFC 6455 section 7.4): 1000 to 1014 except the
 * reserved 1004 to 1006, and the registered and private ranges 3000 to 4999.
 */
export function isSendableCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

function closeFault(headers: IncomingHttpHeaders): CloseFault | undefined {
  const name = "x-simulator-realtime-close-after";
  const raw = headers[name];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? (raw[0] ?? "") : raw).trim();
  const match = /^(\d{1,9})(?::(\d{4}))?$/.exec(value);
  if (match === null) throw new FaultHeaderError(name, value);
  const code = match[2] === undefined ? 1000 : Number(match[2]);
  if (!isSendableCloseCode(code)) throw new FaultHeaderError(name, value);
  return { after: Number(match[1]), code };
}

/**
 * Reads the realtime fault headers of an upgrade when faults are enabled; otherwise returns the
 * defaults and ignores them. Throws {@link FaultHeaderError} for a malformed value, which the
 * upgrade answers with a 400 naming the header.
 */
export function readRealtimeFaults(
  headers: IncomingHttpHeaders,
  options: ResolvedOptions,
): RealtimeFaults {
  if (!options.faults) {
    return {
      handshakeStatus: undefined,
      handshakeDelayMs: 0,
      dropAfter: undefined,
      closeAfter: undefined,
      chunks: options.chunks,
      chunkBytes: undefined,
      chunkDelayMs: options.chunkDelayMs,
    };
  }
  return {
    handshakeStatus: integerHeader(headers, "x-simulator-realtime-handshake-status", 400, 599),
    handshakeDelayMs:
      integerHeader(headers, "x-simulator-realtime-handshake-delay-ms", 0, 600_000) ?? 0,
    dropAfter: integerHeader(headers, "x-simulator-realtime-drop-after", 0, 1_000_000_000),
    closeAfter: closeFault(headers),
    chunks:
      integerHeader(headers, "x-simulator-realtime-chunks", 0, MAX_REALTIME_CHUNKS) ??
      options.chunks,
    chunkBytes: integerHeader(headers, "x-simulator-realtime-chunk-bytes", 1, MAX_CHUNK_BYTES),
    chunkDelayMs:
      integerHeader(headers, "x-simulator-realtime-chunk-delay-ms", 0, 60_000) ??
      options.chunkDelayMs,
  };
}
