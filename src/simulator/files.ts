import { badRequest, objectNotFound } from "./azure-errors.js";
import { type Exchange, sendError, sendJson } from "./exchange.js";

const PURPOSES = new Set(["assistants", "batch", "fine-tune", "vision", "user_data", "evals"]);

/** `POST /openai/files` (multipart, streamed and counted): stores the file's metadata. */
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
  sendJson(exchange, 200, exchange.files.add(purpose, file.filename, file.bytes));
}

/** `GET /openai/files`: a cursor page with `has_more: false` (the SDK's auto-pagination stops). */
export function listFiles(exchange: Exchange): void {
  const purpose =
    new URL(exchange.req.url ?? "/", "http://simulator").searchParams.get("purpose") ?? undefined;
  const data = exchange.files.list(purpose);
  sendJson(exchange, 200, {
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: false,
  });
}

function missing(exchange: Exchange, id: string): void {
  sendError(exchange, objectNotFound(`File with id '${id}' was not found.`));
}

/** `GET /openai/files/{id}`. */
export function retrieveFile(exchange: Exchange): void {
  const id = exchange.route.fileId ?? "";
  const file = exchange.files.get(id);
  if (file === undefined) missing(exchange, id);
  else sendJson(exchange, 200, file);
}

/** `DELETE /openai/files/{id}`. */
export function deleteFile(exchange: Exchange): void {
  const id = exchange.route.fileId ?? "";
  if (!exchange.files.delete(id)) missing(exchange, id);
  else sendJson(exchange, 200, { object: "file", id, deleted: true });
}
