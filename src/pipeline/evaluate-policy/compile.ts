/**
 * Schema + policy files -> a compiled policy set, or a `PolicyLoadError` listing every problem.
 *
 * Cedar numbers the policies of a text `policy0`, `policy1`, ... in file order; the gateway names
 * them by their `@id` annotation. Each file is parsed and validated on its own so that every
 * source location Cedar reports is an offset into that file.
 */
import {
  checkParseSchema,
  type DetailedError,
  policySetTextToParts,
  policyToJson,
  validate,
} from "@cedar-policy/cedar-wasm/nodejs";
import { PolicyLoadError } from "./errors.js";
import { SourceText } from "./source-location.js";
import type { PolicyInfo, PolicySources } from "./types.js";

export interface CompiledPolicy extends PolicyInfo {
  /** The policy's own text, as Cedar split it out of its file. */
  text: string;
}

/** Ids the gateway itself puts in decisions; a policy may not take them. */
export const RESERVED_IDS: ReadonlySet<string> = new Set(["default-deny", "evaluation-error"]);

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Cedar prefixes validation messages with its own policy id; the problem line names ours. */
function stripCedarPolicyPrefix(message: string): string {
  return message.replace(/^for policy `[^`]*`, /, "");
}

/** One line per error (and per related error), `location: policy <id>: message: help`. */
export function formatDetailed(
  src: SourceText,
  errors: readonly DetailedError[],
  label?: (start: number) => string | undefined,
): string[] {
  const lines: string[] = [];
  const walk = (error: DetailedError) => {
    const start = error.sourceLocations?.[0]?.start;
    const where = start === undefined ? src.path : src.at(start);
    const policy = start === undefined ? undefined : label?.(start);
    const help = error.help ? `: ${error.help}` : "";
    const sub = error.sourceLocations?.[0]?.label ? `: ${error.sourceLocations[0].label}` : "";
    lines.push(
      `${where}: ${policy ? `policy ${policy}: ` : ""}${stripCedarPolicyPrefix(error.message)}${sub}${help}`,
    );
    for (const related of error.related ?? []) walk(related);
  };
  for (const error of errors) walk(error);
  return lines;
}

export function checkSchema(sources: PolicySources): string[] {
  const answer = checkParseSchema(sources.schema.text);
  if (answer.type === "success") return [];
  return formatDetailed(new SourceText(sources.schema.path, sources.schema.text), answer.errors);
}

interface FilePolicy {
  cedarId: string;
  /** Byte offset of the policy in its file. */
  start: number;
  text: string;
}

/** Splits a file into its policies, in file order, with Cedar's `policyN` ids. */
function splitFile(src: SourceText, problems: string[]): FilePolicy[] | undefined {
  const parts = policySetTextToParts(src.text);
  if (parts.type === "failure") {
    problems.push(...formatDetailed(src, parts.errors));
    return undefined;
  }
  if (parts.policy_templates.length > 0) {
    problems.push(
      `${src.path}: policy templates are not supported: write static policies (no \`?principal\` or \`?resource\` slots)`,
    );
  }
  // The parts come back sorted by Cedar id (as strings: policy10 before policy2); their position
  // in the file gives the file order, which is the order Cedar numbered them in.
  const claimed = new Set<number>();
  const located = parts.policies.map((text) => {
    let at = src.text.indexOf(text);
    while (at >= 0 && claimed.has(at)) at = src.text.indexOf(text, at + 1);
    claimed.add(at);
    return { text, at };
  });
  located.sort((a, b) => a.at - b.at);
  return located.map(({ text, at }, i) => {
    const start = at >= 0 ? src.byteOffsetOf(at) : 0;
    return { cedarId: `policy${i}`, start, text };
  });
}

/** Whether the policy files, read as one policy set, validate against the schema (strict). */
function validatesTogether(sources: PolicySources): boolean {
  const answer = validate({
    schema: sources.schema.text,
    policies: { staticPolicies: sources.policies.map((p) => p.text).join("\n") },
    validationSettings: { mode: "strict" },
  });
  return answer.type === "success" && answer.validationErrors.length === 0;
}

/** Parses, annotates and validates every policy file; throws `PolicyLoadError` on any problem. */
export function compilePolicies(sources: PolicySources): CompiledPolicy[] {
  const problems = checkSchema(sources);
  if (problems.length > 0) throw new PolicyLoadError(problems);

  const compiled: CompiledPolicy[] = [];
  const firstSeen = new Map<string, string>();
  // Validating every file in one call parses the schema once, not once per file (the default
  // pack: about a tenth of the time); each file is validated on its own, for messages that name
  // it and its policies, only when that finds a problem. Validation is per policy, so the
  // outcome is the same; a file that does not parse alone is reported by `splitFile`.
  const allValid = validatesTogether(sources);
  for (const file of sources.policies) {
    const src = new SourceText(file.path, file.text);
    const policies = splitFile(src, problems);
    if (policies === undefined) continue;

    const labelOf = new Map<string, string>();
    policies.forEach((policy, i) => {
      const where = src.at(policy.start);
      const json = policyToJson(policy.text);
      if (json.type === "failure") {
        problems.push(...formatDetailed(src, json.errors));
        return;
      }
      const annotations = json.json.annotations ?? {};
      const id = annotations["id"];
      const reason = annotations["reason"];
      const mode = annotations["mode"];
      const label = id && id.length > 0 ? id : `#${i + 1}`;
      labelOf.set(policy.cedarId, label);
      let ok = true;
      const problem = (message: string) => {
        problems.push(`${where}: policy ${label}: ${message}`);
        ok = false;
      };
      if (id === undefined || id === "") {
        problem('missing @id annotation: add `@id("kebab-case-id")` above the policy');
      } else if (!ID_PATTERN.test(id)) {
        problem(`invalid @id \`${id}\`: use letters, digits, \`-\`, \`_\`, \`.\` or \`:\``);
      } else if (RESERVED_IDS.has(id)) {
        problem(`@id \`${id}\` is reserved for the gateway's own decisions`);
      } else if (firstSeen.has(id)) {
        problem(`duplicate @id \`${id}\`: first defined at ${firstSeen.get(id)}`);
      } else {
        firstSeen.set(id, where);
      }
      if (reason === undefined || reason.trim() === "") {
        problem('missing @reason annotation: add `@reason("why, in words a user understands")`');
      }
      if (mode !== undefined && mode !== "shadow") {
        problem(`invalid @mode \`${mode}\`: the only mode is \`shadow\` (leave it out to enforce)`);
      }
      if (mode === "shadow" && json.json.effect === "permit") {
        problem(
          '@mode("shadow") applies to forbid policies only: a shadow permit could never change or record a decision',
        );
      }
      if (ok && id !== undefined && reason !== undefined) {
        compiled.push({
          id,
          reason: reason.trim(),
          effect: json.json.effect,
          mode: mode === "shadow" ? "shadow" : "enforce",
          source: where,
          text: policy.text,
        });
      }
    });

    if (allValid) continue;
    const answer = validate({
      schema: sources.schema.text,
      policies: { staticPolicies: file.text },
      validationSettings: { mode: "strict" },
    });
    if (answer.type === "failure") {
      problems.push(...formatDetailed(src, answer.errors));
      continue;
    }
    // Strict validation checks each policy once per action it may apply to, so a typo in a
    // policy over all actions comes back once per action; report it once.
    const seen = new Set<string>();
    for (const { policyId, error } of answer.validationErrors) {
      const general = stripCedarPolicyPrefix(error.message).replace(/ for Action::"[^"]*"/, "");
      const dedupe = `${policyId}\0${error.sourceLocations?.[0]?.start}\0${general}`;
      if (seen.has(dedupe)) continue;
      seen.add(dedupe);
      const many = answer.validationErrors.some(
        (other) =>
          other.policyId === policyId &&
          other.error.message !== error.message &&
          stripCedarPolicyPrefix(other.error.message).replace(/ for Action::"[^"]*"/, "") ===
            general,
      );
      const label = labelOf.get(policyId) ?? policyId;
      problems.push(
        ...formatDetailed(
          src,
          [{ ...error, message: many ? general : error.message }],
          () => label,
        ),
      );
    }
  }
  if (problems.length === 0 && compiled.length === 0) {
    problems.push(
      `${sources.policies.map((p) => p.path).join(", ") || "(no policy files)"}: the policy set is empty: every request would be denied`,
    );
  }
  if (problems.length > 0) throw new PolicyLoadError(problems);
  return compiled;
}
