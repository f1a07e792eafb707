import { randomBytes, randomUUID } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random alphanumeric string, the alphabet of Azure's `chatcmpl-` ids. */
export function randomAlphanumeric(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

/** Random lowercase hex, the alphabet of `resp_`, `msg_`, `conv_` and `file-` ids. */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** Ids shaped like Azure's, so clients that sniff prefixes (or log them) see the real thing. */
export const newId = {
  chatCompletion: (): string => `chatcmpl-${randomAlphanumeric(29)}`,
  completion: (): string => `cmpl-${randomAlphanumeric(29)}`,
  response: (): string => `resp_${randomHex(24)}`,
  message: (): string => `msg_${randomHex(24)}`,
  file: (): string => `file-${randomHex(16)}`,
  /** Azure's batch ids carry a UUID: `batch_6caaf24d-54a5-46be-b1b7-518884fcbdde`. */
  batch: (): string => `batch_${randomUUID()}`,
  batchRequest: (): string => `batch_req_${randomHex(16)}`,
  conversation: (): string => `conv_${randomHex(24)}`,
  assistant: (): string => `asst_${randomAlphanumeric(24)}`,
  thread: (): string => `thread_${randomAlphanumeric(24)}`,
  threadMessage: (): string => `msg_${randomAlphanumeric(24)}`,
  run: (): string => `run_${randomAlphanumeric(24)}`,
  vectorStore: (): string => `vs_${randomAlphanumeric(24)}`,
  image: (): string => randomHex(16),
  /** Realtime ids are 21 alphanumerics after their prefix: `event_AsCUUSMsDXMWDAonxTFMU`. */
  realtimeSession: (): string => `sess_${randomAlphanumeric(21)}`,
  realtimeEvent: (): string => `event_${randomAlphanumeric(21)}`,
  realtimeItem: (): string => `item_${randomAlphanumeric(21)}`,
  realtimeResponse: (): string => `resp_${randomAlphanumeric(21)}`,
  realtimeConversation: (): string => `conv_${randomAlphanumeric(21)}`,
  realtimeCall: (): string => `call_${randomAlphanumeric(16)}`,
};

/** Seconds since the epoch, the unit of `created` and `created_at` in every Azure body. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A fixed fingerprint: Azure sends one per model build, and it does not change between calls. */
export const SYSTEM_FINGERPRINT = "fp_ee1d74bde0";
