/**
 * How a request body is read, decided by its operation first and its declared content type second
 * (docs/request-reading.md): JSON operations are read as JSON whatever the content type says, so a
 * `text/plain` chat call cannot slip through unread; multipart is read part by part; a body the
 * gateway cannot read is 415, never forwarded.
 */
import { GatewayHttpError } from "../../errors.js";
import type { Operation } from "../classify-request/facts.js";

/** The two body formats the gateway reads. */
export type BodyFormat = "json" | "multipart";

/** Operations Azure serves only with a multipart body. */
const MULTIPART_ONLY: ReadonlySet<Operation> = new Set([
  "audio.transcriptions",
  "audio.translations",
  "images.variations",
]);

/** Operations that take multipart or JSON (images/edits has both forms; uploads; unknown paths). */
const MULTIPART_OR_JSON: ReadonlySet<Operation> = new Set([
  "images.edits",
  "files",
  "assistants",
  "other",
]);

/** Content codings the gateway decodes (RFC 9110 section 8.4.1), as zlib names them. */
export type ContentCoding = "gzip" | "deflate" | "br";

const CODINGS: Readonly<Record<string, ContentCoding | null>> = {
  identity: null,
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "br",
};

function unsupported(message: string, param = "content-type"): GatewayHttpError {
  return new GatewayHttpError("UnsupportedMediaType", message, { param });
}

/** The media type (lower case) and parameters of a `Content-Type` value. */
export function parseContentType(value: string | undefined): {
  mediaType: string;
  charset?: string;
} {
  if (value === undefined) return { mediaType: "" };
  const [type, ...params] = value.split(";");
  const out: { mediaType: string; charset?: string } = {
    mediaType: type!.trim().toLowerCase(),
  };
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    out.charset = p
      .slice(eq + 1)
      .trim()
      .replace(/^"|"$/g, "")
      .toLowerCase();
  }
  return out;
}

/**
 * How to read the body of `operation` sent with `contentType`, or the 415 that refuses it: a
 * charset other than UTF-8, a multipart-only operation without multipart.
 */
export function bodyFormatOf(
  operation: Operation,
  contentType: string | undefined,
): BodyFormat | GatewayHttpError {
  const { mediaType, charset } = parseContentType(contentType);
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    return unsupported(
      `the request body's charset \`${charset.slice(0, 32)}\` is not supported: send UTF-8`,
    );
  }
  const multipart = mediaType === "multipart/form-data";
  if (MULTIPART_ONLY.has(operation)) {
    return multipart
      ? "multipart"
      : unsupported(
          `\`${operation}\` takes a multipart/form-data body, not \`${mediaType.slice(0, 64) || "(none)"}\``,
        );
  }
  if (multipart && MULTIPART_OR_JSON.has(operation)) return "multipart";
  return "json";
}

/**
 * Whether a body that is not valid JSON is a 415 (the operation might take another format, which
 * the gateway cannot read) rather than a 400 (the operation takes JSON: the body is malformed).
 */
export function unreadableIsUnsupported(operation: Operation): boolean {
  return MULTIPART_OR_JSON.has(operation) && operation !== "images.edits";
}

/** The coding to decode, null for none, or the 415 for a coding the gateway does not decode. */
export function contentCodingOf(
  value: string | string[] | undefined,
): ContentCoding | null | GatewayHttpError {
  if (value === undefined) return null;
  const list = (Array.isArray(value) ? value.join(",") : value)
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (list.length === 0) return null;
  const coding = list.length === 1 ? CODINGS[list[0]!] : undefined;
  if (coding === undefined || coding === null) {
    return unsupported(
      `the content encoding \`${list.join(", ").slice(0, 64)}\` is not supported: send gzip, deflate, br or none`,
      "content-encoding",
    );
  }
  return coding;
}
