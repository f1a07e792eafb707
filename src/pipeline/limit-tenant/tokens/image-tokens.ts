/**
 * Image tokens from an image's dimensions, by the family's rule (families.ts). Pure arithmetic
 * following OpenAI's "Calculating costs" steps; an image whose dimensions are not known (a URL, a
 * file id, bytes that are not a readable image) is reserved at the rule's maximum, so a limit can
 * never be dodged by hiding the size.
 */
import type { ImageRule } from "./families.js";

/** One image of a request; `detail` is the request's `low` / `high` / `auto` (absent: `auto`). */
export interface ImageInput {
  width?: number | undefined;
  height?: number | undefined;
  detail?: string | undefined;
}

/** Tiles models: the long side is first fitted into this square... */
const FIT = 2048;
/** ...then the shortest side brought down to this... */
const SHORT = 768;
/** ...and the image covered with tiles of this side. */
const TILE = 512;
/** The most tiles any image can take: at most 768 / 512 -> 2 by 2048 / 512 -> 4. */
export const MAX_TILES = Math.ceil(SHORT / TILE) * Math.ceil(FIT / TILE);
/** Patch models: the side of a patch. */
const PATCH = 32;
/** Guards `ceil` against float residue: 50 * 1.62 is 81.00000000000001. */
const EPSILON = 1e-9;

const ceil = (x: number): number => Math.ceil(x - EPSILON);

/** 512 px tiles of a `width` x `height` image at high detail (dimensions positive). */
export function tileCount(width: number, height: number): number {
  let w = width;
  let h = height;
  const long = Math.max(w, h);
  if (long > FIT) {
    w = Math.max(1, Math.round((w * FIT) / long));
    h = Math.max(1, Math.round((h * FIT) / long));
  }
  const short = Math.min(w, h);
  if (short > SHORT) {
    w = Math.round((w * SHORT) / short);
    h = Math.round((h * SHORT) / short);
  }
  return Math.ceil(w / TILE) * Math.ceil(h / TILE);
}

/**
 * 32 px patches of a `width` x `height` image, at most `maxPatches`: over the cap, the image is
 * scaled so that whole patches fit the budget (OpenAI's shrink factor, then its adjustment to a
 * whole number of patches on the tighter side). An image too thin for that counts as the cap.
 */
export function patchCount(width: number, height: number, maxPatches: number): number {
  const raw = Math.ceil(width / PATCH) * Math.ceil(height / PATCH);
  if (raw <= maxPatches) return raw;
  const shrink = Math.sqrt((PATCH * PATCH * maxPatches) / (width * height));
  const across = (width * shrink) / PATCH;
  const down = (height * shrink) / PATCH;
  if (Math.floor(across) < 1 || Math.floor(down) < 1) return maxPatches;
  const fit = shrink * Math.min(Math.floor(across) / across, Math.floor(down) / down);
  const count = ceil((width * fit) / PATCH) * ceil((height * fit) / PATCH);
  return Math.min(count, maxPatches);
}

/** The tokens of the largest image `rule` can be charged for at `detail`. */
export function maxImageTokens(rule: ImageRule, detail?: string): number {
  if (rule.kind === "patches") return ceil(rule.maxPatches * rule.multiplier);
  if (detail === "low") return rule.baseTokens;
  return rule.baseTokens + rule.tileTokens * MAX_TILES;
}

/**
 * The tokens of one image under `rule`; `atMaximum` when its dimensions were unknown and the
 * maximum was reserved. `low` detail is honoured by tile rules only (patch models ignore it);
 * `auto` and anything else count as `high`, the most the model may choose.
 */
export function imageTokens(
  rule: ImageRule,
  image: ImageInput,
): { tokens: number; atMaximum: boolean } {
  const { width, height, detail } = image;
  if (rule.kind === "tiles" && detail === "low") {
    return { tokens: rule.baseTokens, atMaximum: false };
  }
  if (!isSide(width) || !isSide(height)) {
    return { tokens: maxImageTokens(rule, detail), atMaximum: true };
  }
  if (rule.kind === "tiles") {
    return {
      tokens: rule.baseTokens + rule.tileTokens * tileCount(width, height),
      atMaximum: false,
    };
  }
  return {
    tokens: ceil(patchCount(width, height, rule.maxPatches) * rule.multiplier),
    atMaximum: false,
  };
}

function isSide(n: number | undefined): n is number {
  return n !== undefined && Number.isFinite(n) && n > 0;
}
