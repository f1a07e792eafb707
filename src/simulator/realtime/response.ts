import { setTimeout as sleep } from "node:timers/promises";
import { newId } from "../ids.js";
import { collectPromptText, estimateTokens, IMAGE_TOKENS, planAnswer } from "../text.js";
import type { Conversation } from "./conversation.js";
import type { Dialect } from "./dialect.js";
import type { RealtimeFaults } from "./faults.js";
import type { EventSender } from "./sender.js";
import { type JsonObject, objectOf, type ServerEvent } from "./wire.js";

/**
 * Answer text the `done` events carry: the first 64 KiB, however many deltas the answer has, so
 * no single event outgrows the backpressure limit by more than that.
 */
export const MAX_DONE_TEXT_BYTES = 64 * 1024;
/** Bytes of 24 kHz mono pcm16 in 100 ms, what one input audio token stands for. */
export const AUDIO_BYTES_PER_TOKEN = 4800;

/** What a response reads from its session. */
export interface ResponseSetup {
  readonly sender: EventSender;
  readonly dialect: Dialect;
  readonly faults: RealtimeFaults;
  /** The session configuration when the response was created. */
  readonly session: JsonObject;
  readonly conversation: Conversation;
  readonly conversationId: string;
  /** Aborts when the session ends. */
  readonly signal: AbortSignal;
}

/** The parameters of `response.create` that change the answer. */
interface ResponseParams {
  readonly instructions: string;
  /** `conversation: "none"`: the answer is not added to the conversation. */
  readonly outOfBand: boolean;
  /** `input`: the context instead of the conversation. */
  readonly input: readonly unknown[] | undefined;
  readonly maxOutputTokens: number | "inf";
  readonly metadata: JsonObject | null;
}

function maxTokensOf(...candidates: unknown[]): number | "inf" {
  for (const value of candidates) {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
    if (value === "inf") return "inf";
  }
  return "inf";
}

function paramsOf(response: JsonObject | undefined, session: JsonObject): ResponseParams {
  const instructions = response?.["instructions"] ?? session["instructions"];
  const input = response?.["input"];
  return {
    instructions: typeof instructions === "string" ? instructions : "",
    outOfBand: response?.["conversation"] === "none",
    input: Array.isArray(input) ? input : undefined,
    // GA names it `max_output_tokens`, preview `max_response_output_tokens`; either is read.
    maxOutputTokens: maxTokensOf(
      response?.["max_output_tokens"],
      response?.["max_response_output_tokens"],
      session["max_output_tokens"],
      session["max_response_output_tokens"],
    ),
    metadata: objectOf(response?.["metadata"]) ?? null,
  };
}

/** A delta padded to about `bytes` with its own word, for the chunk-bytes fault. */
function padded(chunk: string, bytes: number | undefined): string {
  if (bytes === undefined || chunk.length >= bytes) return chunk;
  const word = chunk.trim().replace(/\.$/, "") || "token";
  return chunk.padEnd(bytes, ` ${word}`);
}

/**
 * What the model reads of an item: message parts, function names, arguments and outputs, never
 * ids, `object` or `status`, so the prompt estimate (and the seeded answer) counts only content.
 */
function modelView(item: unknown): unknown {
  const object = objectOf(item);
  if (object === undefined) return undefined;
  const { content, name, arguments: args, output } = object;
  return { content, name, arguments: args, output };
}

function usageOf(text: string, images: number, audioBytes: number, outputTokens: number) {
  const textTokens = estimateTokens(text);
  const imageTokens = images * IMAGE_TOKENS;
  const audioTokens = Math.ceil(audioBytes / AUDIO_BYTES_PER_TOKEN);
  const inputTokens = textTokens + imageTokens + audioTokens;
  return {
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    input_token_details: {
      text_tokens: textTokens,
      audio_tokens: audioTokens,
      image_tokens: imageTokens,
      cached_tokens: 0,
      cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 },
    },
    output_token_details: { text_tokens: outputTokens, audio_tokens: 0 },
  };
}

/**
 * A response in flight. `cancel()` stops its deltas; it then ends like any response, with the
 * text so far and `response.done` of status `cancelled`.
 */
export class ActiveResponse {
  readonly id = newId.realtimeResponse();
  readonly #cancel = new AbortController();
  /** Set once the deltas are over, when a cancel can no longer change the outcome. */
  finished = false;
  /** Settles when the response's last event is sent (or the session is gone). */
  done: Promise<void> = Promise.resolve();

  get cancelled(): boolean {
    return this.#cancel.signal.aborted;
  }

  get cancelSignal(): AbortSignal {
    return this.#cancel.signal;
  }

  cancel(): void {
    this.#cancel.abort();
  }
}

async function sendAll(sender: EventSender, events: readonly ServerEvent[]): Promise<boolean> {
  for (const event of events) if (!(await sender.send(event))) return false;
  return true;
}

async function stream(setup: ResponseSetup, active: ActiveResponse, params: ResponseParams) {
  const { sender, dialect, faults, conversation } = setup;
  const writes = !params.outOfBand;
  const context = params.input ?? conversation.items();
  const prompt = collectPromptText([params.instructions, context.map(modelView)]);
  const audioBytes = params.input === undefined ? conversation.audioBytes() : 0;
  const maxTokens = params.maxOutputTokens === "inf" ? undefined : params.maxOutputTokens;
  const plan = planAnswer(prompt.text, faults.chunks, maxTokens);
  const base = {
    object: "realtime.response",
    id: active.id,
    status: "in_progress",
    status_details: null,
    output: [],
    conversation_id: writes ? setup.conversationId : null,
    ...dialect.responseFields(setup.session, params.maxOutputTokens),
    usage: null,
    metadata: params.metadata,
  };
  const item: JsonObject = {
    id: newId.realtimeItem(),
    object: "realtime.item",
    type: "message",
    status: "in_progress",
    role: "assistant",
    content: [],
  };
  const where = { response_id: active.id, item_id: item["id"], output_index: 0, content_index: 0 };
  let previousItemId: string | null = null;
  const opening: ServerEvent[] = [
    { type: "response.created", response: base },
    { type: "response.output_item.added", response_id: active.id, output_index: 0, item },
  ];
  if (writes) {
    const placement = conversation.insert(item, undefined);
    if ("previousItemId" in placement) previousItemId = placement.previousItemId;
    opening.push(...dialect.itemAdded(item, previousItemId));
  }
  opening.push({
    type: "response.content_part.added",
    ...where,
    part: { type: dialect.textPart, text: "" },
  });
  if (!(await sendAll(sender, opening))) return;

  const pause = AbortSignal.any([active.cancelSignal, setup.signal]);
  let text = "";
  let emitted = 0;
  for (const chunk of plan.chunks) {
    if (faults.chunkDelayMs > 0) {
      try {
        await sleep(faults.chunkDelayMs, undefined, { signal: pause });
      } catch {
        break;
      }
    }
    if (active.cancelled) break;
    const delta = padded(chunk, faults.chunkBytes);
    if (!(await sender.send({ type: dialect.textDelta, ...where, delta }))) return;
    emitted++;
    if (text.length + delta.length <= MAX_DONE_TEXT_BYTES) text += delta;
  }
  active.finished = true;

  const status = active.cancelled
    ? "cancelled"
    : plan.finishReason === "length"
      ? "incomplete"
      : "completed";
  const statusDetails =
    status === "cancelled"
      ? { type: "cancelled", reason: "client_cancelled" }
      : status === "incomplete"
        ? { type: "incomplete", reason: "max_output_tokens" }
        : null;
  const part = { type: dialect.textPart, text };
  const final = {
    ...item,
    status: status === "completed" ? "completed" : "incomplete",
    content: [part],
  };
  const closing: ServerEvent[] = [
    { type: dialect.textDone, ...where, text },
    { type: "response.content_part.done", ...where, part },
    { type: "response.output_item.done", response_id: active.id, output_index: 0, item: final },
  ];
  if (writes) {
    conversation.replace(final);
    closing.push(...dialect.itemDone(final, previousItemId));
  }
  const usage = usageOf(prompt.text, prompt.images, audioBytes, emitted);
  closing.push({
    type: "response.done",
    response: { ...base, status, status_details: statusDetails, output: [final], usage },
  });
  await sendAll(sender, closing);
}

/**
 * Starts a response (`response.create`): `response.created`, the assistant item and its text
 * part, `chunks` paced deltas with the dialect's event name, then the `done` events and
 * `response.done` with usage. Returns at once; `onEnd` runs when the response is over.
 */
export function startResponse(
  setup: ResponseSetup,
  response: JsonObject | undefined,
  onEnd: () => void,
): ActiveResponse {
  const active = new ActiveResponse();
  active.done = stream(setup, active, paramsOf(response, setup.session))
    .catch(() => {
      // A send on a socket that just went away; the session's close handler records the end.
    })
    .finally(onEnd);
  return active;
}
