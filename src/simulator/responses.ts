import type {
  Response,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseStreamEvent,
  ResponseUsage,
} from "openai/resources/responses/responses";
import { badRequest, invalidReference } from "./azure-errors.js";
import { conversationNotFound } from "./conversations.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import {
  asObject,
  type Built,
  type JsonObject,
  metadataParam,
  positiveInteger,
  requireJsonObject,
  stringParam,
} from "./params.js";
import { itemsOf } from "./response-items.js";
import { SseWriter } from "./sse.js";
import {
  type AnswerPlan,
  collectPromptText,
  estimateTokens,
  IMAGE_TOKENS,
  planAnswer,
} from "./text.js";

/**
 * A Response as it travels on the wire: the SDK's type without `output_text` (a convenience the
 * SDK adds client-side), with `usage` null until the response is done, as the service sends it,
 * and with `store`, which the service echoes but the SDK's type leaves out.
 */
export type WireResponse = Omit<Response, "output_text" | "usage"> & {
  usage: ResponseUsage | null;
  store: boolean;
};

/** A Responses stream event as sent: events that embed a response embed the wire form. */
export type WireResponseEvent =
  | Exclude<ResponseStreamEvent, { response: Response }>
  | (Omit<Extract<ResponseStreamEvent, { response: Response }>, "response"> & {
      response: WireResponse;
    });

/** What a Response echoes of the state it was created in. */
interface ResponseContext {
  readonly previousResponseId: string | null;
  readonly conversationId: string | null;
  readonly store: boolean;
}

/** A Response in the making: its first and final forms, and the parts its stream is made of. */
interface BuiltResponse {
  readonly initial: WireResponse;
  readonly finished: WireResponse;
  readonly message: ResponseOutputMessage;
  readonly part: ResponseOutputText;
  readonly plan: AnswerPlan;
}

function baseResponse(body: JsonObject, model: string, context: ResponseContext): WireResponse {
  const temperature = body["temperature"];
  const topP = body["top_p"];
  return {
    id: newId.response(),
    object: "response",
    created_at: unixSeconds(),
    status: "in_progress",
    background: false,
    conversation: context.conversationId === null ? null : { id: context.conversationId },
    error: null,
    incomplete_details: null,
    instructions: stringParam(body, "instructions") ?? null,
    max_output_tokens: positiveInteger(body, "max_output_tokens") ?? null,
    model,
    output: [],
    parallel_tool_calls: true,
    previous_response_id: context.previousResponseId,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: context.store,
    temperature: typeof temperature === "number" ? temperature : 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: typeof topP === "number" ? topP : 1,
    truncation: "disabled",
    usage: null,
    metadata: metadataParam(body),
  };
}

function buildResponse(
  body: JsonObject,
  model: string,
  chunks: number,
  context: ResponseContext,
): Built<BuiltResponse> {
  const input = body["input"];
  if (typeof input !== "string" && !Array.isArray(input)) {
    return { error: badRequest("Missing required parameter: 'input'.", "input") };
  }
  const prompt = collectPromptText([body["instructions"] ?? "", input]);
  const inputTokens = estimateTokens(prompt.text) + prompt.images * IMAGE_TOKENS;
  const plan = planAnswer(prompt.text, chunks, positiveInteger(body, "max_output_tokens"));
  const initial = baseResponse(body, model, context);
  const text = plan.chunks.join("");
  const part: ResponseOutputText = { type: "output_text", annotations: [], logprobs: [], text };
  const message: ResponseOutputMessage = {
    id: newId.message(),
    type: "message",
    status: plan.finishReason === "stop" ? "completed" : "incomplete",
    role: "assistant",
    content: [part],
  };
  const finished: WireResponse = {
    ...initial,
    status: plan.finishReason === "stop" ? "completed" : "incomplete",
    completed_at: unixSeconds(),
    incomplete_details: plan.finishReason === "stop" ? null : { reason: "max_output_tokens" },
    output: [message],
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cache_write_tokens: 0, cached_tokens: 0 },
      output_tokens: plan.chunks.length,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + plan.chunks.length,
    },
  };
  return { value: { initial, finished, message, part, plan } };
}

/**
 * The final Response for a body, outside any state (nothing stored, no previous response or
 * conversation): what a batch line of `/v1/responses` gets.
 */
export function responseFor(body: JsonObject, model: string, chunks: number): Built<WireResponse> {
  const built = buildResponse(body, model, chunks, {
    previousResponseId: null,
    conversationId: null,
    store: false,
  });
  return "error" in built ? built : { value: built.value.finished };
}

function conversationIdOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const id = asObject(value)?.["id"];
  return typeof id === "string" ? id : undefined;
}

/**
 * Checks `previous_response_id` and `conversation` against the stored state: an unknown previous
 * response is OpenAI's 400 `previous_response_not_found`, an unknown conversation a 404, both at
 * once a 400 (they are mutually exclusive).
 */
function resolveContext(exchange: Exchange, body: JsonObject): Built<ResponseContext> {
  const previous = stringParam(body, "previous_response_id");
  const conversation = conversationIdOf(body["conversation"]);
  if (previous !== undefined && conversation !== undefined) {
    return {
      error: badRequest(
        "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
        "conversation",
      ),
    };
  }
  if (previous !== undefined && !exchange.state.responses.has(previous)) {
    return {
      error: invalidReference(
        400,
        "previous_response_not_found",
        `Previous response with id '${previous}' not found.`,
        "previous_response_id",
      ),
    };
  }
  if (conversation !== undefined && !exchange.state.conversations.has(conversation)) {
    return { error: conversationNotFound(conversation) };
  }
  return {
    value: {
      previousResponseId: previous ?? null,
      conversationId: conversation ?? null,
      store: body["store"] !== false,
    },
  };
}

/** Stores the response (unless `store: false`) and appends its turn to its conversation. */
function remember(exchange: Exchange, body: JsonObject, built: BuiltResponse): void {
  const { finished, message } = built;
  const inputItems = itemsOf(body["input"]);
  if (finished.store) {
    exchange.state.responses.set(
      finished.id,
      { response: finished, inputItems },
      exchange.record.bodyBytes,
    );
  }
  const conversationId = finished.conversation?.id;
  const conversation =
    conversationId === undefined ? undefined : exchange.state.conversations.get(conversationId);
  if (conversation !== undefined) {
    for (const item of [...inputItems, { ...message }]) conversation.items.set(item.id, item);
  }
}

/**
 * `POST /openai/responses` and `/openai/v1/responses`: a Response, or its event stream. The
 * finished Response is stored (unless `store: false`) for retrieve, delete, `input_items` and
 * later `previous_response_id`s.
 */
export async function responses(exchange: Exchange): Promise<void> {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const context = resolveContext(exchange, body);
  if ("error" in context) {
    sendError(exchange, context.error);
    return;
  }
  const built = buildResponse(
    body,
    exchange.deployment ?? "gpt-4o",
    exchange.faults.chunks,
    context.value,
  );
  if ("error" in built) {
    sendError(exchange, built.error);
    return;
  }
  remember(exchange, body, built.value);
  const { initial: response, finished, message, part, plan } = built.value;
  const text = part.text;
  if (body["stream"] !== true) {
    sendJson(exchange, 200, finished);
    return;
  }

  const sse = new SseWriter(exchange);
  let sequence = 0;
  const emit = (event: WireResponseEvent): Promise<void> => sse.send(event, event.type);
  const at = { item_id: message.id, output_index: 0, content_index: 0 };
  await emit({ type: "response.created", sequence_number: sequence++, response });
  await emit({ type: "response.in_progress", sequence_number: sequence++, response });
  await emit({
    type: "response.output_item.added",
    sequence_number: sequence++,
    output_index: 0,
    item: { ...message, status: "in_progress", content: [] },
  });
  await emit({
    type: "response.content_part.added",
    sequence_number: sequence++,
    ...at,
    part: { ...part, text: "" },
  });
  for (const delta of plan.chunks) {
    await sse.pause();
    await emit({
      type: "response.output_text.delta",
      sequence_number: sequence++,
      ...at,
      delta,
      logprobs: [],
    });
  }
  await emit({
    type: "response.output_text.done",
    sequence_number: sequence++,
    ...at,
    text,
    logprobs: [],
  });
  await emit({ type: "response.content_part.done", sequence_number: sequence++, ...at, part });
  await emit({
    type: "response.output_item.done",
    sequence_number: sequence++,
    output_index: 0,
    item: message,
  });
  await emit(
    plan.finishReason === "stop"
      ? { type: "response.completed", sequence_number: sequence++, response: finished }
      : { type: "response.incomplete", sequence_number: sequence++, response: finished },
  );
  sse.end();
}
