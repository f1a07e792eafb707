/**
 * Reads a config file: YAML, `${ENV}` / `${ENV:-default}` substitution in string values, schema
 * defaults, then validation with errors that name the path of every problem.
 */
import { readFileSync } from "node:fs";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { parseDocument } from "yaml";
import { type GatewayConfigFile, GatewayConfigSchema } from "./schema.js";

/** Raised for any problem with the config file; `problems` lists each one with its path. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`invalid config \`${file}\`:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const checker = TypeCompiler.Compile(GatewayConfigSchema);
const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Substitutes `${NAME}` and `${NAME:-default}` in every string of a parsed document. Done after
 * YAML parsing so a secret containing `:` or `#` cannot change the document's structure.
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string,
  problems: string[],
): unknown {
  if (typeof value === "string") {
    return value.replace(ENV_REF, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      problems.push(`${path || "/"}: environment variable \`${name}\` is not set`);
      return "";
    });
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => substituteEnv(v, env, `${path}/${i}`, problems));
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = substituteEnv(v, env, `${path}/${k}`, problems);
    return out;
  }
  return value;
}

/** Parses and validates config text; `file` only names it in errors. */
export function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfigFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML: ${e.message.split("\n")[0]}`),
    );
  }
  const problems: string[] = [];
  const raw = substituteEnv(doc.toJS() ?? {}, env, "", problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  const withDefaults = Value.Default(GatewayConfigSchema, Value.Clone(raw));
  if (!checker.Check(withDefaults)) {
    const seen = new Set<string>();
    for (const e of checker.Errors(withDefaults)) {
      const line = describeError(e.path, e.message, e.value);
      if (!seen.has(e.path)) problems.push(line);
      seen.add(e.path);
      if (problems.length >= 20) break;
    }
    throw new ConfigError(file, problems);
  }
  return withDefaults;
}

function describeError(path: string, message: string, value: unknown): string {
  const where = path || "/";
  if (message.startsWith("Unexpected property")) return `${where}: unknown key`;
  const shown =
    typeof value === "string" ? ` (got \`${value.slice(0, 80)}\`)` : value === undefined ? "" : "";
  return `${where}: ${message.toLowerCase()}${shown}`;
}

/** Reads and validates the config file at `file`. */
export function readConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfigFile {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseConfig(text, file, env);
}
