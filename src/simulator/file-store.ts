import { BoundedStore, MAX_OBJECTS } from "./bounded-store.js";
import { newId, unixSeconds } from "./ids.js";

/** A file object as Azure returns it (OpenAI's shape; Azure also sends `status_details: null`). */
export interface AzureFileObject {
  object: "file";
  id: string;
  purpose: string;
  filename: string;
  bytes: number;
  created_at: number;
  status: "processed";
  status_details: null;
}

/** Largest upload whose bytes are kept for `GET /files/{id}/content`; larger ones are only counted. */
export const MAX_FILE_CONTENT_BYTES = 64 * 1024 * 1024;
/** Bytes of content all files together may hold; past it the oldest files go. */
export const MAX_FILE_STORE_BYTES = 256 * 1024 * 1024;

interface StoredFile {
  readonly file: AzureFileObject;
  /** Undefined when the upload was larger than {@link MAX_FILE_CONTENT_BYTES}. */
  readonly content: Buffer | undefined;
}

/**
 * The simulator's files (uploads and batch outputs), per simulator instance, in insertion order:
 * metadata plus content, bounded in count ({@link MAX_OBJECTS}) and bytes.
 */
export class FileStore {
  readonly #files = new BoundedStore<StoredFile>(MAX_OBJECTS, MAX_FILE_STORE_BYTES);

  /** Records a file and returns its object; `content` undefined records the size only. */
  add(
    purpose: string,
    filename: string,
    bytes: number,
    content: Buffer | undefined,
  ): AzureFileObject {
    const file: AzureFileObject = {
      object: "file",
      id: newId.file(),
      purpose,
      filename,
      bytes,
      created_at: unixSeconds(),
      status: "processed",
      status_details: null,
    };
    this.#files.set(file.id, { file, content }, content?.length ?? 0);
    return file;
  }

  get(id: string): AzureFileObject | undefined {
    return this.#files.get(id)?.file;
  }

  /** The file's bytes: undefined for an unknown id, null when the file was too large to keep. */
  content(id: string): Buffer | null | undefined {
    const stored = this.#files.get(id);
    if (stored === undefined) return undefined;
    return stored.content ?? null;
  }

  /** Files, optionally only of one purpose, in upload order. */
  list(purpose: string | undefined): AzureFileObject[] {
    const all = this.#files.values().map((stored) => stored.file);
    return purpose === undefined ? all : all.filter((f) => f.purpose === purpose);
  }

  delete(id: string): boolean {
    return this.#files.delete(id);
  }
}
