/**
 * The vocabulary of request facts (docs/request-reading.md).
 *
 * One `RequestFacts` value is computed once per request and shared by the policy engine, the
 * audit record and the what-if answer, so all three always agree on what the gateway saw.
 */
import type { PendingCapture } from "./capture.js";

/** Every operation the gateway tells apart; each maps to one Cedar action. */
export const OPERATIONS = [
  "chat.completions",
  "completions",
  "responses",
  "embeddings",
  "images.generations",
  "images.edits",
  "images.variations",
  "audio.transcriptions",
  "audio.translations",
  "audio.speech",
  "realtime",
  "files",
  "batches",
  "assistants",
  "models",
  "other",
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Camera sources a request may declare or the gateway may infer (section 3). */
export const CAMERA_SOURCES = [
  "body-worn",
  "dashcam",
  "drone",
  "handheld",
  "fixed",
  "upload",
  "unknown",
] as const;
export type CameraSource = (typeof CAMERA_SOURCES)[number];

export const ENVIRONMENTS = ["controlled", "uncontrolled", "unknown"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const CAPTURES = ["live", "recorded", "unknown"] as const;
export type Capture = (typeof CAPTURES)[number];

export type Mobility = "mobile" | "static" | "unknown";

/** The purposes a prompt can ask for (section 4). */
export const PURPOSES = [
  "facial-identification",
  "facial-verification",
  "face-detection",
  "face-analysis",
  "person-description",
  "text-extraction",
  "scene-description",
] as const;
export type Purpose = (typeof PURPOSES)[number];

/**
 * Where an image came from: inline bytes, a remote URL (never fetched), an uploaded file id, or
 * content the gateway cannot see that may carry images (a remote tool, a stored prompt or
 * conversation: docs/request-reading.md).
 */
export type ImageOrigin = "inline" | "url" | "file-id" | "unseen";
export type ImageFormat = "jpeg" | "png" | "webp" | "gif" | "unknown";

/** How a fact became known; `declared` is a request header, `tenant-default` the tenant config. */
export type FactOrigin =
  | "declared"
  | "exif"
  | "tenant-default"
  | "realtime"
  | "frame-rate"
  | "inferred"
  | "context"
  | "none";

/** Camera metadata read from an inline image's EXIF, mapped through the camera catalogue. */
export interface ExifCamera {
  make?: string;
  model?: string;
  /** BodySerialNumber (or a serial number found as text), which tells cameras of one model apart. */
  serial?: string;
  /** ISO 8601 capture time from DateTimeOriginal, when present. */
  capturedAt?: string;
  /** The catalogue's verdict for this make/model, when it knows the camera. */
  source?: CameraSource;
  /** Id of the catalogue entry that matched. */
  catalogueId?: string;
}

/** One image input found in the request; never holds the image bytes themselves. */
export interface ImageInput {
  origin: ImageOrigin;
  format: ImageFormat;
  /** Decoded size in bytes for inline images; 0 when not known (URL, file id). */
  bytes: number;
  /** Where in the request it was found, e.g. `messages[1].content[0]`. */
  where: string;
  exif?: ExifCamera;
}

/** One text of the request that the purpose classifier reads. Never logged. */
export interface TextSource {
  /** Where in the request, e.g. `messages[0].content` or `tools[1].function.description`. */
  where: string;
  text: string;
  /**
   * The conversation the text belongs to when a body holds several (the lines of an uploaded
   * JSONL file); absent for the request's own texts, which are read as one conversation.
   */
  group?: number;
}

/** Why a purpose was detected: which rule matched and where; never the text itself. */
export interface Evidence {
  purpose: Purpose;
  /** Stable id of the rule that matched, e.g. `fid.en.who-is`. */
  rule: string;
  /** Location in the request (a `TextSource.where`) or `header:x-gateway-purpose`. */
  where: string;
  /** Normalisations that were needed before the rule matched, e.g. `leetspeak`, `base64`. */
  normalised?: string[];
}

export interface CameraFacts {
  source: CameraSource;
  mobility: Mobility;
  environment: Environment;
  origin: { source: FactOrigin; environment: FactOrigin };
  /** EXIF make/model of the first inline image that carried one. */
  exif?: { make?: string; model?: string };
  /** Disagreements between declarations and inferences, resolved to the more restrictive value. */
  conflicts: string[];
}

export interface ImageFacts {
  count: number;
  /** Sum of the decoded sizes of inline images. */
  bytes: number;
  /** Distinct origins present. */
  origins: ImageOrigin[];
  items: ImageInput[];
}

/** Everything the gateway infers about one request (section 4). */
export interface RequestFacts {
  operation: Operation;
  deployment: string | null;
  stream: boolean;
  images: ImageFacts;
  camera: CameraFacts;
  capture: Capture;
  captureOrigin: FactOrigin;
  purposes: Purpose[];
  evidence: Evidence[];
  /**
   * Content the model will read that the gateway cannot see (speech, remote tools, vector stores,
   * code-interpreter files, stored prompts and conversations, unparseable files): the purpose may
   * hide there (docs/request-reading.md).
   */
  unseen: UnseenKind[];
  /**
   * How sure the classifier is that the request asks for facial identification or verification
   * (docs/classifier.md): `none`, `possible`, `likely` (the purposes then list it) or `certain`.
   */
  recognitionConfidence: "none" | "possible" | "likely" | "certain";
  /**
   * The texts whose confidence is `possible`, joined (or, when the judge screens, the texts of an
   * image call scored `none`), kept in memory only for the judge (docs/classifier.md, "The
   * judge"); never audited, answered or logged.
   */
  uncertainText?: string;
  /**
   * Set when classification ran without a process-local frame store and the request feeds
   * frame-rate windows: `capture` is provisional until the admission step (pipeline/admit/) has
   * counted the windows in the shared store and called `finishCapture`. Never audited.
   */
  pendingCapture?: PendingCapture;
}

/** Kinds of content the gateway cannot see (docs/request-reading.md). */
export const UNSEEN_KINDS = [
  "speech",
  "remote-tool",
  "vector-store",
  "code-interpreter-files",
  "stored-prompt",
  "stored-context",
  "file-content",
] as const;
export type UnseenKind = (typeof UNSEEN_KINDS)[number];

/** Unseen content that may itself carry images: counted as an image of origin `unseen`. */
export const UNSEEN_MAY_HIDE_IMAGES: ReadonlySet<UnseenKind> = new Set([
  "remote-tool",
  "code-interpreter-files",
  "stored-prompt",
  "stored-context",
  "file-content",
]);
