import { badRequest, objectNotFound } from "./azure-errors.js";
import { type Exchange, sendBytes, sendError, sendJson } from "./exchange.js";
import { paginate, queryOf } from "./pagination.js";

const PURPOSES = new Set(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]);

/** `POST /openai/files` (multipart, streamed and counted): stores the file and its bytes. */
export function createFile(exchange: Exchange): void {
  const { body } = exchange;
  if (body.kind !== "multipart") {
    sendError(
      exchange,
      badRequest("The request must be multipart/form-data with a 'file' part.", "file"),
    );
    return;
  }
  const purpose = body.form.fields["purpose"];
  if (purpose === undefined || !PURPOSES.has(purpose)) {
    sendError(
      exchange,
      badRequest(`'purpose' must be one of ${[...PURPOSES].join(", ")}`, "purpose"),
    );
    return;
  }
  const file = body.form.files.find((f) => f.field === "file");
  if (file === undefined) {
    sendError(exchange, badRequest("'file' is a required property", "file"));
    return;
  }
  sendJson(
    exchange,
    200,
    exchange.state.files.add(purpose, file.filename, file.bytes, file.content),
  );
}

/**
 * `GET /openai/files[?purpose=]`: OpenAI's cursor page, newest first by default, up to 10,000 a
 * page (OpenAI's default), so one page holds every file the simulator keeps.
 */
export function listFiles(exchange: Exchange): void {
  const purpose = queryOf(exchange).get("purpose") ?? undefined;
  sendJson(
    exchange,
    200,
    paginate(exchange, exchange.state.files.list(purpose), {
      order: "desc",
      limit: 10_000,
      maxLimit: 10_000,
    }),
  );
}

/** The 404 for a file id the simulator does not hold. */
export function fileNotFound(id: string): ReturnType<typeof objectNotFound> {
  return objectNotFound(`File with id '${id}' was not found.`);
}

/** `GET /openai/files/{id}`. */
export function retrieveFile(exchange: Exchange): void {
  const id = exchange.route.ids[0] ?? "";
  const file = exchange.state.files.get(id);
  if (file === undefined) sendError(exchange, fileNotFound(id));
  else sendJson(exchange, 200, file);
}

/** `GET /openai/files/{id}/content`: the bytes as uploaded (or as a batch wrote them). */
export function fileContent(exchange: Exchange): void {
  const id = exchange.route.ids[0] ?? "";
  const content = exchange.state.files.content(id);
  if (content === undefined) {
    sendError(exchange, fileNotFound(id));
  } else if (content === null) {
    sendError(
      exchange,
      badRequest(`The simulator did not keep the content of file '${id}': it was too large.`),
    );
  } else {
    sendBytes(exchange, 200, "application/octet-stream", content);
  }
}

/** `DELETE /openai/files/{id}`. */
export function deleteFile(exchange: Exchange): void {
  const id = exchange.route.ids[0] ?? "";
  if (!exchange.state.files.delete(id)) sendError(exchange, fileNotFound(id));
  else sendJson(exchange, 200, { object: "file", id, deleted: true });
}
