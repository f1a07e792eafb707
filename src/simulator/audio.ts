import { badRequest } from "./azure-errors.js";
import { type Exchange, sendBytes, sendError, sendJson } from "./exchange.js";
import { requireJsonObject, stringParam } from "./params.js";

/** A short silent MPEG audio frame header: what `audio/speech` returns (clients only check bytes). */
const SPEECH_BYTES = Buffer.from([0xff, 0xfb, 0x90, 0x64, ...new Array<number>(412).fill(0)]);

/**
 * `POST .../audio/transcriptions` and `.../audio/translations` (multipart, streamed: the file is
 * counted, never buffered). Honors `response_format` json (default), text, verbose_json, srt, vtt.
 */
export function transcribe(exchange: Exchange): void {
  const { body } = exchange;
  if (body.kind !== "multipart") {
    sendError(
      exchange,
      badRequest("The request must be multipart/form-data with a 'file' part.", "file"),
    );
    return;
  }
  const file = body.form.files.find((f) => f.field === "file");
  if (file === undefined) {
    sendError(exchange, badRequest("'file' is a required property", "file"));
    return;
  }
  const verb = exchange.route.operation === "audio.translations" ? "translation" : "transcription";
  const text = `Simulated ${verb} of ${file.filename} (${file.bytes} bytes).`;
  const format = body.form.fields["response_format"] ?? "json";
  const seconds = Math.max(1, Math.round(file.bytes / 32_000));
  switch (format) {
    case "text":
      sendBytes(exchange, 200, "text/plain; charset=utf-8", `${text}\n`);
      return;
    case "srt":
      sendBytes(
        exchange,
        200,
        "text/plain; charset=utf-8",
        `1\n00:00:00,000 --> 00:00:0${Math.min(seconds, 9)},000\n${text}\n\n`,
      );
      return;
    case "vtt":
      sendBytes(
        exchange,
        200,
        "text/plain; charset=utf-8",
        `WEBVTT\n\n00:00:00.000 --> 00:00:0${Math.min(seconds, 9)}.000\n${text}\n\n`,
      );
      return;
    case "verbose_json":
      sendJson(exchange, 200, {
        task: verb === "translation" ? "translate" : "transcribe",
        language: verb === "translation" ? "english" : (body.form.fields["language"] ?? "english"),
        duration: seconds,
        text,
        segments: [],
      });
      return;
    case "json":
      sendJson(exchange, 200, { text });
      return;
    default:
      sendError(
        exchange,
        badRequest(`'${format}' is not a valid response_format`, "response_format"),
      );
  }
}

/** `POST .../audio/speech`: a few bytes of audio/mpeg, enough for clients that save the file. */
export function speech(exchange: Exchange): void {
  const body = requireJsonObject(exchange);
  if (body === undefined) return;
  if (stringParam(body, "input") === undefined) {
    sendError(exchange, badRequest("'input' is a required property", "input"));
    return;
  }
  sendBytes(exchange, 200, "audio/mpeg", SPEECH_BYTES);
}
