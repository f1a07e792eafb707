/**
 * Token estimates for tenants' tokens-per-minute limits (docs/limits-tokens.md): the public face
 * of this folder, so callers do not depend on how it is split.
 */
export { loadEncoding, preloadEncodings, type TokenCounter } from "./encodings.js";
export {
  type EstimateMethod,
  type EstimateOptions,
  type EstimateRequest,
  estimateTokens,
  type TokenEstimate,
} from "./estimate.js";
export {
  type EncodingName,
  FAMILIES,
  type FamilyId,
  type ImageRule,
  type ModelFamily,
} from "./families.js";
export { type ImageDimensions, imageDimensions } from "./image-dimensions.js";
export {
  type ImageInput,
  imageTokens,
  maxImageTokens,
  patchCount,
  tileCount,
} from "./image-tokens.js";
export { modelFamily } from "./model-family.js";
export {
  countTextTokens,
  DEFAULT_MAX_TOKENIZED_CHARS,
  MESSAGE_TOKENS,
  messageTokens,
  REPLY_PRIMER_TOKENS,
  type TextMethod,
} from "./text-tokens.js";
