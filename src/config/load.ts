/**
 * Reads a config file: YAML, `${ENV}` / `${ENV:-default}` substitution in string values, schema
 * defaults, then validation with errors that name the path of every problem.
 */
import { readFileSync } from "node:fs";
import { Kind, type TSchema } from "@sinclair/typebox";
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
      // As in the shell: `${X:-d}` uses d when X is unset or empty; `${X}` is X, even empty.
      if (fallback !== undefined) return v !== undefined && v !== "" ? v : fallback;
      if (v !== undefined) return v;
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
  // Defaults, then conversion of substituted strings (`port: ${PORT:-8080}`) to the schema's types.
  const withDefaults = Value.Convert(
    GatewayConfigSchema,
    Value.Default(GatewayConfigSchema, Value.Clone(raw)),
  ) as GatewayConfigFile;
  if (!checker.Check(withDefaults)) {
    const seen = new Set<string>();
    for (const e of checker.Errors(withDefaults)) {
      for (const line of describeError(e.schema, e.path, e.message, e.value)) {
        if (!seen.has(line)) problems.push(line);
        seen.add(line);
      }
      if (problems.length >= 20) break;
    }
    throw new ConfigError(file, problems);
  }
  return withDefaults;
}

function shown(value: unknown): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? ` (got \`${String(value).slice(0, 80)}\`)`
    : "";
}

/**
 * Turns one schema error into precise lines. Unions get special care, since TypeBox only says
 * "expected union value": a union of literals lists its allowed values, and a union of objects
 * told apart by `type` (upstream `auth`) reports the errors of the variant the value names.
 */
function describeError(schema: TSchema, path: string, message: string, value: unknown): string[] {
  const where = path || "/";
  if (message.startsWith("Unexpected property")) return [`${where}: unknown key`];
  if (schema[Kind] === "Union") {
    const variants = (schema as unknown as { anyOf: TSchema[] }).anyOf;
    const literals = variants.filter((v) => v[Kind] === "Literal").map((v) => String(v.const));
    if (literals.length === variants.length) {
      return [`${where}: expected one of ${literals.join(", ")}${shown(value)}`];
    }
    const tag = (value as { type?: unknown } | null)?.type;
    const variant = variants.find(
      (v) =>
        v[Kind] === "Object" &&
        (v as { properties?: { type?: { const?: unknown } } }).properties?.type?.const === tag,
    );
    if (variant !== undefined && tag !== undefined) {
      return [...TypeCompiler.Compile(variant).Errors(value)].flatMap((e) =>
        describeError(e.schema, `${where}${e.path}`, e.message, e.value),
      );
    }
    const tags = variants
      .map((v) => (v as { properties?: { type?: { const?: unknown } } }).properties?.type?.const)
      .filter((t) => t !== undefined);
    if (tags.length > 0) return [`${where}/type: expected one of ${tags.join(", ")}${shown(tag)}`];
  }
  const text = message.charAt(0).toLowerCase() + message.slice(1);
  return [`${where}: ${text}${shown(value)}`];
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
