import { speech, transcribe } from "./audio.js";
import { chatCompletions } from "./chat.js";
import { completions } from "./completions.js";
import { embeddings } from "./embeddings.js";
import type { Handler } from "./exchange.js";
import { createFile, deleteFile, listFiles, retrieveFile } from "./files.js";
import { images } from "./images.js";
import { responses } from "./responses.js";
import type { Operation } from "./router.js";

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
  "files.create": createFile,
  "files.list": listFiles,
  "files.retrieve": retrieveFile,
  "files.delete": deleteFile,
};
