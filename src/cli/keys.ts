/**
 * `policy-gateway new-key` and `hash-key`: tenant keys are made here, not invented by hand, and
 * the config stores only their `sha256:` hashes (docs/operations.md "Key rotation").
 */
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { hashKey } from "../pipeline/identify-tenant/identify.js";

/** Every generated key starts with this, so a leaked one is recognised (and secret scanners match it). */
export const KEY_PREFIX = "pgw_";

/** A new tenant key: the prefix and 32 random bytes, base64url (43 characters). */
export function newKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** The `keys:` item for `key`: named when `id` is given, else its hash alone. */
export function configEntry(key: string, id: string | undefined): string {
  const hash = hashKey(key);
  return id === undefined ? `"${hash}"` : `{ id: ${id}, hash: "${hash}" }`;
}

/** Reads the key from a stream (stdin), without its final line break. */
export async function readKey(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  const key = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (key === "") throw new Error("no key on standard input");
  if (key.includes("\n")) throw new Error("standard input holds more than one line: give one key");
  return key;
}
