/**
 * Reads the schema and policy files named by the config. Patterns (`policies/*.cedar`) follow
 * `config/file-patterns.ts`: a wildcard in the file name only, and a pattern that matches nothing
 * is an error, so a typo in the config cannot silently drop a policy file.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { expandFilePattern } from "../../config/file-patterns.js";
import { PolicyLoadError } from "./errors.js";
import type { PolicySource, PolicySources } from "./types.js";

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

/** Reads the schema and every policy file; throws `PolicyLoadError` listing every problem. */
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
    for (const path of expandFilePattern(pattern, baseDir, problems)) {
      if (seen.has(path)) continue;
      seen.add(path);
      const source = read(path, problems);
      if (source) policies.push(source);
    }
  }
  if (problems.length > 0 || schema === undefined) throw new PolicyLoadError(problems);
  return { schema, policies };
}
