/** `policy-gateway check`: validates config, schema and policies without serving. */
import { loadConfig } from "../config/index.js";
import { MemoryFrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import { loadPolicySources } from "../pipeline/evaluate-policy/load-sources.js";
import { vocabularyWarnings } from "../pipeline/evaluate-policy/vocabulary.js";
import { buildGeneration } from "../runtime/generation.js";
import { isConfigProblem } from "./config-problem.js";

/**
 * Exits 0 when config and policies are valid, 1 with every problem listed otherwise. Policies that
 * compare with values the gateway never produces are warnings, errors with `strict`.
 */
export function checkCommand(opts: { config: string; strict?: boolean }): void {
  try {
    const config = loadConfig(opts.config);
    const engine = buildGeneration(config, [], new MemoryFrameWindowStore()).policy;
    const warnings = vocabularyWarnings(
      loadPolicySources(config.policy.schema, [...config.policy.files], config.baseDir),
    );
    const label = opts.strict === true ? "error" : "warning";
    for (const w of warnings) process.stderr.write(`${label}: ${w}\n`);
    if (opts.strict === true && warnings.length > 0) {
      process.stderr.write(
        `${opts.config}: ${warnings.length} policy comparison(s) that can never match (--strict)\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      `ok: ${opts.config}: ${config.tenants.size} tenants, ${config.upstreams.length} upstreams, ` +
        `${engine.policyCount} policies (revision ${engine.revision}), mode ${config.mode}` +
        `${warnings.length > 0 ? `, ${warnings.length} warning(s)` : ""}\n`,
    );
  } catch (err) {
    if (isConfigProblem(err)) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
