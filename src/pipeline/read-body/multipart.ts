/**
 * Multipart bodies (`images/edits`, `images/variations`, `audio/*`, file uploads) split into their
 * parts with busboy, from the buffered body: every text field and every file is read before any
 * byte goes upstream, because the field that decides (a `prompt`) may come after the file.
 */
import { Busboy } from "@fastify/busboy";
import { GatewayHttpError } from "../../errors.js";

/** One part of a multipart body. */
export interface MultipartPart {
  /** The form field name. */
  name: string;
  /** Set for file parts. */
  filename?: string;
  /** The part's own media type (`text/plain` for fields without one). */
  contentType: string;
  /** A text field's value. */
  value?: string;
  /** A file part's bytes (a view of the body or a copy of the part). */
  data?: Buffer;
}

/** Most parts a body may have: far above any API's (images/edits takes up to 16 images). */
const MAX_PARTS = 1000;

/**
 * The parts of a multipart body, in order; 400 `InvalidRequest` for a malformed body, a body with
 * too many parts, or a field repeated without the `[]` suffix that marks an array (two `prompt`
 * fields would let the gateway read one and Azure the other).
 */
export function parseMultipart(raw: Buffer, contentType: string): Promise<MultipartPart[]> {
  return new Promise((resolve, reject) => {
    const parts: MultipartPart[] = [];
    const seen = new Set<string>();
    let failed = false;
    const fail = (message: string, cause?: unknown) => {
      if (failed) return;
      failed = true;
      reject(new GatewayHttpError("InvalidRequest", message, { cause }));
    };
    const note = (name: string) => {
      if (!name.endsWith("[]") && seen.has(name)) {
        fail(`the multipart field \`${name.slice(0, 64)}\` is repeated`);
      }
      seen.add(name);
    };
    let bb: ReturnType<typeof Busboy>;
    try {
      bb = Busboy({
        headers: { "content-type": contentType },
        limits: {
          fieldSize: raw.length,
          fileSize: raw.length,
          parts: MAX_PARTS,
          fields: MAX_PARTS,
          files: MAX_PARTS,
        },
      });
    } catch (err) {
      fail("the multipart body cannot be read: its boundary is missing or invalid", err);
      return;
    }
    bb.on("field", (name, value, _nameTruncated, _valueTruncated, _encoding, mimeType) => {
      note(name);
      parts.push({ name, value, contentType: mimeType || "text/plain" });
    });
    bb.on("file", (name, stream, filename, _encoding, mimeType) => {
      note(name);
      const chunks: Buffer[] = [];
      const part: MultipartPart = { name, filename, contentType: mimeType };
      parts.push(part);
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        part.data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      });
    });
    for (const event of ["partsLimit", "filesLimit", "fieldsLimit"] as const) {
      bb.on(event, () => fail(`the multipart body has more than ${MAX_PARTS} parts`));
    }
    bb.on("error", (err) => fail("the multipart body is malformed", err));
    bb.on("finish", () => {
      if (failed) return;
      for (const p of parts)
        if (p.value === undefined && p.data === undefined) p.data = Buffer.alloc(0);
      resolve(parts);
    });
    bb.end(raw);
  });
}
