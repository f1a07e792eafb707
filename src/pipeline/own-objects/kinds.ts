/**
 * The kinds of object Azure OpenAI stores for a caller, where their ids appear in paths, and how
 * long the gateway remembers them (docs/api.md, "Stored objects"). One Azure resource serves every
 * tenant, so the gateway is the only place that knows whose an object is.
 */

/** Objects created through the gateway whose owner it records. */
export type ObjectKind =
  | "file"
  | "upload"
  | "batch"
  | "response"
  | "conversation"
  | "thread"
  | "run"
  | "assistant"
  | "vector-store"
  | "item";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How long a record is kept: at least as long as Azure keeps the object. Responses are stored 30
 * days; files, threads, assistants and vector stores until deleted (a delete call removes the
 * record); the registry is bounded, so "until deleted" means a year here, far beyond any session.
 */
export const RETENTION_MS: Readonly<Record<ObjectKind, number>> = {
  file: 365 * DAY_MS,
  upload: 2 * DAY_MS,
  batch: 365 * DAY_MS,
  response: 31 * DAY_MS,
  conversation: 365 * DAY_MS,
  thread: 365 * DAY_MS,
  run: 365 * DAY_MS,
  assistant: 365 * DAY_MS,
  "vector-store": 365 * DAY_MS,
  item: 31 * DAY_MS,
};

/**
 * Stored-object APIs whose ownership the gateway does not track yet: refused for every tenant,
 * since on one shared resource they would list or read every tenant's objects (stored chat
 * completions, fine-tuning jobs and their result files, evals, containers).
 */
export const UNTRACKED_COLLECTIONS: ReadonlySet<string> = new Set([
  "fine_tuning",
  "fine-tuning",
  "fine_tunes",
  "evals",
  "containers",
]);

/** The collection path segment (after `/openai/` or `/openai/v1/`) of each kind. */
export const COLLECTIONS: Readonly<Record<string, ObjectKind>> = {
  files: "file",
  uploads: "upload",
  batches: "batch",
  responses: "response",
  conversations: "conversation",
  threads: "thread",
  assistants: "assistant",
  vector_stores: "vector-store",
};

/** Body keys whose string value (or list of strings) names a stored object. */
export const REFERENCE_KEYS: Readonly<Record<string, ObjectKind>> = {
  previous_response_id: "response",
  conversation: "conversation",
  input_file_id: "file",
  file_id: "file",
  file_ids: "file",
  training_file: "file",
  validation_file: "file",
  assistant_id: "assistant",
  thread_id: "thread",
  vector_store_id: "vector-store",
  vector_store_ids: "vector-store",
};
