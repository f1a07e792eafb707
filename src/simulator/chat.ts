import type {
  ContentFilterResultsForChoiceOutput,
  ContentFilterResultsForPromptOutput,
} from "@azure/openai/types";
import type { ChatCompletion, ChatCompletionChunk } from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import { badRequest } from "./azure-errors.js";
import { choiceFilterResults, promptFilterResults } from "./content-filter.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, SYSTEM_FINGERPRINT, unixSeconds } from "./ids.js";
import { judgeAnswer } from "./judge.js";
import {
  asObject,
  type Built,
  type JsonObject,
  positiveInteger,
  requireJsonObject,
} from "./params.js";
import { SseWriter } from "./sse.js";
import {
  type AnswerPlan,
  collectPromptText,
  estimateTokens,
  IMAGE_TOKENS,
  planAnswer,
} from "./text.js";

/** A chat completion as Azure sends it: OpenAI's shape plus the content filter verdicts. */
export type AzureChatCompletion = ChatCompletion & {
  choices: Array<
    ChatCompletion.Choice & { content_filter_results: ContentFilterResultsForChoiceOutput }
  >;
  prompt_filter_results: ContentFilterResultsForPromptOutput[];
};

/** Azure's first stream chunk: no choices, empty id and model, only the prompt's filter verdict. */
export interface AzurePromptFilterChunk {
  choices: [];
  created: 0;
  id: "";
  model: "";
  object: "";
  prompt_filter_results: ContentFilterResultsForPromptOutput[];
}

/** A stream chunk as Azure sends it; `content_filter_results` is `{}` on role and final chunks. */
export type AzureChatCompletionChunk = ChatCompletionChunk & {
  choices: Array<
    ChatCompletionChunk.Choice & {
      content_filter_results: ContentFilterResultsForChoiceOutput | Record<string, never>;
    }
  >;
};

/** Usage with every detail field Azure fills in, zeros included. */
export function chatUsage(promptTokens: number, completionTokens: number): CompletionUsage {
  return {
    completion_tokens: completionTokens,
    completion_tokens_details: {
      accepted_prediction_tokens: 0,
      audio_tokens: 0,
      reasoning_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    prompt_tokens: promptTokens,
    prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
    total_tokens: promptTokens + completionTokens,
  };
}

/** A validated chat request: what the answer and its stream are built from. */
interface ChatPlan {
  readonly promptTokens: number;
  readonly plan: AnswerPlan;
}

function planChat(body: JsonObject, chunks: number): Built<ChatPlan> {
  const messages = body["messages"];
  if (!Array.isArray(messages) || messages.length === 0) {
    return { error: badRequest("'messages' is a required property", "messages") };
  }
  const prompt = collectPromptText(messages);
  const promptTokens =
    estimateTokens(prompt.text) + prompt.images * IMAGE_TOKENS + 3 * messages.length + 3;
  const maxTokens =
    positiveInteger(body, "max_completion_tokens") ?? positiveInteger(body, "max_tokens");
  const verdict = judgeAnswer(body);
  if (verdict !== undefined) {
    return { value: { promptTokens, plan: { chunks: [verdict], finishReason: "stop" } } };
  }
  return { value: { promptTokens, plan: planAnswer(prompt.text, chunks, maxTokens) } };
}

function completionOf(
  { promptTokens, plan }: ChatPlan,
  common: { id: string; created: number; model: string },
): AzureChatCompletion {
  return {
    ...common,
    object: "chat.completion",
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        content_filter_results: choiceFilterResults(),
        finish_reason: plan.finishReason,
        index: 0,
        logprobs: null,
        message: {
          annotations: [],
          content: plan.chunks.join(""),
          refusal: null,
          role: "assistant",
        },
      },
    ],
    prompt_filter_results: promptFilterResults(),
    usage: chatUsage(promptTokens, plan.chunks.length),
  };
}

/**
 * The non-stream chat completion for a request body, or its 400: the HTTP handler and the batch
 * runner (one call per JSONL line) both build from it.
 */
export function chatCompletionFor(
  body: JsonObject,
  model: string,
  chunks: number,
): Built<AzureChatCompletion> {
  const planned = planChat(body, chunks);
  if ("error" in planned) return planned;
  return {
    value: completionOf(planned.value, {
      id: newId.chatCompletion(),
      created: unixSeconds(),
      model,
    }),
  };
}

/** `POST .../chat/completions`: Azure's answer, or Azure's stream when `stream: true`. */
export async function chatCompletions(exchange: Exchange): Promise<void> {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const planned = planChat(body, exchange.faults.chunks);
  if ("error" in planned) {
    sendError(exchange, planned.error);
    return;
  }
  const common = {
    id: newId.chatCompletion(),
    created: unixSeconds(),
    model: exchange.deployment ?? "gpt-4o",
  };
  if (body["stream"] === true) {
    const streamOptions = asObject(body["stream_options"]);
    const includeUsage = streamOptions?.["include_usage"] === true;
    const { plan, promptTokens } = planned.value;
    await streamChat(exchange, common, plan, includeUsage ? promptTokens : undefined);
    return;
  }
  sendJson(exchange, 200, completionOf(planned.value, common));
}

async function streamChat(
  exchange: Exchange,
  common: { id: string; created: number; model: string },
  plan: AnswerPlan,
  usagePromptTokens: number | undefined,
): Promise<void> {
  const sse = new SseWriter(exchange);
  const base = {
    ...common,
    object: "chat.completion.chunk" as const,
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
  const chunk = (
    delta: ChatCompletionChunk.Choice.Delta,
    finishReason: ChatCompletionChunk.Choice["finish_reason"],
    filter: ContentFilterResultsForChoiceOutput | Record<string, never>,
  ): AzureChatCompletionChunk => ({
    ...base,
    choices: [
      {
        content_filter_results: filter,
        delta,
        finish_reason: finishReason,
        index: 0,
        logprobs: null,
      },
    ],
  });
  const first: AzurePromptFilterChunk = {
    choices: [],
    created: 0,
    id: "",
    model: "",
    object: "",
    prompt_filter_results: promptFilterResults(),
  };
  await sse.send(first);
  await sse.send(chunk({ content: "", refusal: null, role: "assistant" }, null, {}));
  for (const content of plan.chunks) {
    await sse.pause();
    await sse.send(chunk({ content }, null, choiceFilterResults()));
  }
  await sse.send(chunk({}, plan.finishReason, {}));
  if (usagePromptTokens !== undefined) {
    const usageChunk: AzureChatCompletionChunk = {
      ...base,
      choices: [],
      usage: chatUsage(usagePromptTokens, plan.chunks.length),
    };
    await sse.send(usageChunk);
  }
  await sse.send("[DONE]");
  sse.end();
}
