import type {
  Response,
  ResponseOutputMessage,
  ResponseOutputText,
  ResponseStreamEvent,
  ResponseUsage,
} from "openai/resources/responses/responses";
import { badRequest } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { type JsonObject, positiveInteger, requireJsonObject, stringParam } from "./params.js";
import { SseWriter } from "./sse.js";
import { collectPromptText, estimateTokens, IMAGE_TOKENS, planAnswer } from "./text.js";

/**
 * A Response as it travels on the wire: the SDK's type without `output_text` (a convenience the
 * SDK adds client-side) and with `usage` null until the response is done, as the service sends it.
 */
export type WireResponse = Omit<Response, "output_text" | "usage"> & {
  usage: ResponseUsage | null;
};

/** A Responses stream event as sent: events that embed a response embed the wire form. */
export type WireResponseEvent =
  | Exclude<ResponseStreamEvent, { response: Response }>
  | (Omit<Extract<ResponseStreamEvent, { response: Response }>, "response"> & {
      response: WireResponse;
    });

function baseResponse(exchange: Exchange, body: JsonObject, id: string): WireResponse {
  const temperature = body["temperature"];
  const topP = body["top_p"];
  return {
    id,
    object: "response",
    created_at: unixSeconds(),
    status: "in_progress",
    background: false,
    error: null,
    incomplete_details: null,
    instructions: stringParam(body, "instructions") ?? null,
    max_output_tokens: positiveInteger(body, "max_output_tokens") ?? null,
    model: exchange.deployment ?? "gpt-4o",
    output: [],
    parallel_tool_calls: true,
    previous_response_id: stringParam(body, "previous_response_id") ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    temperature: typeof temperature === "number" ? temperature : 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: typeof topP === "number" ? topP : 1,
    truncation: "disabled",
    usage: null,
    metadata: {},
  };
}

/** `POST /openai/responses` and `/openai/v1/responses`: a Response, or its event stream. */
export async function responses(exchange: Exchange): Promise<void> {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const input = body["input"];
  if (typeof input !== "string" && !Array.isArray(input)) {
    sendError(exchange, badRequest("Missing required parameter: 'input'.", "input"));
    return;
  }
  const prompt = collectPromptText([body["instructions"] ?? "", input]);
  const inputTokens = estimateTokens(prompt.text) + prompt.images * IMAGE_TOKENS;
  const plan = planAnswer(
    prompt.text,
    exchange.faults.chunks,
    positiveInteger(body, "max_output_tokens"),
  );
  const response = baseResponse(exchange, body, newId.response());
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
    ...response,
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
