import type { Batch, BatchRequestCounts } from "openai/resources/batches";

type RequiredBatchKeys =
  | "id"
  | "completion_window"
  | "created_at"
  | "endpoint"
  | "input_file_id"
  | "object"
  | "status";

/**
 * A batch as Azure sends it: OpenAI's object with every optional field present, `null` when
 * unset (the SDK's type marks them optional; Azure writes them out).
 */
export type WireBatch = {
  [K in keyof Batch]-?: K extends RequiredBatchKeys
    ? Batch[K]
    : Exclude<Batch[K], undefined> | null;
};

/** What running a batch's lines produced: JSONL for the output and error files, and the counts. */
export interface BatchOutcome {
  readonly output: string;
  readonly errors: string;
  readonly counts: BatchRequestCounts;
}

/**
 * A stored batch. Its lines are run when it is created, but the outcome is published on the first
 * read: the create answer says `validating`, as Azure's does, and a cancel in between wins.
 */
export interface StoredBatch {
  batch: WireBatch;
  pending: BatchOutcome | undefined;
}
