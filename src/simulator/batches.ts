import { badRequest, conflict, objectNotFound } from "./azure-errors.js";
import { BATCH_ENDPOINTS, normalizeEndpoint, parseBatchInput, runBatch } from "./batch-runner.js";
import type { StoredBatch, WireBatch } from "./batch-types.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { paginate } from "./pagination.js";
import { metadataParam, requireJsonObject, stringParam } from "./params.js";
import type { SimulatorState } from "./state.js";

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Moves a batch on at its first read: a `validating` batch publishes its outcome (output and
 * error files, counts, `completed`); a `cancelling` one becomes `cancelled`.
 */
function advance(state: SimulatorState, stored: StoredBatch): WireBatch {
  const { batch, pending } = stored;
  const now = unixSeconds();
  if (batch.status === "cancelling") {
    stored.batch = { ...batch, status: "cancelled", cancelled_at: now };
  } else if (batch.status === "validating" && pending !== undefined) {
    const file = (kind: string, jsonl: string): string | null =>
      jsonl === ""
        ? null
        : state.files.add(
            "batch_output",
            `${batch.id}_${kind}.jsonl`,
            Buffer.byteLength(jsonl),
            Buffer.from(jsonl),
          ).id;
    stored.batch = {
      ...batch,
      status: "completed",
      in_progress_at: now,
      finalizing_at: now,
      completed_at: now,
      output_file_id: file("output", pending.output),
      error_file_id: file("error", pending.errors),
      request_counts: pending.counts,
    };
    stored.pending = undefined;
  }
  return stored.batch;
}

function found(exchange: Exchange): StoredBatch | undefined {
  const id = exchange.route.ids[0] ?? "";
  const stored = exchange.state.batches.get(id);
  if (stored === undefined) sendError(exchange, objectNotFound(`Batch with id '${id}' not found.`));
  return stored;
}

/**
 * `POST /openai/batches`: checks the input file (it must exist and be JSONL requests for the
 * batch's endpoint, else a 400), runs every line at once, and answers the batch `validating`.
 */
export function createBatch(exchange: Exchange): void {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const inputFileId = stringParam(body, "input_file_id");
  const endpointParam = stringParam(body, "endpoint");
  const endpoint = endpointParam === undefined ? undefined : normalizeEndpoint(endpointParam);
  if (inputFileId === undefined) {
    sendError(
      exchange,
      badRequest("Missing required parameter: 'input_file_id'.", "input_file_id"),
    );
    return;
  }
  if (endpointParam === undefined || endpoint === undefined || !BATCH_ENDPOINTS.has(endpoint)) {
    sendError(
      exchange,
      badRequest(
        "'endpoint' must be one of /v1/chat/completions, /v1/embeddings, /v1/responses.",
        "endpoint",
      ),
    );
    return;
  }
  if (body["completion_window"] !== "24h") {
    sendError(exchange, badRequest("'completion_window' must be '24h'.", "completion_window"));
    return;
  }
  const content = exchange.state.files.content(inputFileId);
  if (content === undefined || content === null) {
    const why = content === undefined ? "was not found" : "is too large for the simulator";
    sendError(exchange, badRequest(`The input file '${inputFileId}' ${why}.`, "input_file_id"));
    return;
  }
  const lines = parseBatchInput(content.toString("utf8"), endpoint);
  if ("error" in lines) {
    sendError(exchange, lines.error);
    return;
  }
  const firstModel = lines.value[0]?.body["model"];
  const created = unixSeconds();
  const batch: WireBatch = {
    id: newId.batch(),
    object: "batch",
    endpoint: endpointParam,
    errors: null,
    input_file_id: inputFileId,
    completion_window: "24h",
    status: "validating",
    output_file_id: null,
    error_file_id: null,
    created_at: created,
    in_progress_at: null,
    expires_at: created + DAY_SECONDS,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    request_counts: { total: lines.value.length, completed: 0, failed: 0 },
    metadata: metadataParam(body),
    model: typeof firstModel === "string" ? firstModel : null,
    usage: null,
  };
  exchange.state.batches.set(batch.id, {
    batch,
    pending: runBatch(lines.value, endpoint, exchange.faults.chunks),
  });
  sendJson(exchange, 200, batch);
}

/** `GET /openai/batches/{id}` (the first read publishes the outcome). */
export function retrieveBatch(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored !== undefined) sendJson(exchange, 200, advance(exchange.state, stored));
}

/** `GET /openai/batches`: newest first, cursor-paged. */
export function listBatches(exchange: Exchange): void {
  const batches = exchange.state.batches.values().map((s) => advance(exchange.state, s));
  sendJson(exchange, 200, paginate(exchange, batches));
}

/**
 * `POST /openai/batches/{id}/cancel`: a batch not yet read is `cancelling` (then `cancelled`,
 * with no output); a finished one is a 409.
 */
export function cancelBatch(exchange: Exchange): void {
  const stored = found(exchange);
  if (stored === undefined) return;
  const { batch } = stored;
  if (batch.status === "validating" || batch.status === "in_progress") {
    stored.pending = undefined;
    stored.batch = { ...batch, status: "cancelling", cancelling_at: unixSeconds() };
  } else if (batch.status !== "cancelling") {
    sendError(exchange, conflict(`Cannot cancel a batch with status '${batch.status}'.`));
    return;
  }
  sendJson(exchange, 200, stored.batch);
}
