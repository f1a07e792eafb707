/**
 * The token estimate a request reserves against `tokensPerMinute` before it is forwarded
 * (docs/limits-tokens.md): its texts with the model's tokenizer, its images from their header
 * dimensions by the model family's formula (URL and file images reserve the family's maximum),
 * and the output it may produce (`max_tokens`, `max_completion_tokens`, `max_output_tokens`, or
 * `limits.defaultMaxOutputTokens`), times `n`. Only computed for tenants with a token limit.
 */

import type { RuntimeConfig } from "../../config/index.js";
import type { RequestFacts } from "../classify-request/facts.js";
import type { RequestContext } from "../context.js";
import {
  type EncodingName,
  estimateTokens,
  FAMILIES,
  modelFamily,
  preloadEncodings,
} from "../limit-tenant/tokens/index.js";
import { imageDimensionsOf } from "../read-body/collector.js";
import { inspectJsonBody, inspectMultipart } from "../read-body/inspect.js";
import type { RequestBody } from "../read-body/request-body.js";

const OUTPUT_FIELDS = ["max_output_tokens", "max_completion_tokens", "max_tokens"] as const;

/** Tokens to reserve for `ctx`'s request (input + output). */
export async function requestTokens(
  ctx: RequestContext,
  facts: RequestFacts,
  body: RequestBody,
): Promise<number> {
  const config = ctx.generation.config;
  const operation = ctx.route.operation;
  const inspection =
    body.kind === "json"
      ? inspectJsonBody(operation, body.parsed)
      : body.kind === "multipart"
        ? inspectMultipart(operation, body.parts)
        : undefined;
  const parsed = body.kind === "json" ? (body.parsed as Record<string, unknown> | null) : null;
  const fields =
    parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  // Embeddings produce no output tokens.
  let maxOutputTokens: number | undefined = operation === "embeddings" ? 0 : undefined;
  for (const f of operation === "embeddings" ? [] : OUTPUT_FIELDS) {
    const v = fields[f];
    if (typeof v === "number" && Number.isFinite(v) && v > 0) {
      maxOutputTokens = Math.ceil(v);
      break;
    }
  }
  const n = fields["n"];
  const deployment = facts.deployment ?? ctx.route.deployment ?? "";
  const estimate = await estimateTokens({
    model: config.models.get(deployment) ?? deployment,
    texts: inspection?.texts.map((t) => t.text) ?? [],
    messages: Array.isArray(fields["messages"]) ? fields["messages"].length : 0,
    images: (inspection?.images ?? []).map((image) => imageDimensionsOf(image) ?? {}),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    defaultMaxOutputTokens: config.limits.defaultMaxOutputTokens,
    ...(typeof n === "number" && Number.isInteger(n) && n > 1 ? { choices: n } : {}),
  });
  return estimate.total;
}

/**
 * Loads the tokenizers at start-up (and before a reload takes effect) when a tenant or customer of
 * `config` has a token limit, so no request waits ~200 ms for one; others never load them. Only
 * the encodings in use are loaded: `o200k_base` (every model since gpt-4o, and unknown models),
 * and `cl100k_base` only when the config names a gpt-4 or gpt-3.5 model; a request to another
 * deployment of such a model loads it on first use (55-110 ms, once per process).
 */
export async function prepareTokenEstimates(config: RuntimeConfig): Promise<void> {
  for (const tenant of config.tenants.values()) {
    const limits = tenant.limits;
    const anyCustomer = [...limits.customerRates.values()].some((c) => c.tokensPerMinute !== null);
    if (limits.tokensPerMinute !== null || anyCustomer) {
      await preloadEncodings(encodingsOf(config.models.values()));
      return;
    }
  }
}

/** The encodings that count `models`' texts, and `o200k_base`, which unknown models get. */
export function encodingsOf(models: Iterable<string>): Set<EncodingName> {
  const names = new Set<EncodingName>([FAMILIES.default.encoding]);
  for (const model of models) names.add(modelFamily(model).family.encoding);
  return names;
}
