/**
 * The large-body path (`parseJsonBody` over the scan: base64 left in the raw bytes) must classify
 * every API shape exactly as the small-body path (`JSON.parse` of the whole text): same images,
 * `where`, bytes, formats, EXIF, texts, invalid images and facts.
 */
import { describe, expect, it } from "vitest";
import type { RuntimeTenant } from "../../../src/config/index.js";
import type { Operation } from "../../../src/pipeline/classify-request/facts.js";
import { MemoryFrameWindowStore } from "../../../src/pipeline/classify-request/frame-rate.js";
import { loadCameraCatalogue } from "../../../src/pipeline/classify-request/images/camera-catalogue.js";
import { createExifReader } from "../../../src/pipeline/classify-request/images/exif.js";
import { classifyRequest } from "../../../src/pipeline/classify-request/index.js";
import { routeOf } from "../../../src/pipeline/classify-request/operation.js";
import type { Agency } from "../../../src/pipeline/identify-tenant/agency.js";
import { type BodyInspection, inspectJsonBody } from "../../../src/pipeline/read-body/inspect.js";
import { parseJsonBody } from "../../../src/pipeline/read-body/intake.js";
import { blobsOf, LARGE_BODY_BYTES } from "../../../src/pipeline/read-body/large-json.js";
import { dataUrl, gif, jpeg, png, webp } from "../../fixtures/images/make-fixtures.js";

const reader = createExifReader({ catalogue: loadCameraCatalogue("config/cameras.yaml") });
const AXON = { make: "Axon", model: "Axon Body 3", dateTimeOriginal: "2024:05:01 13:45:10" };
const CANON = {
  make: "Canon",
  model: "Canon EOS R5",
  offsetTimeOriginal: "+02:00",
  dateTimeOriginal: "2025:01:02 03:04:05",
};

const JPEG = jpeg({ tags: AXON, scanBytes: 40_000 });
const JPEG_LE = jpeg({ tags: { ...CANON, littleEndian: true }, scanBytes: 9_000 });
const PNG_AFTER = png({ tags: CANON, exifAfterIdat: true, idatBytes: 30_000 });
const PNG_ZTXT = png({ tags: AXON, rawProfile: "zTXt", idatBytes: 8_000 });
const WEBP = webp({ tags: AXON, vp8Bytes: 30_001 });
const PLAIN_JPEG = jpeg({ scanBytes: 12_000 });
const PDF = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(20_000, 0x41)]);
const B64_JPEG = JPEG.toString("base64");

interface Case {
  name: string;
  operation: Operation;
  body: unknown;
}

const cases: Case[] = [
  {
    name: "chat: image_url parts (object and string forms), EXIF in JPEG, PNG and WebP",
    operation: "chat.completions",
    body: {
      model: "gpt-4o",
      stream: true,
      messages: [
        { role: "system", content: "You are helpful." },
        {
          role: "user",
          content: [
            { type: "text", text: "Who is this?" },
            { type: "image_url", image_url: { url: dataUrl("image/jpeg", JPEG), detail: "high" } },
            { type: "image_url", image_url: dataUrl("image/png", PNG_AFTER) },
            { type: "image_url", image_url: { url: dataUrl("image/webp", WEBP) } },
            { type: "image_url", image_url: { url: dataUrl("image/png", PNG_ZTXT) } },
            { type: "image_url", image_url: { url: dataUrl("image/jpeg", JPEG_LE) } },
            { type: "image_url", image_url: { url: dataUrl("image/gif", gif()) } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
            // Declared PNG, bytes say JPEG: the bytes win.
            { type: "image_url", image_url: { url: dataUrl("image/png", PLAIN_JPEG) } },
            { type: "image_url", image_url: { url: `DATA:IMAGE/JPEG;BASE64,${B64_JPEG}` } },
          ],
        },
      ],
    },
  },
  {
    name: "chat: file parts with a PDF data URL, bare base64 and file_id",
    operation: "chat.completions",
    body: {
      messages: [
        {
          role: "user",
          content: [
            {
              type: "file",
              file: { filename: "a.pdf", file_data: dataUrl("application/pdf", PDF) },
            },
            { type: "file", file: { filename: "b.jpg", file_data: B64_JPEG } },
            { type: "file", file: { file_data: PDF.toString("base64url") } },
            { type: "file", file: { file_id: "file-123" } },
            { type: "text", text: "Summarise these" },
          ],
        },
      ],
    },
  },
  {
    name: "responses: input_image, input_file, computer screenshots, function outputs",
    operation: "responses",
    body: {
      model: "gpt-4.1",
      instructions: "Be brief.",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Who is in these photos?" },
            { type: "input_image", image_url: dataUrl("image/jpeg", JPEG), detail: "auto" },
            { type: "input_image", image_url: { url: dataUrl("image/webp", WEBP) } },
            { type: "input_file", filename: "doc.pdf", file_data: dataUrl("application/pdf", PDF) },
            { type: "input_file", file_data: B64_JPEG },
            { type: "input_file", file_url: "https://example.com/x.pdf" },
            { type: "input_image", file_id: "file-9" },
          ],
        },
        {
          type: "computer_call_output",
          call_id: "c1",
          output: { type: "computer_screenshot", image_url: dataUrl("image/png", PNG_AFTER) },
        },
        {
          type: "function_call_output",
          call_id: "f1",
          output: [
            { type: "input_text", text: "the photo" },
            { type: "input_image", image_url: dataUrl("image/jpeg", JPEG_LE) },
          ],
        },
      ],
    },
  },
  {
    name: "realtime: conversation.item.create with input_image",
    operation: "realtime",
    body: {
      type: "conversation.item.create",
      item: {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "Identify him" },
          { type: "input_image", image_url: dataUrl("image/jpeg", JPEG) },
        ],
      },
    },
  },
  {
    name: "assistants: thread message with image_url and text",
    operation: "assistants",
    body: {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: dataUrl("image/png", PNG_AFTER) } },
        { type: "image_file", image_file: { file_id: "file-1" } },
        { type: "text", text: "What is this?" },
      ],
    },
  },
  {
    name: "images.edits with a JSON body",
    operation: "images.edits",
    body: {
      model: "gpt-image-1",
      prompt: "Remove the background",
      images: [{ image_url: dataUrl("image/png", PNG_AFTER) }, { file_id: "file-2" }],
      mask: { image_url: dataUrl("image/png", PNG_ZTXT) },
    },
  },
  {
    name: "invalid and odd data: not an image, not base64, bad length, bare base64 as a URL",
    operation: "chat.completions",
    body: {
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: dataUrl("text/plain", PDF) } },
            { type: "image_url", image_url: { url: `data:image/png,${B64_JPEG}` } },
            { type: "image_url", image_url: { url: `data:image/jpeg;base64,${B64_JPEG}A` } },
            { type: "image_url", image_url: { url: B64_JPEG } },
          ],
        },
      ],
    },
  },
  {
    name: "base64 where texts belong: read as the original text, never as a placeholder",
    operation: "chat.completions",
    body: {
      model: B64_JPEG,
      messages: [
        { role: "user", content: B64_JPEG },
        { role: "user", content: [{ type: "text", text: dataUrl("image/jpeg", JPEG) }] },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ function: { name: "f", arguments: B64_JPEG } }],
        },
      ],
    },
  },
];

async function settled(i: BodyInspection) {
  return {
    images: i.images,
    texts: i.texts,
    model: i.model,
    stream: i.stream,
    invalid: i.invalidImages,
  };
}

const agency: Agency = {
  id: "met-police",
  tenantId: "met-police",
  agencyType: "law-enforcement",
  jurisdiction: { country: "GB" },
  consentAttested: false,
  tenantAgencyType: "law-enforcement",
};
const tenant: RuntimeTenant = {
  id: "met-police",
  name: "Met Police",
  agency,
  customers: new Map(),
  camera: { default: undefined, environment: undefined, declaredAllowed: true },
  userSecurityContext: false,
  entraTenantIds: { tenant: undefined, customers: new Map() },
  externalObjectsAllowed: false,
  webrtcAllowed: false,
  limits: {
    maxConcurrentRequests: null,
    customerMaxConcurrentRequests: new Map(),
    whatIfPerMinute: 60,
    requestsPerMinute: null,
    tokensPerMinute: null,
    customerRates: new Map(),
  },
};
const deps = () => ({
  frames: new MemoryFrameWindowStore(),
  exif: reader,
  liveFrameRate: { frames: 3, withinMs: 10_000 },
});

describe("large-body path: same inspection as the small-body path", () => {
  it.each(cases)("$name", async ({ operation, body }) => {
    const raw = Buffer.from(JSON.stringify(body));
    expect(raw.length).toBeGreaterThanOrEqual(LARGE_BODY_BYTES);
    const small = JSON.parse(raw.toString("utf8")) as unknown;
    const large = parseJsonBody(raw);
    expect(blobsOf(large)).toBeDefined();
    expect(blobsOf(small)).toBeUndefined();

    const expected = await settled(inspectJsonBody(operation, small, reader));
    const actual = await settled(inspectJsonBody(operation, large, reader));
    expect(actual).toEqual(expected);
    expect(expected.images.length + expected.texts.length).toBeGreaterThan(0);

    const path =
      operation === "responses"
        ? "/openai/v1/responses"
        : operation === "realtime"
          ? "/openai/v1/realtime/sessions"
          : operation === "assistants"
            ? "/openai/threads/t1/messages"
            : operation === "images.edits"
              ? "/openai/deployments/img/images/edits"
              : "/openai/deployments/gpt-4o/chat/completions";
    const headers = { "x-gateway-capture": "live" };
    const classify = async (b: unknown) => {
      try {
        return await classifyRequest(
          {
            route: routeOf(path),
            headers,
            body: { kind: "json", raw, parsed: b },
            tenant,
            now: 1_000,
          },
          deps(),
        );
      } catch (err) {
        return { error: String(err) };
      }
    };
    expect(await classify(large)).toEqual(await classify(small));
  });

  it("reads EXIF from the raw bytes (the body's camera facts are there)", async () => {
    const raw = Buffer.from(JSON.stringify(cases[0]!.body));
    const r = await settled(inspectJsonBody("chat.completions", parseJsonBody(raw), reader));
    expect(r.images.map((i) => [i.format, i.bytes, i.exif?.model])).toEqual([
      ["jpeg", JPEG.length, "Axon Body 3"],
      ["png", PNG_AFTER.length, "Canon EOS R5"],
      ["webp", WEBP.length, "Axon Body 3"],
      ["png", PNG_ZTXT.length, "Axon Body 3"],
      ["jpeg", JPEG_LE.length, "Canon EOS R5"],
      ["gif", gif().length, undefined],
      ["unknown", 0, undefined],
      ["jpeg", PLAIN_JPEG.length, undefined],
      ["jpeg", JPEG.length, "Axon Body 3"],
    ]);
  });
});
