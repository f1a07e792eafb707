import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type MultipartForm, MultipartParser, multipartBoundary } from "./multipart.js";

/** Largest JSON body buffered; Azure's own limit is in this range, and the gateway's default is 50 MiB. */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** Largest JSON body copied into the request log. */
export const MAX_RECORDED_JSON_BYTES = 256 * 1024;

/** The request body as the handlers need it, by content type rather than by route. */
export type ParsedBody =
  | { readonly kind: "empty" }
  | { readonly kind: "json"; readonly value: unknown; readonly bytes: number }
  | { readonly kind: "invalid-json"; readonly reason: string }
  | { readonly kind: "multipart"; readonly form: MultipartForm }
  | { readonly kind: "invalid-multipart"; readonly reason: string }
  | { readonly kind: "too-large" }
  | { readonly kind: "other"; readonly contentType: string };

/** The parsed body with its size and SHA-256, which the request log records for every request. */
export interface ReadBody {
  readonly body: ParsedBody;
  readonly bytes: number;
  readonly sha256: string;
}

function isJsonType(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType);
}

/**
 * Reads the whole request once: hashes and counts every byte, buffers only JSON (up to
 * {@link MAX_JSON_BYTES}), and streams multipart through the incremental parser so uploads are
 * never held in memory, except multipart files up to `keepFileBytes` (0: none), which file
 * uploads keep so their content can be read back. `for await` gives backpressure for free.
 * Rejects when the client goes away.
 */
export async function readBody(req: IncomingMessage, keepFileBytes = 0): Promise<ReadBody> {
  const contentType = req.headers["content-type"] ?? "";
  const hash = createHash("sha256");
  const boundary = multipartBoundary(contentType);
  const parser = boundary === undefined ? undefined : new MultipartParser(boundary, keepFileBytes);
  const json = parser === undefined && isJsonType(contentType);
  const chunks: Buffer[] = [];
  let bytes = 0;
  let multipartError: string | undefined;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (json && bytes <= MAX_JSON_BYTES) chunks.push(chunk);
    if (parser !== undefined && multipartError === undefined) {
      try {
        parser.write(chunk);
      } catch (error) {
        multipartError = error instanceof Error ? error.message : String(error);
      }
    }
  }
  const sha256 = hash.digest("hex");
  return { body: parse(), bytes, sha256 };

  function parse(): ParsedBody {
    if (parser !== undefined) {
      if (multipartError !== undefined)
        return { kind: "invalid-multipart", reason: multipartError };
      try {
        return { kind: "multipart", form: parser.end() };
      } catch (error) {
        return {
          kind: "invalid-multipart",
          reason: error instanceof Error ? error.message : String(error),
        };
      }
    }
    if (bytes === 0) return { kind: "empty" };
    if (!json) return { kind: "other", contentType };
    if (bytes > MAX_JSON_BYTES) return { kind: "too-large" };
    try {
      return { kind: "json", value: JSON.parse(Buffer.concat(chunks).toString("utf8")), bytes };
    } catch (error) {
      return {
        kind: "invalid-json",
        reason: error instanceof Error ? error.message : String(error),
      };
    }
  }
}
