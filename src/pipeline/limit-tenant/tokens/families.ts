/**
 * The shipped table of model families for token estimates (docs/limits-tokens.md#families): which
 * encoding counts a family's text and how its images are charged. Values come from OpenAI's
 * "Images and vision" guide, section "Calculating costs"; Azure's vision docs give the same tile
 * formula for GPT-4 Turbo with Vision and GPT-4o. A family groups models that share both.
 */

/** The tokenizer encodings the gateway loads. */
export type EncodingName = "o200k_base" | "cl100k_base";

/**
 * How an image is charged. `tiles`: scale into 2048x2048, then the shortest side down to 768,
 * and count 512 px tiles: `baseTokens + tileTokens * tiles` (`low` detail: `baseTokens` alone).
 * `patches`: count 32 px patches, capped at `maxPatches` by scaling the image down, times
 * `multiplier`; detail does not change it.
 */
export type ImageRule =
  | { kind: "tiles"; baseTokens: number; tileTokens: number }
  | { kind: "patches"; multiplier: number; maxPatches: number };

/** One row of the table. */
export interface ModelFamily {
  /** Stable name, reported in the estimate's `method`. */
  id: FamilyId;
  encoding: EncodingName;
  image: ImageRule;
}

/** The shipped families; `default` is the one unknown models get. */
export type FamilyId =
  | "gpt-4"
  | "gpt-4o"
  | "gpt-4o-mini"
  | "o1"
  | "gpt-5"
  | "computer-use"
  | "gpt-4.1-mini"
  | "gpt-4.1-nano"
  | "o4-mini"
  | "default";

const tiles = (baseTokens: number, tileTokens: number): ImageRule => ({
  kind: "tiles",
  baseTokens,
  tileTokens,
});
const patches = (multiplier: number): ImageRule => ({
  kind: "patches",
  multiplier,
  maxPatches: 1536,
});

/**
 * The table. Sources per row are in docs/limits-tokens.md; in short:
 * - tiles 85/170: OpenAI "4o, 4.1, 4.5" row; Azure's vision docs (GPT-4 Turbo with Vision, GPT-4o).
 * - tiles 2833/5667 (gpt-4o-mini), 75/150 (o1, o1-pro, o3), 70/140 (gpt-5, gpt-5-chat-latest),
 *   65/129 (computer-use-preview): the same OpenAI table.
 * - patches x1.62 (gpt-4.1-mini, gpt-5-mini), x2.46 (gpt-4.1-nano, gpt-5-nano), x1.72 (o4-mini):
 *   OpenAI's patch section, 1536-patch cap.
 * - default: patches x2.46, the highest per-image maximum of the documented families apart from
 *   gpt-4o-mini (whose counts are inflated to match its price), so an unknown model is not
 *   undercounted by much; its text is counted with o200k_base, the encoding of every model since
 *   gpt-4o.
 */
export const FAMILIES: Readonly<Record<FamilyId, ModelFamily>> = Object.freeze({
  "gpt-4": { id: "gpt-4", encoding: "cl100k_base", image: tiles(85, 170) },
  "gpt-4o": { id: "gpt-4o", encoding: "o200k_base", image: tiles(85, 170) },
  "gpt-4o-mini": { id: "gpt-4o-mini", encoding: "o200k_base", image: tiles(2833, 5667) },
  o1: { id: "o1", encoding: "o200k_base", image: tiles(75, 150) },
  "gpt-5": { id: "gpt-5", encoding: "o200k_base", image: tiles(70, 140) },
  "computer-use": { id: "computer-use", encoding: "o200k_base", image: tiles(65, 129) },
  "gpt-4.1-mini": { id: "gpt-4.1-mini", encoding: "o200k_base", image: patches(1.62) },
  "gpt-4.1-nano": { id: "gpt-4.1-nano", encoding: "o200k_base", image: patches(2.46) },
  "o4-mini": { id: "o4-mini", encoding: "o200k_base", image: patches(1.72) },
  default: { id: "default", encoding: "o200k_base", image: patches(2.46) },
});
