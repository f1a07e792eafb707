import type { Message } from "openai/resources/beta/threads/messages";
import type { Run } from "openai/resources/beta/threads/runs/runs";
import type { Thread } from "openai/resources/beta/threads/threads";
import type { BoundedStore } from "./bounded-store.js";

/** A thread with its messages and runs, each oldest first (the Assistants API lists newest first). */
export interface StoredThread {
  readonly thread: Thread;
  readonly messages: BoundedStore<Message>;
  readonly runs: BoundedStore<Run>;
}
