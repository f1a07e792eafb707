/**
 * Request body intake: every body is read whole, up to the limit, before anything is forwarded
 * (docs/request-reading.md). The raw bytes are kept once and forwarded unchanged (JSON bodies are
 * never re-serialised; a 20 MB image body costs about its size); a body sent with a content coding
 * is decoded with the same limit on the decoded size, and the decoded bytes are what the gateway
 * reads and forwards. A body that stalls or takes too long is a 408: a timer on the body stream,
 * because Fastify's `requestTimeout` is off by default and Node sweeps only every 30 s
 * (`connectionsCheckingInterval`).
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { errors, GatewayHttpError } from "../../errors.js";
import type { ContentCoding } from "./body-format.js";
import { LARGE_BODY_BYTES, parseLargeJson } from "./large-json.js";

/** How to collect one body. */
export interface IntakeOptions {
  /** Most bytes accepted, before and after decoding. */
  limit: number;
  /** Longest wait for the next byte. */
  idleTimeoutMs: number;
  /** Longest time for the whole body. */
  totalTimeoutMs: number;
  /** The content coding to decode, or null. */
  coding: ContentCoding | null;
}

/** What was collected: the bytes to read and forward, and how many arrived on the wire. */
export interface CollectedBody {
  body: Buffer;
  wireBytes: number;
}

function decoder(coding: ContentCoding) {
  if (coding === "gzip") return createGunzip();
  if (coding === "deflate") return createInflate();
  return createBrotliDecompress();
}

/**
 * Collects a body up to `limit` bytes; calls back once with the bytes, or with a 413 (too large),
 * a 408 (stalled or too slow), or a 400 (unreadable, or a coding that does not decode).
 */
export function collectBody(
  payload: IncomingMessage,
  options: IntakeOptions,
  done: (err: GatewayHttpError | null, body?: CollectedBody) => void,
): void {
  const { limit } = options;
  const chunks: Buffer[] = [];
  let size = 0;
  let wireBytes = 0;
  let settled = false;
  const zlib = options.coding === null ? undefined : decoder(options.coding);
  const source: Readable = zlib ?? payload;

  const finish = (err: GatewayHttpError | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(idle);
    clearTimeout(total);
    if (err !== null) {
      chunks.length = 0;
      payload.removeListener("data", onWire);
      if (zlib !== undefined) {
        payload.unpipe(zlib);
        zlib.destroy();
      }
      // Keep reading (and dropping) what still arrives, so the answer can be written.
      payload.resume();
      done(err);
      return;
    }
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    // The listeners above, and so this array, live as long as the request: kept, a large body's
    // chunks would stay reachable beside their copy until the response ends, and a request in
    // flight across two scavenges would carry its body twice into the old generation, where
    // only a mark-compact frees it (docs/performance.md, "Issue 14, round seven").
    chunks.length = 0;
    done(null, { body, wireBytes });
  };
  const stalled = () =>
    finish(
      new GatewayHttpError(
        "RequestTimeout",
        `the request body stalled: no byte for ${options.idleTimeoutMs} ms`,
      ),
    );
  const idle = setTimeout(stalled, options.idleTimeoutMs);
  const total = setTimeout(
    () =>
      finish(
        new GatewayHttpError(
          "RequestTimeout",
          `the request body took longer than ${options.totalTimeoutMs} ms`,
        ),
      ),
    options.totalTimeoutMs,
  );
  idle.unref();
  total.unref();

  const onWire = (chunk: Buffer) => {
    wireBytes += chunk.length;
    idle.refresh(); // re-arms the same timer: no allocation per chunk
    if (wireBytes > limit) finish(errors.tooLarge(limit));
  };
  payload.on("data", onWire);
  source.on("data", (chunk: Buffer) => {
    if (settled) return;
    size += chunk.length;
    if (size > limit) {
      finish(errors.tooLarge(limit));
      return;
    }
    chunks.push(chunk);
  });
  source.on("end", () => finish(null));
  source.on("error", (err) =>
    finish(
      zlib !== undefined && source === zlib
        ? new GatewayHttpError(
            "InvalidRequest",
            "the request body does not decode with its content encoding",
            { param: "content-encoding", cause: err },
          )
        : errors.invalidBody(err),
    ),
  );
  if (zlib !== undefined) {
    payload.on("error", (err) => finish(errors.invalidBody(err)));
    payload.pipe(zlib);
  }
}

/**
 * Parses a buffered JSON body once; an empty body is `undefined`, malformed JSON a 400. Bodies of
 * `LARGE_BODY_BYTES` or more are parsed with their long base64 strings left in the raw bytes
 * (`parseLargeJson`: placeholders resolved through `blobsOf`), so a 20 MB image never becomes a
 * JS string; the result reads the same to the body walker.
 */
export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  if (raw.length >= LARGE_BODY_BYTES) {
    try {
      const body = parseLargeJson(raw);
      if (body !== undefined) return body;
    } catch {
      // Malformed: parsed whole below, so the error is the one of the small-body path.
    }
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw errors.invalidJson(err);
  }
}
