/** A schema or policy set the gateway must not start with: every problem named precisely. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compilePolicyEngine,
  loadPolicySources,
  PolicyLoadError,
  type PolicySources,
} from "../../../src/pipeline/evaluate-policy/index.js";
import { defaultPackSources } from "./helpers.js";

const SCHEMA = defaultPackSources().schema;

function problemsOf(src: PolicySources): string[] {
  try {
    compilePolicyEngine(src);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyLoadError);
    return (error as PolicyLoadError).problems;
  }
  throw new Error("expected a PolicyLoadError");
}

function withPolicies(files: Record<string, string>): PolicySources {
  return {
    schema: { path: "config/policies/gateway.cedarschema", text: SCHEMA.text },
    policies: Object.entries(files).map(([path, text]) => ({ path, text })),
  };
}

const OK = `@id("ok") @reason("fine")
permit (principal, action, resource);
`;

describe("policy load errors", () => {
  it("names file, line:col, policy id and attribute for an attribute typo", () => {
    const problems = problemsOf(
      withPolicies({
        "config/policies/ok.cedar": OK,
        "config/policies/us-police.cedar": `// a comment
@id("us-le-no-face-id")
@reason("no")
forbid (principal, action, resource)
when {
  context.recognition &&
  principal.agencyTyp == "law-enforcement"
};
`,
      }),
    );
    expect(problems).toEqual([
      "config/policies/us-police.cedar:7:3: policy us-le-no-face-id: attribute `agencyTyp` on entity type `Agency` not found: did you mean `agencyType`?",
    ]);
  });

  it("reports a context typo once, not once per action", () => {
    const problems = problemsOf(
      withPolicies({
        "p.cedar": `@id("p") @reason("r") permit (principal, action, resource) when { context.captur == "live" };`,
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^p\.cedar:1:67: policy p: attribute `captur` in context not found/,
    );
  });

  it("counts columns in characters when the text before is not ASCII", () => {
    const problems = problemsOf(
      withPolicies({
        "p.cedar": `@id("p") @reason("Microsoft’s ‘in the wild’ rule") permit (principal, action, resource) when { principal.countr == "US" };`,
      }),
    );
    expect(problems[0]).toMatch(/^p\.cedar:1:96: policy p: attribute `countr`/);
  });

  it("rejects a policy without @id", () => {
    const problems = problemsOf(
      withPolicies({ "a.cedar": `${OK}\n@reason("r")\nforbid (principal, action, resource);` }),
    );
    expect(problems).toEqual([
      'a.cedar:4:1: policy #2: missing @id annotation: add `@id("kebab-case-id")` above the policy',
    ]);
  });

  it("rejects a policy without @reason", () => {
    const problems = problemsOf(
      withPolicies({ "a.cedar": `@id("x")\nforbid (principal, action, resource);` }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^a\.cedar:1:1: policy x: missing @reason annotation/);
  });

  it("rejects a duplicate @id, naming where it was first defined", () => {
    const problems = problemsOf(withPolicies({ "a.cedar": OK, "b.cedar": `\n\n${OK}` }));
    expect(problems).toEqual([
      "b.cedar:3:1: policy ok: duplicate @id `ok`: first defined at a.cedar:1:1",
    ]);
  });

  it("rejects an unknown @mode", () => {
    const problems = problemsOf(
      withPolicies({
        "a.cedar": `@id("x") @reason("r") @mode("audit")\nforbid (principal, action, resource);`,
      }),
    );
    expect(problems).toEqual([
      "a.cedar:1:1: policy x: invalid @mode `audit`: the only mode is `shadow` (leave it out to enforce)",
    ]);
  });

  it("rejects a shadow permit", () => {
    const problems = problemsOf(
      withPolicies({
        "a.cedar": `@id("x") @reason("r") @mode("shadow")\npermit (principal, action, resource);`,
      }),
    );
    expect(problems[0]).toMatch(
      /^a\.cedar:1:1: policy x: @mode\("shadow"\) applies to forbid policies only/,
    );
  });

  it("rejects ids the gateway reserves and ids that are not plain", () => {
    const problems = problemsOf(
      withPolicies({
        "a.cedar": `@id("default-deny") @reason("r") forbid (principal, action, resource);\n@id("two words") @reason("r") forbid (principal, action, resource);`,
      }),
    );
    expect(problems).toEqual([
      "a.cedar:1:1: policy default-deny: @id `default-deny` is reserved for the gateway's own decisions",
      "a.cedar:2:1: policy two words: invalid @id `two words`: use letters, digits, `-`, `_`, `.` or `:`",
    ]);
  });

  it("reports a syntax error with its location", () => {
    const problems = problemsOf(
      withPolicies({
        "a.cedar": `@id("x") @reason("r")\nforbid (principal, action, resource) whn { true };`,
      }),
    );
    expect(problems[0]).toMatch(/^a\.cedar:2:38: .*whn/);
  });

  it("reports problems of every file at once", () => {
    const problems = problemsOf(
      withPolicies({
        "a.cedar": `@reason("r") forbid (principal, action, resource);`,
        "b.cedar": `@id("b") forbid (principal, action, resource);`,
      }),
    );
    expect(problems).toHaveLength(2);
  });

  it("rejects an empty policy set", () => {
    expect(problemsOf(withPolicies({ "a.cedar": "// nothing here\n" }))[0]).toMatch(
      /the policy set is empty: every request would be denied/,
    );
  });

  it("reports a schema parse error with file and line:col", () => {
    const problems = problemsOf({
      schema: {
        path: "config/policies/gateway.cedarschema",
        text: "entity Agency = {\n  agencyType: String\n\naction x appliesTo { principal: Agency };\n",
      },
      policies: [{ path: "a.cedar", text: OK }],
    });
    expect(problems[0]).toMatch(
      /^config\/policies\/gateway\.cedarschema:4:1: .*unexpected token `action`/,
    );
  });

  it("reports a schema type error with file and line:col", () => {
    const problems = problemsOf({
      schema: { path: "s.cedarschema", text: "entity Agency = { agencyType: Strin };\n" },
      policies: [{ path: "a.cedar", text: OK }],
    });
    expect(problems[0]).toMatch(
      /^s\.cedarschema:1:31: failed to resolve type: Strin: `Strin` has not been declared/,
    );
  });

  it("rejects a schema that does not accept the requests the gateway sends", () => {
    const schema = SCHEMA.text.replace(
      "  stream: Bool,\n",
      "  stream: Bool,\n  tenantTier: String,\n",
    );
    expect(schema).not.toBe(SCHEMA.text);
    const problems = problemsOf({
      schema: { path: "s.cedarschema", text: schema },
      policies: [{ path: "a.cedar", text: OK }],
    });
    expect(problems[0]).toMatch(
      /^s\.cedarschema: schema does not accept the requests the gateway sends: action `chatCompletions`: .*tenantTier/,
    );
  });

  it("rejects a schema that lacks an action the gateway uses", () => {
    const schema = SCHEMA.text.replace(", analyzeImage\n", "\n");
    expect(schema).not.toBe(SCHEMA.text);
    const problems = problemsOf({
      schema: { path: "s.cedarschema", text: schema },
      policies: [{ path: "a.cedar", text: OK }],
    });
    expect(problems.join("\n")).toMatch(/action `analyzeImage`/);
  });
});

describe("loadPolicySources", () => {
  const dir = mkdtempSync(join(tmpdir(), "policy-sources-"));
  mkdirSync(join(dir, "policies"));
  writeFileSync(join(dir, "policies", "schema.cedarschema"), SCHEMA.text);
  writeFileSync(join(dir, "policies", "b.cedar"), OK);
  writeFileSync(join(dir, "policies", "a.cedar"), OK.replaceAll("ok", "ok-a"));
  writeFileSync(join(dir, "policies", ".hidden.cedar"), "broken");
  writeFileSync(join(dir, "extra.cedar"), OK.replaceAll("ok", "ok-extra"));

  it("expands dir/*.cedar sorted by name, skips dot files, and keeps explicit files", () => {
    const src = loadPolicySources(
      "policies/schema.cedarschema",
      ["policies/*.cedar", "extra.cedar", "policies/a.cedar"],
      dir,
    );
    expect(src.schema.path).toBe(join(dir, "policies", "schema.cedarschema"));
    expect(src.policies.map((p) => p.path)).toEqual([
      join(dir, "policies", "a.cedar"),
      join(dir, "policies", "b.cedar"),
      join(dir, "extra.cedar"),
    ]);
    expect(compilePolicyEngine(src).policyCount).toBe(3);
  });

  it("fails on a pattern that matches nothing, a missing file or an unsupported pattern", () => {
    let error: unknown;
    try {
      loadPolicySources(
        "policies/nope.cedarschema",
        ["policies/*.yaml", "missing.cedar", "**/*.cedar"],
        dir,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyLoadError);
    const problems = (error as PolicyLoadError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/nope\.cedarschema: cannot read file: ENOENT/);
    expect(problems[1]).toMatch(/^policies\/\*\.yaml: pattern matches no file/);
    expect(problems[2]).toMatch(/missing\.cedar: cannot read file: ENOENT/);
    expect(problems[3]).toMatch(/^\*\*\/\*\.cedar: unsupported pattern/);
  });

  it("loads the shipped default pack", () => {
    const src = defaultPackSources();
    expect(src.policies.length).toBeGreaterThanOrEqual(7);
    expect(compilePolicyEngine(src).policyCount).toBe(10);
  });
});
