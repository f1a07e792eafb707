import { randomUUID } from "node:crypto";
import { badRequest } from "./azure-errors.js";
import type { BatchOutcome } from "./batch-types.js";
import { chatCompletionFor } from "./chat.js";
import { embeddingsFor } from "./embeddings.js";
import { newId } from "./ids.js";
import { asObject, type Built, type JsonObject } from "./params.js";
import { responseFor } from "./responses.js";

/** The endpoints a batch may target, without their `/v1` prefix (Azure accepts both spellings). */
export const BATCH_ENDPOINTS = new Set(["/chat/completions", "/embeddings", "/responses"]);

/** `/v1/chat/completions` and `/chat/completions` name the same endpoint. */
export function normalizeEndpoint(url: string): string {
  return url.startsWith("/v1/") ? url.slice(3) : url;
}

interface BatchLine {
  readonly customId: string;
  readonly body: JsonObject;
}

function answerFor(endpoint: string, body: JsonObject, chunks: number): Built<unknown> {
  const model = typeof body["model"] === "string" ? body["model"] : undefined;
  if (model === undefined)
    return { error: badRequest("you must provide a model parameter", "model") };
  if (endpoint === "/chat/completions") return chatCompletionFor(body, model, chunks);
  if (endpoint === "/embeddings") return embeddingsFor(body, model);
  return responseFor(body, model, chunks);
}

/**
 * Reads a batch input file: one JSON request a line (`custom_id`, `method: "POST"`, `url` of the
 * batch's endpoint, `body`). Anything else, or a repeated `custom_id`, is a 400 naming the line.
 */
export function parseBatchInput(text: string, endpoint: string): Built<BatchLine[]> {
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  const rows = text.split("\n");
  for (const [index, raw] of rows.entries()) {
    if (raw.trim() === "") continue;
    const fail = (why: string): Built<BatchLine[]> => ({
      error: badRequest(`Line ${index + 1} of the input file ${why}.`, "input_file_id"),
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return fail("is not valid JSON: the input file must be JSONL");
    }
    const request = asObject(parsed);
    const body = asObject(request?.["body"]);
    const customId = request?.["custom_id"];
    const url = request?.["url"];
    if (request === undefined || body === undefined) return fail("has no 'body' object");
    if (typeof customId !== "string" || customId === "") return fail("has no 'custom_id'");
    if (seen.has(customId)) return fail(`repeats custom_id '${customId}'`);
    if (request["method"] !== "POST") return fail("must use method 'POST'");
    if (typeof url !== "string" || normalizeEndpoint(url) !== endpoint)
      return fail(`must target the batch's endpoint '${endpoint}'`);
    seen.add(customId);
    lines.push({ customId, body });
  }
  if (lines.length === 0) return { error: badRequest("The input file is empty.", "input_file_id") };
  return { value: lines };
}

/**
 * Runs every line through the simulator's own builders, as the batch service would call the
 * deployment: successes go to the output file, 4xx answers to the error file, one JSONL line
 * each, with the `custom_id` of the request.
 */
export function runBatch(
  lines: readonly BatchLine[],
  endpoint: string,
  chunks: number,
): BatchOutcome {
  const output: string[] = [];
  const errors: string[] = [];
  for (const { customId, body } of lines) {
    const answer = answerFor(endpoint, body, chunks);
    const statusCode = "error" in answer ? answer.error.status : 200;
    const responseBody: unknown = "error" in answer ? answer.error.body : answer.value;
    const line = JSON.stringify({
      id: newId.batchRequest(),
      custom_id: customId,
      response: { status_code: statusCode, request_id: randomUUID(), body: responseBody },
      error: null,
    });
    ("error" in answer ? errors : output).push(line);
  }
  const joined = (rows: string[]): string => (rows.length === 0 ? "" : `${rows.join("\n")}\n`);
  return {
    output: joined(output),
    errors: joined(errors),
    counts: { total: lines.length, completed: output.length, failed: errors.length },
  };
}
