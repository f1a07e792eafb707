/**
 * File patterns in the config (`policies/*.cedar`, `policies/tests/*.yaml`). Node 20 has no
 * `fs.globSync`, so patterns are deliberately small: a wildcard (`*`, `?`) may appear only in the
 * last path segment; `**` and braces are not supported. A pattern that matches nothing is an error,
 * so a typo cannot silently drop a file.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";

const WILDCARD = /[*?]/;
const UNSUPPORTED = /[[\]{}]|\*\*/;

/** The file-name part of a pattern (`*.cedar`) as a regular expression over a whole name. */
export function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

/** Expands one pattern (relative to `baseDir`) to sorted file paths; problems are appended. */
export function expandFilePattern(pattern: string, baseDir: string, problems: string[]): string[] {
  const full = isAbsolute(pattern) ? pattern : join(baseDir, pattern);
  if (!WILDCARD.test(pattern)) return [full];
  const dir = dirname(full);
  const name = basename(full);
  if (UNSUPPORTED.test(pattern) || WILDCARD.test(dir)) {
    problems.push(
      `${pattern}: unsupported pattern: wildcards are allowed in the file name only, e.g. \`policies/*.cedar\``,
    );
    return [];
  }
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    problems.push(`${pattern}: cannot read directory \`${dir}\`${code ? `: ${code}` : ""}`);
    return [];
  }
  const re = patternToRegExp(name);
  const matches = entries
    .filter((entry) => re.test(entry) && (!entry.startsWith(".") || name.startsWith(".")))
    .sort()
    .map((entry) => join(dir, entry))
    .filter((path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    });
  if (matches.length === 0) problems.push(`${pattern}: pattern matches no file in \`${dir}\``);
  return matches;
}
