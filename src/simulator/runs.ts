import type { Assistant } from "openai/resources/beta/assistants";
import type { Run } from "openai/resources/beta/threads/runs/runs";
import { assistantNotFound } from "./assistants.js";
import { badRequest, objectNotFound } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { paginate } from "./pagination.js";
import {
  asObject,
  type JsonObject,
  metadataParam,
  requireJsonObject,
  stringParam,
} from "./params.js";
import { collectPromptText, estimateTokens, planAnswer } from "./text.js";
import { foundThread, messageOf, textContent } from "./thread-messages.js";
import type { StoredThread } from "./thread-types.js";
import { newThread } from "./threads.js";

/** The assistant a run body names, or undefined after answering the 400 or 404. */
function assistantOf(exchange: Exchange, body: JsonObject): Assistant | undefined {
  const id = stringParam(body, "assistant_id");
  if (id === undefined) {
    sendError(exchange, badRequest("Missing required parameter: 'assistant_id'.", "assistant_id"));
    return undefined;
  }
  const assistant = exchange.state.assistants.get(id);
  if (assistant === undefined) sendError(exchange, assistantNotFound(id));
  return assistant;
}

/**
 * Runs the assistant on the thread at once: the reply (deterministic words from the thread's
 * text) is appended as an assistant message and the run is stored `completed`, with usage.
 */
function completeRun(
  exchange: Exchange,
  stored: StoredThread,
  assistant: Assistant,
  body: JsonObject,
): Run {
  const instructions = stringParam(body, "instructions") ?? assistant.instructions ?? "";
  const additional = stringParam(body, "additional_instructions");
  const prompt = collectPromptText([
    instructions,
    additional ?? "",
    stored.messages.values().map((m) => m.content),
  ]);
  const plan = planAnswer(prompt.text, exchange.faults.chunks, undefined);
  const promptTokens = estimateTokens(prompt.text);
  const now = unixSeconds();
  const runId = newId.run();
  const reply = messageOf(stored.thread.id, "assistant", [textContent(plan.chunks.join(""))], {
    assistantId: assistant.id,
    runId,
  });
  stored.messages.set(reply.id, reply);
  const run: Run = {
    id: runId,
    object: "thread.run",
    created_at: now,
    assistant_id: assistant.id,
    thread_id: stored.thread.id,
    status: "completed",
    started_at: now,
    expires_at: null,
    cancelled_at: null,
    failed_at: null,
    completed_at: now,
    required_action: null,
    last_error: null,
    model: stringParam(body, "model") ?? assistant.model,
    instructions: additional === undefined ? instructions : `${instructions}\n${additional}`,
    tools: assistant.tools,
    metadata: metadataParam(body),
    incomplete_details: null,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: plan.chunks.length,
      total_tokens: promptTokens + plan.chunks.length,
    },
    temperature: assistant.temperature ?? 1,
    top_p: assistant.top_p ?? 1,
    max_prompt_tokens: null,
    max_completion_tokens: null,
    truncation_strategy: { type: "auto", last_messages: null },
    response_format: "auto",
    tool_choice: "auto",
    parallel_tool_calls: true,
  };
  stored.runs.set(run.id, run);
  return run;
}

function refuseStream(exchange: Exchange, body: JsonObject): boolean {
  if (body["stream"] !== true) return false;
  sendError(
    exchange,
    badRequest("The simulator does not stream runs; poll them instead.", "stream"),
  );
  return true;
}

/** `POST /openai/threads/{id}/runs`: a run that has already completed. */
export function createRun(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored === undefined) return;
  const body = requireJsonObject(exchange);
  if (body === undefined || refuseStream(exchange, body)) return;
  const assistant = assistantOf(exchange, body);
  if (assistant === undefined) return;
  for (const entry of Array.isArray(body["additional_messages"])
    ? body["additional_messages"]
    : []) {
    const message = asObject(entry);
    if (message === undefined) continue;
    const content = typeof message["content"] === "string" ? message["content"] : "";
    const added = messageOf(stored.thread.id, "user", [textContent(content)]);
    stored.messages.set(added.id, added);
  }
  sendJson(exchange, 200, completeRun(exchange, stored, assistant, body));
}

/** `POST /openai/threads/runs`: creates a thread from `thread` and runs it at once. */
export function createThreadAndRun(exchange: Exchange): void {
  const body = requireJsonObject(exchange);
  if (body === undefined || refuseStream(exchange, body)) return;
  const assistant = assistantOf(exchange, body);
  if (assistant === undefined) return;
  const stored = newThread(asObject(body["thread"]) ?? {});
  if ("error" in stored) {
    sendError(exchange, stored.error);
    return;
  }
  exchange.state.threads.set(stored.value.thread.id, stored.value);
  sendJson(exchange, 200, completeRun(exchange, stored.value, assistant, body));
}

/** `GET /openai/threads/{id}/runs`: newest first, cursor-paged. */
export function listRuns(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored !== undefined) sendJson(exchange, 200, paginate(exchange, stored.runs.values()));
}

/** `GET /openai/threads/{id}/runs/{run_id}`. */
export function retrieveRun(exchange: Exchange): void {
  const stored = foundThread(exchange);
  if (stored === undefined) return;
  const id = exchange.route.ids[1] ?? "";
  const run = stored.runs.get(id);
  if (run === undefined) sendError(exchange, objectNotFound(`No run found with id '${id}'.`));
  else sendJson(exchange, 200, run);
}
