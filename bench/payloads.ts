/**
 * The request bodies of the benchmark, generated in memory: no binary is committed. JPEGs come
 * from the test fixtures' builders (a JFIF header, an APP1 EXIF block naming the camera, then
 * filler that looks like entropy-coded data).
 */
import { jpeg, type TiffTags } from "../test/fixtures/images/make-fixtures.js";

export const DEPLOYMENT = "gpt-4o";
export const API_VERSION = "2024-10-21";
export const CHAT_PATH = `/openai/deployments/${DEPLOYMENT}/chat/completions?api-version=${API_VERSION}`;

/** Tenant keys of bench/gateway.yaml. */
export const COMMERCIAL_KEY = "bench-commercial-key";
export const POLICE_KEY = "bench-police-key";
/** A commercial tenant with request and token limits (the fleet scenario). */
export const LIMITED_KEY = "bench-limited-key";

export const ALLOWED_PROMPT = "Describe this image";
export const DENIED_PROMPT = "Who is this person? Match his face against our mugshot database";

const CANON: TiffTags = {
  make: "Canon",
  model: "Canon EOS R5",
  dateTimeOriginal: "2025:03:14 09:26:53",
};

/** A JPEG of exactly `size` bytes whose EXIF names `tags` (Canon EOS R5: handheld). */
export function jpegOfSize(size: number, tags: TiffTags = CANON): Buffer {
  const overhead = jpeg({ tags, scanBytes: 0 }).length;
  return jpeg({ tags, scanBytes: Math.max(0, size - overhead) });
}

/** A small text-only chat call: system and user message. */
export function textChatBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      messages: [
        { role: "system", content: "You are a helpful assistant." },
        { role: "user", content: "Write a haiku about API gateways." },
      ],
      max_tokens: 64,
      temperature: 0.7,
    }),
  );
}

/** A streamed chat call (the canned upstream answers it with its SSE stream). */
export function streamChatBody(): Buffer {
  return Buffer.from(
    JSON.stringify({
      messages: [{ role: "user", content: "Write a short poem about rivers." }],
      stream: true,
    }),
  );
}

/** A chat call with a prompt and inline `data:` JPEG images. */
export function imageChatBody(prompt: string, images: readonly Buffer[]): Buffer {
  const parts: string[] = [JSON.stringify({ type: "text", text: prompt })];
  for (const image of images) {
    parts.push(
      `{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,${image.toString("base64")}","detail":"auto"}}`,
    );
  }
  return Buffer.from(
    `{"messages":[{"role":"user","content":[${parts.join(",")}]}],"max_tokens":300}`,
  );
}

/**
 * A chat call of about `totalBytes` bytes carrying one base64 JPEG (with EXIF) that fills it:
 * built as a Buffer, so the 20 MB body never exists as a JS string here.
 */
export function largeImageChatBody(totalBytes: number): Buffer {
  const head = Buffer.from(
    `{"messages":[{"role":"user","content":[{"type":"text","text":"${ALLOWED_PROMPT}"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,`,
  );
  const tail = Buffer.from('"}}]}],"max_tokens":300}');
  const base64Bytes = totalBytes - head.length - tail.length;
  const image = jpegOfSize(Math.floor((base64Bytes * 3) / 4));
  return Buffer.concat([head, Buffer.from(image.toString("base64"), "latin1"), tail]);
}

/** Ten inline JPEGs of about 10 KB, each naming a different camera, and a text part. */
export function tenImages(): Buffer[] {
  const cameras: TiffTags[] = [
    { make: "Canon", model: "Canon EOS R5" },
    { make: "NIKON CORPORATION", model: "NIKON Z 6_2" },
    { make: "Apple", model: "iPhone 15 Pro" },
    { make: "samsung", model: "SM-S918B" },
    { make: "SONY", model: "ILCE-7M4" },
    { make: "Google", model: "Pixel 8" },
    { make: "FUJIFILM", model: "X-T5" },
    { make: "Panasonic", model: "DC-S5M2" },
    { make: "OLYMPUS CORPORATION", model: "E-M1MarkIII" },
    { make: "GoPro", model: "HERO12 Black" },
  ];
  return cameras.map((tags, i) =>
    jpegOfSize(10 * 1024 + i, { ...tags, dateTimeOriginal: "2025:03:14 09:26:53" }),
  );
}
