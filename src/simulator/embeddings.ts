import { badRequest } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import {
  type Built,
  type JsonObject,
  positiveInteger,
  requireJsonObject,
  stringParam,
} from "./params.js";
import { estimateTokens, seededRandom } from "./text.js";

/** Dimensions of `text-embedding-ada-002` and `text-embedding-3-small`, the usual deployments. */
export const DEFAULT_DIMENSIONS = 1536;
const MAX_DIMENSIONS = 3072;

/** One embedding on the wire: floats, or their little-endian float32 bytes in base64. */
export interface WireEmbedding {
  object: "embedding";
  index: number;
  embedding: number[] | string;
}

/** The embeddings answer (OpenAI's `CreateEmbeddingResponse`, which Azure keeps as is). */
export interface WireEmbeddingList {
  object: "list";
  data: WireEmbedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** A unit-length vector derived from the text alone, so equal inputs embed equally. */
export function embedText(text: string, dimensions: number): Float32Array {
  const random = seededRandom(text);
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = random() * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm === 0 ? 0 : 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}

/** The inputs as strings: Azure accepts a string, strings, or token arrays (which we stringify). */
function inputsOf(input: unknown): string[] | undefined {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === "number")) return [input.join(",")];
  const out: string[] = [];
  for (const item of input) {
    if (typeof item === "string") out.push(item);
    else if (Array.isArray(item) && item.every((t) => typeof t === "number"))
      out.push(item.join(","));
    else return undefined;
  }
  return out;
}

/** The embeddings answer for a request body, or its 400; the batch runner reuses it per line. */
export function embeddingsFor(body: JsonObject, model: string): Built<WireEmbeddingList> {
  const inputs = inputsOf(body["input"]);
  if (inputs === undefined) {
    return { error: badRequest("'input' is a required property", "input") };
  }
  const format = stringParam(body, "encoding_format") ?? "float";
  if (format !== "float" && format !== "base64") {
    return {
      error: badRequest(`'${format}' is not one of ['float', 'base64']`, "encoding_format"),
    };
  }
  const dimensions = Math.min(
    positiveInteger(body, "dimensions") ?? DEFAULT_DIMENSIONS,
    MAX_DIMENSIONS,
  );
  const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
  return {
    value: {
      object: "list",
      data: inputs.map((text, index) => {
        const vector = embedText(text, dimensions);
        const embedding =
          format === "base64"
            ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64")
            : Array.from(vector);
        return { object: "embedding", index, embedding };
      }),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    },
  };
}

/**
 * `POST .../embeddings`. The openai SDK asks for `encoding_format: "base64"` unless told otherwise
 * and decodes it itself, so both encodings must be exact.
 */
export function embeddings(exchange: Exchange): void {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const built = embeddingsFor(body, exchange.deployment ?? "text-embedding-ada-002");
  if ("error" in built) sendError(exchange, built.error);
  else sendJson(exchange, 200, built.value);
}
