/**
 * The token estimate a tenant's tokens-per-minute limit charges for a call before it is forwarded,
 * made the way Azure makes its own: from the prompt and the most the call may generate
 * (`max_tokens` or its default, times `n`), not from the usage known only afterwards. Text is
 * counted with the model's encoding, chat framing is added per message, images are charged from
 * their dimensions by the model family's rule (docs/limits-tokens.md).
 */
import { loadEncoding } from "./encodings.js";
import type { EncodingName, FamilyId } from "./families.js";
import { type ImageInput, imageTokens } from "./image-tokens.js";
import { modelFamily } from "./model-family.js";
import {
  countTextTokens,
  DEFAULT_MAX_TOKENIZED_CHARS,
  messageTokens,
  type TextMethod,
} from "./text-tokens.js";

/** What the estimate is made from: the request's parts, already read from its body. */
export interface EstimateRequest {
  /** The model (not the deployment) name: picks the encoding and the image rule. */
  model: string;
  /** Every text the model reads: message contents, instructions, tool definitions... */
  texts: readonly string[];
  /** Chat messages, for their framing tokens; absent or 0 for non-chat calls. */
  messages?: number | undefined;
  /** Every input image; dimensions absent when not known (URLs, file ids). */
  images: readonly ImageInput[];
  /** The call's `max_tokens` / `max_completion_tokens` / `max_output_tokens`, when set. */
  maxOutputTokens?: number | undefined;
  /** What to assume when the call sets no maximum. */
  defaultMaxOutputTokens: number;
  /** `n`: choices generated, each up to the maximum. */
  choices?: number | undefined;
}

/** Tuning of {@link estimateTokens}. */
export interface EstimateOptions {
  /** Characters tokenized exactly, all texts together; beyond, sampled (0: characters / 4). */
  maxTokenizedChars?: number | undefined;
  /** Uniform [0, 1) source for the sampling windows (tests pin it). */
  random?: (() => number) | undefined;
}

/** How an estimate was made, for the audit record and for tests. */
export interface EstimateMethod {
  /** The family whose encoding and image rule were used. */
  family: FamilyId;
  /** False when the model name was not recognised and the conservative default was used. */
  knownModel: boolean;
  encoding: EncodingName;
  /** `tokenized`: exact; `sampled`: windows scaled to the length; `characters`: length / 4. */
  text: TextMethod;
  /** Images whose dimensions were unknown, each reserved at the family's maximum. */
  imagesAtMaximum: number;
}

/** The estimate: `total = input + output`. */
export interface TokenEstimate {
  input: number;
  output: number;
  total: number;
  method: EstimateMethod;
}

/** Estimates the tokens `request` may consume; loads the model's encoding on first use. */
export async function estimateTokens(
  request: EstimateRequest,
  options: EstimateOptions = {},
): Promise<TokenEstimate> {
  const { family, known } = modelFamily(request.model);
  const budget = Math.max(0, options.maxTokenizedChars ?? DEFAULT_MAX_TOKENIZED_CHARS);
  const count = await loadEncoding(family.encoding);
  const text = countTextTokens(count, request.texts, budget, options.random ?? Math.random);
  let imageTotal = 0;
  let imagesAtMaximum = 0;
  for (const image of request.images) {
    const charged = imageTokens(family.image, image);
    imageTotal += charged.tokens;
    if (charged.atMaximum) imagesAtMaximum++;
  }
  const input = text.tokens + messageTokens(request.messages) + imageTotal;
  const output = outputTokens(request);
  return {
    input,
    output,
    total: input + output,
    method: {
      family: family.id,
      knownModel: known,
      encoding: family.encoding,
      text: text.method,
      imagesAtMaximum,
    },
  };
}

/** The most the call may generate: its maximum (or the default) for each of its choices. */
function outputTokens(request: EstimateRequest): number {
  const perChoice = isCount(request.maxOutputTokens)
    ? request.maxOutputTokens
    : request.defaultMaxOutputTokens;
  const choices = isCount(request.choices) && request.choices > 1 ? request.choices : 1;
  return Math.ceil(perChoice) * Math.floor(choices);
}

function isCount(n: number | undefined): n is number {
  return n !== undefined && Number.isFinite(n) && n >= 0;
}
