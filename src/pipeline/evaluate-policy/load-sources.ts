/**
 * Reads the schema and policy files named by the config.
 *
 * Node 20 has no `fs.globSync` (it arrived in Node 22), so patterns are deliberately small: a
 * wildcard (`*`, `?`) may appear only in the last path segment (`policies/*.cedar`); directory
 * parts, `**` and braces are not supported. Explicit file paths work as they are. Wildcards do not
 * match names starting with a dot. Matches are sorted by name; a pattern that matches nothing is
 * an error, so a typo in the config cannot silently drop a policy file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { PolicyLoadError } from "./errors.js";
import type { PolicySource, PolicySources } from "./types.js";

const WILDCARD = /[*?]/;
const UNSUPPORTED = /[[\]{}]|\*\*/;

function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? "[^/]*" : c === "?" ? "[^/]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`);
}

function resolveFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : join(baseDir, p);
}

function read(path: string, problems: string[]): PolicySource | undefined {
  try {
    return { path, text: readFileSync(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    problems.push(`${path}: cannot read file${code ? `: ${code}` : ""}`);
    return undefined;
  }
}

/** Expands one pattern to file paths, or records why it cannot. */
function expand(pattern: string, baseDir: string, problems: string[]): string[] {
  const full = resolveFrom(baseDir, pattern);
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

export function loadPolicySources(
  schemaPath: string,
  policyGlobs: string[],
  baseDir: string,
): PolicySources {
  const problems: string[] = [];
  const schema = read(resolveFrom(baseDir, schemaPath), problems);
  const seen = new Set<string>();
  const policies: PolicySource[] = [];
  if (policyGlobs.length === 0) problems.push("no policy files configured");
  for (const pattern of policyGlobs) {
    for (const path of expand(pattern, baseDir, problems)) {
      if (seen.has(path)) continue;
      seen.add(path);
      const source = read(path, problems);
      if (source) policies.push(source);
    }
  }
  if (problems.length > 0 || schema === undefined) throw new PolicyLoadError(problems);
  return { schema, policies };
}
