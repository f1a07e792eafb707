/**
 * A request body as the gateway read it: nothing, a JSON document, or the parts of a multipart
 * form, each with the raw bytes that are forwarded. Built once per request by `readRequestBody`.
 */
import { GatewayHttpError } from "../../errors.js";
import type { Operation } from "../classify-request/facts.js";
import { type BodyFormat, unreadableIsUnsupported } from "./body-format.js";
import { parseJsonBody } from "./intake.js";
import { type MultipartPart, parseMultipart } from "./multipart.js";

/** A body read by the gateway. */
export type RequestBody =
  | { kind: "none" }
  | { kind: "json"; raw: Buffer; parsed: unknown }
  | { kind: "multipart"; raw: Buffer; parts: MultipartPart[] };

/** The empty body of GET, DELETE and other calls without one. */
export const NO_BODY: RequestBody = Object.freeze({ kind: "none" });

/**
 * Parses collected bytes in the format the operation takes. JSON that does not parse is a 400 on
 * an operation that takes JSON, a 415 where the body might be of a kind the gateway cannot read.
 * Returns a promise only for multipart bodies.
 */
export function readRequestBody(
  operation: Operation,
  format: BodyFormat,
  raw: Buffer,
  contentType: string | undefined,
): RequestBody | Promise<RequestBody> {
  if (raw.length === 0) return NO_BODY;
  if (format === "multipart") {
    return parseMultipart(raw, contentType ?? "").then((parts) => ({
      kind: "multipart",
      raw,
      parts,
    }));
  }
  try {
    return { kind: "json", raw, parsed: parseJsonBody(raw) };
  } catch (err) {
    if (!unreadableIsUnsupported(operation)) throw err;
    throw new GatewayHttpError(
      "UnsupportedMediaType",
      "the request body is neither JSON nor multipart/form-data: the gateway reads every body it forwards",
      { param: "content-type", cause: err },
    );
  }
}
