/**
 * The one error the policy engine throws: a schema or policy set the gateway must not start with.
 * Each problem is one line: `file:line:col: policy <id>: message`, lowercase, user input in
 * backticks, related parts joined by colons.
 */
export class PolicyLoadError extends Error {
  readonly code = "POLICY_LOAD_ERROR";
  readonly problems: string[];

  constructor(problems: string[], options?: { cause?: unknown }) {
    const head =
      problems.length === 1
        ? "invalid policy set"
        : `invalid policy set: ${problems.length} problems`;
    super(`${head}:\n  ${problems.join("\n  ")}`, options);
    this.name = "PolicyLoadError";
    this.problems = problems;
  }
}
