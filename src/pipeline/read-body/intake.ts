/**
 * Request body intake. JSON bodies (small chat calls, and base64 images up to the limit) are
 * buffered once as raw bytes: the classifier parses them (large ones without materialising their
 * base64 strings: `large-json.ts`), and the original bytes are forwarded unchanged, never
 * re-serialised. Other bodies (multipart uploads, audio) stream through without
 * being buffered, counted against the same limit.
 */
import type { IncomingMessage } from "node:http";
import { Transform, type TransformCallback } from "node:stream";
import { errors, type GatewayHttpError } from "../../errors.js";
import { LARGE_BODY_BYTES, parseLargeJson } from "./large-json.js";

export { restoreBlobs } from "./large-json.js";

/** Collects a body up to `limit` bytes; calls back with the raw bytes or a 413. */
export function collectBody(
  payload: IncomingMessage,
  limit: number,
  done: (err: GatewayHttpError | null, body?: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  payload.on("data", (chunk: Buffer) => {
    if (failed) return;
    size += chunk.length;
    if (size > limit) {
      failed = true;
      chunks.length = 0;
      done(errors.tooLarge(limit));
      return;
    }
    chunks.push(chunk);
  });
  payload.on("end", () => {
    if (!failed) done(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
  payload.on("error", (err) => {
    if (failed) return;
    failed = true;
    done(errors.invalidBody(err));
  });
}

/** A pass-through that fails with a 413 once more than `limit` bytes have flowed. */
export class BodyLimitStream extends Transform {
  #seen = 0;
  readonly #limit: number;
  /** Bytes that have flowed through so far. */
  get bytes(): number {
    return this.#seen;
  }
  constructor(limit: number) {
    super();
    this.#limit = limit;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#limit) cb(errors.tooLarge(this.#limit));
    else cb(null, chunk);
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
