import { unixSeconds } from "../ids.js";
import type { DialectName } from "./paths.js";
import type { JsonObject, ServerEvent } from "./wire.js";

/** How long a session lives on the service; only echoed in `expires_at`. */
const SESSION_SECONDS = 30 * 60;

/**
 * What differs between the preview (beta) and GA realtime protocols: event names, the session
 * object, the type of assistant text parts and the announcement of conversation items. Everything
 * else (ids, usage, the order of response events) is shared.
 */
export interface Dialect {
  readonly name: DialectName;
  /** `response.text.delta` (preview) or `response.output_text.delta` (GA). */
  readonly textDelta: string;
  /** `response.text.done` (preview) or `response.output_text.done` (GA). */
  readonly textDone: string;
  /** Type of an assistant text part: `text` (preview) or `output_text` (GA). */
  readonly textPart: string;
  /** The session object sent in `session.created`. */
  defaultSession(id: string, deployment: string): JsonObject;
  /**
   * The events announcing an item added to the conversation: `conversation.item.created`
   * (preview), `conversation.item.added` (GA).
   */
  itemAdded(item: JsonObject, previousItemId: string | null): ServerEvent[];
  /** The events when an item is final: none (preview), `conversation.item.done` (GA). */
  itemDone(item: JsonObject, previousItemId: string | null): ServerEvent[];
  /** The dialect's fields of a response object, read from the session. */
  responseFields(session: JsonObject, maxOutputTokens: number | "inf"): JsonObject;
}

const SERVER_VAD = {
  type: "server_vad",
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 200,
  create_response: true,
  interrupt_response: true,
};

const PCM_24K = { type: "audio/pcm", rate: 24000 };

const PREVIEW: Dialect = {
  name: "preview",
  textDelta: "response.text.delta",
  textDone: "response.text.done",
  textPart: "text",
  defaultSession: (id, deployment) => ({
    id,
    object: "realtime.session",
    model: deployment,
    expires_at: unixSeconds() + SESSION_SECONDS,
    modalities: ["text", "audio"],
    instructions: "",
    voice: "alloy",
    input_audio_format: "pcm16",
    output_audio_format: "pcm16",
    input_audio_transcription: null,
    turn_detection: { ...SERVER_VAD },
    tools: [],
    tool_choice: "auto",
    temperature: 0.8,
    max_response_output_tokens: "inf",
  }),
  itemAdded: (item, previousItemId) => [
    { type: "conversation.item.created", previous_item_id: previousItemId, item },
  ],
  itemDone: () => [],
  responseFields: (session, maxOutputTokens) => ({
    modalities: ["text"],
    voice: session["voice"] ?? "alloy",
    output_audio_format: session["output_audio_format"] ?? "pcm16",
    temperature: session["temperature"] ?? 0.8,
    max_output_tokens: maxOutputTokens,
  }),
};

const GA: Dialect = {
  name: "ga",
  textDelta: "response.output_text.delta",
  textDone: "response.output_text.done",
  textPart: "output_text",
  defaultSession: (id, deployment) => ({
    type: "realtime",
    object: "realtime.session",
    id,
    model: deployment,
    expires_at: unixSeconds() + SESSION_SECONDS,
    output_modalities: ["audio"],
    instructions: "",
    audio: {
      input: {
        format: { ...PCM_24K },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...SERVER_VAD, idle_timeout_ms: null },
      },
      output: { format: { ...PCM_24K }, voice: "alloy", speed: 1 },
    },
    tools: [],
    tool_choice: "auto",
    max_output_tokens: "inf",
    tracing: null,
    truncation: "auto",
    prompt: null,
    include: null,
  }),
  itemAdded: (item, previousItemId) => [
    { type: "conversation.item.added", previous_item_id: previousItemId, item },
  ],
  itemDone: (item, previousItemId) => [
    { type: "conversation.item.done", previous_item_id: previousItemId, item },
  ],
  responseFields: (session, maxOutputTokens) => {
    const audio = session["audio"] as
      | { output?: { format?: unknown; voice?: unknown } }
      | undefined;
    return {
      output_modalities: ["text"],
      audio: {
        output: {
          format: audio?.output?.format ?? PCM_24K,
          voice: audio?.output?.voice ?? "alloy",
        },
      },
      max_output_tokens: maxOutputTokens,
    };
  },
};

/** The dialect of each realtime path. */
export const DIALECTS: Readonly<Record<DialectName, Dialect>> = { preview: PREVIEW, ga: GA };
