import {
  createAssistant,
  deleteAssistant,
  listAssistants,
  retrieveAssistant,
} from "./assistants.js";
import { speech, transcribe } from "./audio.js";
import { cancelBatch, createBatch, listBatches, retrieveBatch } from "./batches.js";
import { chatCompletions } from "./chat.js";
import { completions } from "./completions.js";
import {
  createConversation,
  createConversationItems,
  deleteConversation,
  deleteConversationItem,
  listConversationItems,
  retrieveConversation,
  retrieveConversationItem,
  updateConversation,
} from "./conversations.js";
import { embeddings } from "./embeddings.js";
import type { Handler } from "./exchange.js";
import { createFile, deleteFile, fileContent, listFiles, retrieveFile } from "./files.js";
import { images } from "./images.js";
import type { Operation } from "./operations.js";
import { responses } from "./responses.js";
import { createRun, createThreadAndRun, listRuns, retrieveRun } from "./runs.js";
import { deleteResponse, listInputItems, retrieveResponse } from "./stored-responses.js";
import { createMessage, listMessages, retrieveMessage } from "./thread-messages.js";
import { createThread, deleteThread, retrieveThread } from "./threads.js";
import {
  createVectorStore,
  deleteVectorStore,
  listVectorStores,
  retrieveVectorStore,
} from "./vector-stores.js";

/** The handler of each operation; a `Record` so adding an operation without a handler fails to compile. */
export const HANDLERS: Readonly<Record<Operation, Handler>> = {
  "chat.completions": chatCompletions,
  completions,
  embeddings,
  "images.generations": images,
  "images.edits": images,
  "audio.transcriptions": transcribe,
  "audio.translations": transcribe,
  "audio.speech": speech,
  responses,
  "responses.retrieve": retrieveResponse,
  "responses.delete": deleteResponse,
  "responses.inputItems": listInputItems,
  "files.create": createFile,
  "files.list": listFiles,
  "files.retrieve": retrieveFile,
  "files.delete": deleteFile,
  "files.content": fileContent,
  "batches.create": createBatch,
  "batches.list": listBatches,
  "batches.retrieve": retrieveBatch,
  "batches.cancel": cancelBatch,
  "conversations.create": createConversation,
  "conversations.retrieve": retrieveConversation,
  "conversations.update": updateConversation,
  "conversations.delete": deleteConversation,
  "conversations.items.create": createConversationItems,
  "conversations.items.list": listConversationItems,
  "conversations.items.retrieve": retrieveConversationItem,
  "conversations.items.delete": deleteConversationItem,
  "assistants.create": createAssistant,
  "assistants.list": listAssistants,
  "assistants.retrieve": retrieveAssistant,
  "assistants.delete": deleteAssistant,
  "threads.create": createThread,
  "threads.retrieve": retrieveThread,
  "threads.delete": deleteThread,
  "threads.createAndRun": createThreadAndRun,
  "threads.messages.create": createMessage,
  "threads.messages.list": listMessages,
  "threads.messages.retrieve": retrieveMessage,
  "threads.runs.create": createRun,
  "threads.runs.list": listRuns,
  "threads.runs.retrieve": retrieveRun,
  "vectorStores.create": createVectorStore,
  "vectorStores.list": listVectorStores,
  "vectorStores.retrieve": retrieveVectorStore,
  "vectorStores.delete": deleteVectorStore,
};
