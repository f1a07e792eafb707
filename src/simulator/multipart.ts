/** A file part of a form: its name and size, and its bytes only when the parser was asked to keep them. */
export interface MultipartFile {
  readonly field: string;
  readonly filename: string;
  readonly contentType: string;
  /** Counted while streaming. */
  readonly bytes: number;
  /** The whole file, only when the parser keeps file bytes and the file fit in its limit. */
  readonly content?: Buffer;
}

/** What a multipart body held: text fields by name (truncated past {@link MAX_FIELD_BYTES}), and the files. */
export interface MultipartForm {
  readonly fields: Readonly<Record<string, string>>;
  readonly files: readonly MultipartFile[];
}

/** Longest text field kept; audio `prompt` is the largest field Azure takes, far below this. */
export const MAX_FIELD_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

type State = "preamble" | "after-delimiter" | "headers" | "body" | "epilogue";

interface Part {
  field: string;
  filename: string | undefined;
  contentType: string;
  bytes: number;
  text: Buffer[];
  textBytes: number;
  /** A kept file's chunks; undefined when not kept (or once past the limit). */
  content: Buffer[] | undefined;
}

/** Reads `boundary=` from a `multipart/form-data` content type (quoted or not). */
export function multipartBoundary(contentType: string): string | undefined {
  if (!/^multipart\/form-data\b/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

function parseDisposition(headerBlock: string): {
  field: string;
  filename: string | undefined;
  contentType: string;
} {
  let field = "";
  let filename: string | undefined;
  let contentType = "text/plain";
  for (const line of headerBlock.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") {
      field = /(?:^|;)\s*name="([^"]*)"/i.exec(value)?.[1] ?? "";
      filename = /(?:^|;)\s*filename="([^"]*)"/i.exec(value)?.[1];
    } else if (name === "content-type") {
      contentType = value;
    }
  }
  return { field, filename, contentType };
}

/**
 * An incremental multipart/form-data parser (RFC 7578): fed chunk by chunk, it keeps only a
 * delimiter's worth of bytes between chunks, so a 25 MB audio upload costs no memory. Only when
 * constructed with `keepFileBytes` > 0 (file uploads, whose content can be read back) does it keep
 * files up to that size. The body is treated as if it began with CRLF, so the first delimiter
 * looks like every other one.
 */
export class MultipartParser {
  readonly #delimiter: Buffer;
  #pending: Buffer = CRLF;
  #state: State = "preamble";
  #part: Part | undefined;
  readonly #fields: Record<string, string> = {};
  readonly #files: MultipartFile[] = [];
  readonly #keepFileBytes: number;

  constructor(boundary: string, keepFileBytes = 0) {
    this.#delimiter = Buffer.from(`\r\n--${boundary}`);
    this.#keepFileBytes = keepFileBytes;
  }

  /** Feeds the next chunk; throws on a malformed body. */
  write(chunk: Buffer): void {
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    for (;;) {
      const rest = this.#step(buf);
      if (rest === undefined) return;
      buf = rest;
    }
  }

  /** Ends the body; throws when it stopped before the closing delimiter. */
  end(): MultipartForm {
    if (this.#state !== "epilogue")
      throw new Error("multipart body ended before its closing boundary");
    return { fields: { ...this.#fields }, files: [...this.#files] };
  }

  /** Consumes what it can of buf; returns the unconsumed rest to loop on, or undefined to wait. */
  #step(buf: Buffer): Buffer | undefined {
    switch (this.#state) {
      case "preamble":
      case "body": {
        const at = buf.indexOf(this.#delimiter);
        if (at < 0) {
          const keep = Math.min(buf.length, this.#delimiter.length - 1);
          this.#data(buf.subarray(0, buf.length - keep));
          this.#pending = buf.subarray(buf.length - keep);
          return undefined;
        }
        this.#data(buf.subarray(0, at));
        this.#finishPart();
        this.#state = "after-delimiter";
        return buf.subarray(at + this.#delimiter.length);
      }
      case "after-delimiter": {
        if (buf.length < 2) {
          this.#pending = buf;
          return undefined;
        }
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          this.#state = "epilogue";
          return buf.subarray(2);
        }
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > 256) throw new Error("malformed multipart delimiter line");
          this.#pending = buf;
          return undefined;
        }
        // RFC 2046 allows transport padding (spaces, tabs) between the delimiter and its CRLF.
        if (buf.subarray(0, eol).toString("latin1").trim() !== "") {
          throw new Error("malformed multipart delimiter line");
        }
        this.#state = "headers";
        return buf.subarray(eol + 2);
      }
      case "headers": {
        const end = buf.indexOf(HEADER_END);
        if (end < 0) {
          if (buf.length > MAX_HEADER_BYTES)
            throw new Error("multipart part headers are too large");
          this.#pending = buf;
          return undefined;
        }
        const { field, filename, contentType } = parseDisposition(
          buf.subarray(0, end).toString("utf8"),
        );
        const content = filename !== undefined && this.#keepFileBytes > 0 ? [] : undefined;
        this.#part = { field, filename, contentType, bytes: 0, text: [], textBytes: 0, content };
        this.#state = "body";
        return buf.subarray(end + HEADER_END.length);
      }
      case "epilogue":
        this.#pending = Buffer.alloc(0);
        return undefined;
    }
  }

  #data(bytes: Buffer): void {
    const part = this.#part;
    if (part === undefined || bytes.length === 0) return;
    part.bytes += bytes.length;
    if (part.content !== undefined) {
      // Copy: the chunk's memory is reused by the stream once we return.
      if (part.bytes <= this.#keepFileBytes) part.content.push(Buffer.from(bytes));
      else part.content = undefined;
    }
    if (part.filename !== undefined || part.textBytes >= MAX_FIELD_BYTES) return;
    const room = MAX_FIELD_BYTES - part.textBytes;
    const kept = bytes.length > room ? bytes.subarray(0, room) : bytes;
    // Copy: the chunk's memory is reused by the stream once we return.
    part.text.push(Buffer.from(kept));
    part.textBytes += kept.length;
  }

  #finishPart(): void {
    const part = this.#part;
    this.#part = undefined;
    if (part === undefined) return;
    if (part.filename !== undefined) {
      const file: MultipartFile = {
        field: part.field,
        filename: part.filename,
        contentType: part.contentType,
        bytes: part.bytes,
      };
      this.#files.push(
        part.content === undefined ? file : { ...file, content: Buffer.concat(part.content) },
      );
    } else {
      this.#fields[part.field] = Buffer.concat(part.text).toString("utf8");
    }
  }
}
