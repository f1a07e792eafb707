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

/** Most files kept; the oldest go first, so a long benchmark cannot grow memory without bound. */
export const MAX_FILES = 1000;

/**
 * The simulator's files: metadata only (contents are counted on upload, never stored), per
 * simulator instance, in insertion order.
 */
export class FileStore {
  readonly #files = new Map<string, AzureFileObject>();

  /** Records an uploaded file and returns its object. */
  add(purpose: string, filename: string, bytes: number): AzureFileObject {
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
    this.#files.set(file.id, file);
    if (this.#files.size > MAX_FILES) {
      const oldest = this.#files.keys().next().value;
      if (oldest !== undefined) this.#files.delete(oldest);
    }
    return file;
  }

  get(id: string): AzureFileObject | undefined {
    return this.#files.get(id);
  }

  /** Files, optionally only of one purpose, in upload order. */
  list(purpose: string | undefined): AzureFileObject[] {
    const all = [...this.#files.values()];
    return purpose === undefined ? all : all.filter((f) => f.purpose === purpose);
  }

  delete(id: string): boolean {
    return this.#files.delete(id);
  }
}
