/** `policy-gateway check`: validates config, schema and policies without serving. */
import { loadConfig } from "../config/index.js";
import { MemoryFrameWindowStore } from "../pipeline/classify-request/frame-rate.js";
import { buildGeneration } from "../runtime/generation.js";
import { isConfigProblem } from "./config-problem.js";

/** Exits 0 when config and policies are valid, 1 with every problem listed otherwise. */
export function checkCommand(opts: { config: string }): void {
  try {
    const config = loadConfig(opts.config);
    const engine = buildGeneration(config, [], new MemoryFrameWindowStore()).policy;
    process.stdout.write(
      `ok: ${opts.config}: ${config.tenants.size} tenants, ${config.upstreams.length} upstreams, ` +
        `${engine.policyCount} policies (revision ${engine.revision}), mode ${config.mode}\n`,
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
