/**
 * `policy-gateway test`: runs policy test cases (YAML) through the same classification and policy
 * stages as the data plane, offline, and exits non-zero when any expectation fails.
 *
 * Case file format (docs/policy.md):
 * ```yaml
 * cases:
 *   - name: US police may not identify faces
 *     tenant: metro-pd
 *     onBehalfOf: city-pd            # optional, same as the x-gateway-on-behalf-of header
 *     customerKey: city-pd           # optional: authenticate with that customer's key (customers[].keys)
 *     path: /openai/deployments/gpt-4o/chat/completions   # optional
 *     headers: { x-gateway-capture: live }                 # optional
 *     body: { messages: [...] }      # strings "@image:file.jpg" become data: URLs of that file
 *     expect: { decision: deny, policies: [us-law-enforcement-no-facial-recognition], agency: metro-pd }
 * ```
 */

import { readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { type Static, Type as T } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { parse } from "yaml";
import { expandFilePattern } from "../config/file-patterns.js";
import { loadConfig } from "../config/index.js";
import { ensurePurposeModel } from "../pipeline/classify-request/purposes/model/shipped.js";
import { OfflineEvaluator, type OfflineResult } from "../runtime/offline.js";

const CaseSchema = T.Object(
  {
    name: T.String({ minLength: 1 }),
    tenant: T.String({ minLength: 1 }),
    onBehalfOf: T.Optional(T.String()),
    customerKey: T.Optional(T.String({ minLength: 1 })),
    path: T.Optional(T.String({ pattern: "^/" })),
    headers: T.Optional(T.Record(T.String(), T.String())),
    body: T.Optional(T.Unknown()),
    expect: T.Object(
      {
        decision: T.Union([
          T.Literal("allow"),
          T.Literal("deny"),
          T.Literal("shadow-deny"),
          T.Literal("error"),
        ]),
        policies: T.Optional(T.Array(T.String())),
        purposes: T.Optional(T.Array(T.String())),
        capture: T.Optional(T.String()),
        cameraSource: T.Optional(T.String()),
        status: T.Optional(T.Integer()),
        /** The agency whose evaluation decided (the what-if answer's `agency.id`). */
        agency: T.Optional(T.String()),
        customerBy: T.Optional(
          T.Union([T.Literal("key"), T.Literal("declared"), T.Literal("undeclared")]),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const CaseFileSchema = T.Object(
  { cases: T.Array(CaseSchema, { minItems: 1 }) },
  { additionalProperties: false },
);
const checkCaseFile = TypeCompiler.Compile(CaseFileSchema);

/** One policy test case. */
export type PolicyCase = Static<typeof CaseSchema>;

const MEDIA_TYPES: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".webp": "image/webp",
  ".gif": "image/gif",
};

/** Replaces `@image:path` strings with data URLs of the file (relative to the case file). */
export function resolveImageRefs(value: unknown, baseDir: string): unknown {
  if (typeof value === "string" && value.startsWith("@image:")) {
    const file = resolve(baseDir, value.slice("@image:".length));
    const type = MEDIA_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
    return `data:${type};base64,${readFileSync(file).toString("base64")}`;
  }
  if (Array.isArray(value)) return value.map((v) => resolveImageRefs(v, baseDir));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveImageRefs(v, baseDir)]),
    );
  }
  return value;
}

/** Loads and validates case files. */
export function loadCases(files: readonly string[]): { file: string; case: PolicyCase }[] {
  const out: { file: string; case: PolicyCase }[] = [];
  for (const file of files) {
    const doc: unknown = parse(readFileSync(file, "utf8"));
    if (!checkCaseFile.Check(doc)) {
      const problems = [...checkCaseFile.Errors(doc)]
        .slice(0, 5)
        .map((e) => `${e.path || "/"}: ${e.message}`);
      throw new Error(`invalid case file \`${file}\`:\n  - ${problems.join("\n  - ")}`);
    }
    for (const c of doc.cases) {
      out.push({ file, case: { ...c, body: resolveImageRefs(c.body, dirname(file)) } });
    }
  }
  return out;
}

/** Compares a result with a case's expectations; returns the mismatches. */
export function checkCase(c: PolicyCase, result: OfflineResult): string[] {
  const problems: string[] = [];
  const e = c.expect;
  if (!result.ok) {
    if (e.decision !== "error")
      problems.push(
        `expected decision \`${e.decision}\`, got error ${result.code}: ${result.message}`,
      );
    if (e.status !== undefined && e.status !== result.status)
      problems.push(`expected status ${e.status}, got ${result.status}`);
    return problems;
  }
  const a = result.answer;
  if (a.decision !== e.decision)
    problems.push(`expected decision \`${e.decision}\`, got \`${a.decision}\``);
  if (e.policies !== undefined) {
    const got = a.policies.map((p) => p.id).sort();
    const want = [...e.policies].sort();
    if (got.join(",") !== want.join(","))
      problems.push(`expected policies [${want.join(", ")}], got [${got.join(", ")}]`);
  }
  if (e.purposes !== undefined) {
    for (const p of e.purposes)
      if (!a.facts.purposes.includes(p))
        problems.push(`expected purpose \`${p}\`, got [${a.facts.purposes.join(", ")}]`);
  }
  if (e.capture !== undefined && a.facts.capture !== e.capture)
    problems.push(`expected capture \`${e.capture}\`, got \`${a.facts.capture}\``);
  if (e.agency !== undefined && a.agency.id !== e.agency)
    problems.push(`expected to be judged as \`${e.agency}\`, got \`${a.agency.id}\``);
  if (e.customerBy !== undefined && a.customerBy !== e.customerBy)
    problems.push(`expected customerBy \`${e.customerBy}\`, got \`${a.customerBy ?? "(none)"}\``);
  if (e.cameraSource !== undefined && a.facts.camera.source !== e.cameraSource) {
    problems.push(`expected camera source \`${e.cameraSource}\`, got \`${a.facts.camera.source}\``);
  }
  return problems;
}

/** Runs the cases of `files` (or the config's `policy.tests`); exit code 1 on any failure. */
export async function testCommand(files: string[], opts: { config: string }): Promise<void> {
  const config = loadConfig(opts.config);
  await ensurePurposeModel();
  const evaluator = new OfflineEvaluator(config);
  const problems: string[] = [];
  const paths =
    files.length > 0
      ? files.map((f) => resolve(f))
      : config.policy.tests.flatMap((p) => expandFilePattern(p, config.baseDir, problems));
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exitCode = 1;
    return;
  }
  let passed = 0;
  let failed = 0;
  for (const { file, case: c } of loadCases(paths)) {
    const headers = { ...(c.headers ?? {}) };
    if (c.onBehalfOf !== undefined) headers["x-gateway-on-behalf-of"] = c.onBehalfOf;
    const result = await evaluator.evaluate({
      tenant: c.tenant,
      ...(c.customerKey === undefined ? {} : { customerKey: c.customerKey }),
      path: c.path ?? "/openai/deployments/gpt-4o/chat/completions",
      headers,
      body: c.body,
    });
    const mismatches = checkCase(c, result);
    if (mismatches.length === 0) {
      passed++;
      process.stdout.write(`ok   ${c.name}\n`);
    } else {
      failed++;
      process.stdout.write(
        `FAIL ${c.name} (${file})\n${mismatches.map((m) => `     - ${m}`).join("\n")}\n`,
      );
    }
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
}
