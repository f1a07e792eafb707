/** `policy-gateway hash-key KEY`: the config stores only `sha256:` hashes of tenant keys. */
import { hashKey } from "../pipeline/identify-tenant/identify.js";

/** Prints the `sha256:<hex>` form of `key`. */
export function hashKeyCommand(key: string): void {
  process.stdout.write(`${hashKey(key)}\n`);
}
