import type {
  ImageGenerationContentFilterResults,
  ImageGenerationPromptFilterResults,
} from "@azure/openai/types";
import { badRequest } from "./azure-errors.js";
import { imageFilterResults, imagePromptFilterResults } from "./content-filter.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { unixSeconds } from "./ids.js";

/** A 1x1 PNG: every generated image. Small, valid, and decodable by any image library. */
export const PLACEHOLDER_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=",
  "base64",
);

/** Where the simulator serves {@link PLACEHOLDER_PNG}, for `response_format: "url"`. */
export const PLACEHOLDER_PNG_PATH = "/_simulator/image.png";

/** One generated image as Azure sends it: the image, its revised prompt, and both filter verdicts. */
export interface AzureImage {
  b64_json?: string;
  url?: string;
  revised_prompt: string;
  content_filter_results: ImageGenerationContentFilterResults;
  prompt_filter_results: ImageGenerationPromptFilterResults;
}

/** The images answer. */
export interface AzureImagesResponse {
  created: number;
  data: AzureImage[];
}

function imagesAnswer(
  exchange: Exchange,
  prompt: string,
  count: number,
  format: string,
): AzureImagesResponse {
  const image = (): AzureImage => ({
    ...(format === "url"
      ? { url: `${exchange.baseUrl}${PLACEHOLDER_PNG_PATH}` }
      : { b64_json: PLACEHOLDER_PNG.toString("base64") }),
    revised_prompt: prompt,
    content_filter_results: imageFilterResults(),
    prompt_filter_results: imagePromptFilterResults(),
  });
  return { created: unixSeconds(), data: Array.from({ length: count }, image) };
}

function imageCount(value: unknown): number | undefined {
  if (value === undefined) return 1;
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 10 ? n : undefined;
}

/**
 * `POST .../images/generations` (JSON) and `.../images/edits` (multipart): placeholder images.
 * `b64_json` unless `response_format: "url"`, the gpt-image-1 behaviour (DALL-E 3 defaulted to url).
 */
export function images(exchange: Exchange): void {
  const { body } = exchange;
  let params: Readonly<Record<string, unknown>>;
  if (body.kind === "json" && typeof body.value === "object" && body.value !== null) {
    params = body.value as Readonly<Record<string, unknown>>;
  } else if (body.kind === "multipart" && exchange.route.operation === "images.edits") {
    params = body.form.fields;
    if (body.form.files.length === 0) {
      sendError(exchange, badRequest("'image' is a required property", "image"));
      return;
    }
  } else {
    sendError(exchange, badRequest("The request body could not be parsed."));
    return;
  }
  const prompt = params["prompt"];
  if (typeof prompt !== "string" || prompt === "") {
    sendError(exchange, badRequest("'prompt' is a required property", "prompt"));
    return;
  }
  const count = imageCount(params["n"]);
  if (count === undefined) {
    sendError(exchange, badRequest("'n' must be an integer between 1 and 10", "n"));
    return;
  }
  const format =
    typeof params["response_format"] === "string" ? params["response_format"] : "b64_json";
  sendJson(exchange, 200, imagesAnswer(exchange, prompt, count, format));
}
