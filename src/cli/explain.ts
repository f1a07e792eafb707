/** `policy-gateway explain`: facts and decision for one request body, offline. */

import { readFileSync } from "node:fs";
import { loadConfig } from "../config/index.js";
import { ensurePurposeModel } from "../pipeline/classify-request/purposes/model/shipped.js";
import { OfflineEvaluator } from "../runtime/offline.js";

/** Parses `K: V` header arguments. */
export function parseHeaderArgs(args: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf(":");
    if (i <= 0) throw new Error(`invalid header \`${a}\`: expected \`Name: value\``);
    headers[a.slice(0, i).trim().toLowerCase()] = a.slice(i + 1).trim();
  }
  return headers;
}

/** Prints the what-if answer as JSON; exits 2 when the gateway would answer an error. */
export async function explainCommand(
  file: string,
  opts: { config: string; tenant: string; customerKey?: string; header: string[]; path: string },
): Promise<void> {
  const config = loadConfig(opts.config);
  await ensurePurposeModel();
  const evaluator = new OfflineEvaluator(config);
  const body = readFileSync(file === "-" ? 0 : file, "utf8");
  const result = await evaluator.evaluate({
    tenant: opts.tenant,
    ...(opts.customerKey === undefined ? {} : { customerKey: opts.customerKey }),
    path: opts.path,
    headers: parseHeaderArgs(opts.header),
    body,
  });
  process.stdout.write(`${JSON.stringify(result.ok ? result.answer : result, null, 2)}\n`);
  if (!result.ok) process.exitCode = 2;
}
