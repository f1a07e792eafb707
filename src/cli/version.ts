/** `--version`: the package's own version, read from its package.json wherever it runs from. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The version in the nearest package.json above this file (src/ under tsx, dist/src/ built). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "aoai-policy-gateway" && pkg.version !== undefined) return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}
