import type {
  ContentFilterResultsForChoiceOutput,
  ContentFilterResultsForPromptOutput,
} from "@azure/openai/types";
import type { Completion, CompletionChoice } from "openai/resources/completions";
import { badRequest } from "./azure-errors.js";
import type { AzurePromptFilterChunk } from "./chat.js";
import { chatUsage } from "./chat.js";
import { choiceFilterResults, promptFilterResults } from "./content-filter.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";
import { newId, unixSeconds } from "./ids.js";
import { positiveInteger, requireJsonObject } from "./params.js";
import { SseWriter } from "./sse.js";
import { collectPromptText, estimateTokens, planAnswer } from "./text.js";

/** A legacy completion as Azure sends it, with its content filter verdicts. */
export type AzureCompletion = Completion & {
  choices: Array<
    CompletionChoice & { content_filter_results: ContentFilterResultsForChoiceOutput }
  >;
  prompt_filter_results?: ContentFilterResultsForPromptOutput[];
};

/** `POST .../completions` (the legacy text completions API, still served for instruct models). */
export async function completions(exchange: Exchange): Promise<void> {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  const prompt = body["prompt"];
  if (typeof prompt !== "string" && !Array.isArray(prompt)) {
    sendError(exchange, badRequest("'prompt' is a required property", "prompt"));
    return;
  }
  const text = collectPromptText(prompt).text;
  const promptTokens = estimateTokens(text);
  const plan = planAnswer(text, exchange.faults.chunks, positiveInteger(body, "max_tokens"));
  const common = {
    id: newId.completion(),
    created: unixSeconds(),
    model: exchange.deployment ?? "gpt-35-turbo-instruct",
    object: "text_completion" as const,
  };
  const choice = (text: string, finish: CompletionChoice["finish_reason"] | null) => ({
    content_filter_results: choiceFilterResults(),
    finish_reason: finish,
    index: 0,
    logprobs: null,
    text,
  });
  if (body["stream"] !== true) {
    const completion: AzureCompletion = {
      ...common,
      choices: [
        { ...choice(plan.chunks.join(""), plan.finishReason), finish_reason: plan.finishReason },
      ],
      prompt_filter_results: promptFilterResults(),
      usage: chatUsage(promptTokens, plan.chunks.length),
    };
    sendJson(exchange, 200, completion);
    return;
  }
  const sse = new SseWriter(exchange);
  const first: AzurePromptFilterChunk = {
    choices: [],
    created: 0,
    id: "",
    model: "",
    object: "",
    prompt_filter_results: promptFilterResults(),
  };
  await sse.send(first);
  for (const [i, content] of plan.chunks.entries()) {
    await sse.pause();
    const last = i === plan.chunks.length - 1;
    await sse.send({ ...common, choices: [choice(content, last ? plan.finishReason : null)] });
  }
  if (plan.chunks.length === 0)
    await sse.send({ ...common, choices: [choice("", plan.finishReason)] });
  await sse.send("[DONE]");
  sse.end();
}
