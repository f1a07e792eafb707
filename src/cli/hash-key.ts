/** `policy-gateway hash-key KEY|-` and `new-key [--id NAME]` (docs/operations.md "Key rotation"). */
import { hashKey } from "../pipeline/identify-tenant/identify.js";
import { configEntry, newKey, readKey } from "./keys.js";

/** Prints the `sha256:<hex>` form of `key`; `-` reads the key from standard input. */
export async function hashKeyCommand(key: string): Promise<void> {
  const value = key === "-" ? await readKey(process.stdin) : key;
  process.stdout.write(`${hashKey(value)}\n`);
}

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Prints a new key on the first line and its `keys:` entry for the config on the second. */
export function newKeyCommand(opts: { id?: string }): void {
  if (opts.id !== undefined && !KEY_ID.test(opts.id)) {
    throw new Error(
      `invalid key id \`${opts.id.slice(0, 64)}\`: use letters, digits, '.', '_' or '-' (at most 64)`,
    );
  }
  const key = newKey();
  process.stdout.write(`${key}\n`);
  process.stdout.write(
    `# add to the tenant's keys (the key itself is never stored): ${configEntry(key, opts.id)}\n`,
  );
}
