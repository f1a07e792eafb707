import { newId } from "../ids.js";
import {
  cancelNotActive,
  commitEmpty,
  duplicateItem,
  invalidType,
  itemNotFound,
  missingParameter,
  responseActive,
  type WireRealtimeError,
} from "./errors.js";
import { audioItem, newItemOf } from "./items.js";
import { AUDIO_BYTES_PER_TOKEN } from "./response.js";
import type { RealtimeSession } from "./session.js";
import { mergeSession, sessionUpdateOf } from "./session-config.js";
import { type Checked, type JsonObject, objectOf } from "./wire.js";

/** Answers one client event; the session has already checked its `type`. */
export type ClientEventHandler = (session: RealtimeSession, event: JsonObject) => Promise<void>;

/** Bytes of 24 kHz mono pcm16 in 1 ms: the commit check speaks in milliseconds, as the service. */
const AUDIO_BYTES_PER_MS = AUDIO_BYTES_PER_TOKEN / 100;

function stringField(event: JsonObject, field: string): Checked<string> {
  const value = event[field];
  if (value === undefined) return { error: missingParameter(field) };
  if (typeof value !== "string") return { error: invalidType(field, "a string", value) };
  return { value };
}

function integerField(event: JsonObject, field: string): Checked<number> {
  const value = event[field];
  if (value === undefined) return { error: missingParameter(field) };
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    return { error: invalidType(field, "a non-negative integer", value) };
  }
  return { value };
}

/** The item an event names, or the error: missing, mistyped or not in the conversation. */
function namedItem(session: RealtimeSession, event: JsonObject): Checked<JsonObject> {
  const id = stringField(event, "item_id");
  if ("error" in id) return id;
  const item = session.conversation.get(id.value);
  if (item === undefined) return { error: itemNotFound("item_id", id.value) };
  return { value: item };
}

/** Adds an item to the conversation and announces it in the session's dialect. */
async function addItem(
  session: RealtimeSession,
  item: JsonObject,
  previousItemId: string | undefined,
  audioBytes: number,
): Promise<WireRealtimeError | undefined> {
  const placement = session.conversation.insert(item, previousItemId, audioBytes);
  if ("missing" in placement) return itemNotFound("previous_item_id", placement.missing);
  const { dialect } = session;
  for (const added of [
    ...dialect.itemAdded(item, placement.previousItemId),
    ...dialect.itemDone(item, placement.previousItemId),
  ]) {
    if (!(await session.sender.send(added))) break;
  }
  return undefined;
}

const sessionUpdate: ClientEventHandler = async (session, event) => {
  const update = sessionUpdateOf(event);
  if ("error" in update) return session.fail(update.error, event);
  session.config = mergeSession(session.config, update.value);
  await session.sender.send({ type: "session.updated", session: session.config });
};

const itemCreate: ClientEventHandler = async (session, event) => {
  const created = newItemOf(event);
  if ("error" in created) return session.fail(created.error, event);
  const previous = event["previous_item_id"];
  if (previous !== undefined && previous !== null && typeof previous !== "string") {
    return session.fail(invalidType("previous_item_id", "a string", previous), event);
  }
  const { item, audioBytes } = created.value;
  if (session.conversation.has(item["id"] as string)) {
    return session.fail(duplicateItem(item["id"] as string), event);
  }
  const error = await addItem(session, item, previous ?? undefined, audioBytes);
  if (error !== undefined) session.fail(error, event);
};

const itemDelete: ClientEventHandler = async (session, event) => {
  const item = namedItem(session, event);
  if ("error" in item) return session.fail(item.error, event);
  session.conversation.delete(item.value["id"] as string);
  await session.sender.send({ type: "conversation.item.deleted", item_id: item.value["id"] });
};

const itemRetrieve: ClientEventHandler = async (session, event) => {
  const item = namedItem(session, event);
  if ("error" in item) return session.fail(item.error, event);
  await session.sender.send({ type: "conversation.item.retrieved", item: item.value });
};

const itemTruncate: ClientEventHandler = async (session, event) => {
  const item = namedItem(session, event);
  if ("error" in item) return session.fail(item.error, event);
  const contentIndex = integerField(event, "content_index");
  if ("error" in contentIndex) return session.fail(contentIndex.error, event);
  const audioEndMs = integerField(event, "audio_end_ms");
  if ("error" in audioEndMs) return session.fail(audioEndMs.error, event);
  await session.sender.send({
    type: "conversation.item.truncated",
    item_id: item.value["id"],
    content_index: contentIndex.value,
    audio_end_ms: audioEndMs.value,
  });
};

const audioAppend: ClientEventHandler = async (session, event) => {
  const audio = stringField(event, "audio");
  if ("error" in audio) return session.fail(audio.error, event);
  // Only counted: the audio becomes an item without its bytes, as the service echoes it.
  session.audioBufferBytes += Buffer.byteLength(audio.value, "base64");
};

const audioCommit: ClientEventHandler = async (session, event) => {
  const bytes = session.audioBufferBytes;
  if (bytes < AUDIO_BYTES_PER_TOKEN) {
    return session.fail(commitEmpty(bytes / AUDIO_BYTES_PER_MS), event);
  }
  session.audioBufferBytes = 0;
  const item = audioItem(newId.realtimeItem());
  const previousItemId = session.conversation.lastId();
  const sent = await session.sender.send({
    type: "input_audio_buffer.committed",
    previous_item_id: previousItemId,
    item_id: item["id"],
  });
  if (sent) await addItem(session, item, undefined, bytes);
};

const audioClear: ClientEventHandler = async (session) => {
  session.audioBufferBytes = 0;
  await session.sender.send({ type: "input_audio_buffer.cleared" });
};

const responseCreate: ClientEventHandler = async (session, event) => {
  const raw = event["response"];
  const response = objectOf(raw);
  if (raw !== undefined && raw !== null && response === undefined) {
    return session.fail(invalidType("response", "an object", raw), event);
  }
  const active = session.activeResponse;
  if (active !== undefined && !active.finished) {
    return session.fail(responseActive(active.id), event);
  }
  session.respond(response);
};

const responseCancel: ClientEventHandler = async (session, event) => {
  const active = session.activeResponse;
  const wanted = event["response_id"];
  if (
    active === undefined ||
    active.finished ||
    (typeof wanted === "string" && wanted !== "" && wanted !== active.id)
  ) {
    return session.fail(cancelNotActive(), event);
  }
  active.cancel();
};

/**
 * The client events the simulator answers, by `type`; any other type gets an `invalid_value`
 * error listing these.
 */
export const CLIENT_EVENT_HANDLERS: Readonly<Record<string, ClientEventHandler>> = {
  "session.update": sessionUpdate,
  "input_audio_buffer.append": audioAppend,
  "input_audio_buffer.commit": audioCommit,
  "input_audio_buffer.clear": audioClear,
  "conversation.item.create": itemCreate,
  "conversation.item.retrieve": itemRetrieve,
  "conversation.item.truncate": itemTruncate,
  "conversation.item.delete": itemDelete,
  "response.create": responseCreate,
  "response.cancel": responseCancel,
};
