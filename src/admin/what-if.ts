/**
 * The dashboard's what-if (`POST /api/what-if`): a request classified and decided with the running
 * config as a tenant chosen by id, nothing forwarded, never audited, never counted in the metrics
 * (src/runtime/offline.ts keeps its own). The answer has the shape of `/_gateway/evaluate`.
 */
import type { RuntimeConfig } from "../config/index.js";
import { ERROR_CODES, type ErrorCode, GatewayHttpError } from "../errors.js";
import type { WhatIfAnswer } from "../pipeline/what-if.js";
import { OfflineEvaluator } from "../runtime/offline.js";

/** The body of `POST /api/what-if`. */
export interface AdminWhatIfRequest {
  tenant: string;
  /** A customer of the tenant the call is made for (`X-Gateway-On-Behalf-Of`). */
  onBehalfOf?: string;
  /** A data-plane path, e.g. `/openai/deployments/gpt-4o/chat/completions?api-version=...`. */
  path: string;
  body: unknown;
}

/** One evaluator per config generation: its policies are compiled once, not per call. */
const evaluators = new WeakMap<RuntimeConfig, OfflineEvaluator>();

/** Evaluates the request, or throws the coded error the data plane would have answered. */
export async function adminWhatIf(
  config: RuntimeConfig,
  req: AdminWhatIfRequest,
): Promise<WhatIfAnswer> {
  if (!config.tenants.has(req.tenant)) {
    throw new GatewayHttpError("InvalidRequest", `unknown tenant \`${req.tenant}\``, {
      param: "tenant",
    });
  }
  if (!req.path.startsWith("/")) {
    throw new GatewayHttpError("InvalidRequest", "`path` is a data-plane path starting with /", {
      param: "path",
    });
  }
  let evaluator = evaluators.get(config);
  if (evaluator === undefined) {
    evaluator = new OfflineEvaluator(config);
    evaluators.set(config, evaluator);
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (req.onBehalfOf !== undefined && req.onBehalfOf !== "") {
    headers["x-gateway-on-behalf-of"] = req.onBehalfOf;
  }
  const result = await evaluator.evaluate({
    tenant: req.tenant,
    path: req.path,
    headers,
    body: req.body,
  });
  if (result.ok) return result.answer;
  const code = Object.hasOwn(ERROR_CODES, result.code)
    ? (result.code as ErrorCode)
    : "InvalidRequest";
  throw new GatewayHttpError(code, result.message);
}
