import { describe, expect, it, vi } from "vitest";
import type { ImageInput, Operation } from "../../../src/pipeline/classify-request/facts.js";
import { loadCameraCatalogue } from "../../../src/pipeline/classify-request/images/camera-catalogue.js";
import { createExifReader } from "../../../src/pipeline/classify-request/images/exif.js";
import { inspectJsonBody } from "../../../src/pipeline/read-body/inspect.js";
import { dataUrl, gif, jpeg, png, webp } from "../../fixtures/images/make-fixtures.js";

const reader = createExifReader({ catalogue: loadCameraCatalogue("config/cameras.yaml") });
const AXON = { make: "Axon", model: "Axon Body 3", dateTimeOriginal: "2024:05:01 13:45:10" };

const JPEG = jpeg();
const JPEG_URL = dataUrl("image/jpeg", JPEG);
const PNG_URL = dataUrl("image/png", png());
const HTTPS = "https://example.com/cat.jpg";
const jpegImage = (where: string): ImageInput => ({
  origin: "inline",
  format: "jpeg",
  bytes: JPEG.length,
  where,
});
const pngImage = (where: string): ImageInput => ({
  origin: "inline",
  format: "png",
  bytes: png().length,
  where,
});
const urlImage = (where: string): ImageInput => ({
  origin: "url",
  format: "unknown",
  bytes: 0,
  where,
});
const fileImage = (where: string): ImageInput => ({
  origin: "file-id",
  format: "unknown",
  bytes: 0,
  where,
});

interface Case {
  name: string;
  operation: Operation;
  body: unknown;
  images: ImageInput[];
  texts: string[];
}

const cases: Case[] = [
  {
    name: "chat: string content in every role, text and image parts, audio ignored",
    operation: "chat.completions",
    body: {
      model: "gpt-4o",
      stream: true,
      messages: [
        { role: "system", content: "You are helpful." },
        { role: "developer", content: [{ type: "text", text: "Be brief." }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Who is this?" },
            { type: "image_url", image_url: { url: JPEG_URL, detail: "high" } },
            { type: "image_url", image_url: { url: HTTPS } },
            { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
          ],
        },
        {
          role: "assistant",
          content: "Let me check.",
          tool_calls: [
            { id: "1", type: "function", function: { name: "lookup", arguments: '{"q":"face"}' } },
          ],
        },
        { role: "tool", tool_call_id: "1", content: [{ type: "text", text: "no match" }] },
        { role: "assistant", content: null, function_call: { name: "legacy", arguments: "{}" } },
      ],
    },
    images: [jpegImage("messages[2].content[1]"), urlImage("messages[2].content[2]")],
    texts: [
      "messages[0].content",
      "messages[1].content[0].text",
      "messages[2].content[0].text",
      "messages[3].content",
      "messages[3].tool_calls[0].id",
      "messages[3].tool_calls[0].function.name",
      "messages[3].tool_calls[0].function.arguments",
      "messages[4].tool_call_id",
      "messages[4].content[0].text",
      "messages[5].function_call.name",
      "messages[5].function_call.arguments",
    ],
  },
  {
    name: "chat: file parts with file_data (data URL or bare base64) and file_id",
    operation: "chat.completions",
    body: {
      messages: [
        {
          role: "user",
          content: [
            {
              type: "file",
              file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjc=" },
            },
            { type: "file", file: { file_data: JPEG.toString("base64") } },
            { type: "file", file: { file_id: "file-123" } },
          ],
        },
      ],
    },
    images: [
      { origin: "inline", format: "unknown", bytes: 8, where: "messages[0].content[0].file" },
      jpegImage("messages[0].content[1].file"),
      fileImage("messages[0].content[2].file"),
    ],
    texts: ["messages[0].content[0].file.filename"],
  },
  {
    name: "chat: legacy functions, tools and parameter descriptions, response format",
    operation: "chat.completions",
    body: {
      messages: [{ role: "user", content: "hi" }],
      functions: [
        { name: "find_person", description: "Finds a person", parameters: { type: "object" } },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "match_face",
            description: "Matches a face against a watch list",
            parameters: {
              type: "object",
              properties: {
                image: { type: "string", description: "the probe image" },
                hits: { type: "array", items: { type: "object", description: "one candidate" } },
              },
              anyOf: [{ description: "variant" }],
            },
          },
        },
      ],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "r",
          description: "who is it",
          schema: { properties: { name: { description: "full name" } } },
        },
      },
    },
    images: [],
    texts: [
      "messages[0].content",
      "functions[0].name",
      "functions[0].description",
      "tools[0].function.name",
      "tools[0].function.description",
      "tools[0].function.parameters.properties{0}:key",
      "tools[0].function.parameters.properties{0}.description",
      "tools[0].function.parameters.properties{1}:key",
      "tools[0].function.parameters.properties{1}.items.description",
      "tools[0].function.parameters.anyOf[0].description",
      "response_format.json_schema.name",
      "response_format.json_schema.description",
      "response_format.json_schema.schema.properties{0}:key",
      "response_format.json_schema.schema.properties{0}.description",
    ],
  },
  {
    name: "responses: instructions, string input",
    operation: "responses",
    body: { model: "gpt-4.1", instructions: "Be exact.", input: "Who is in the photo?" },
    images: [],
    texts: ["instructions", "input"],
  },
  {
    name: "responses: every input item type",
    operation: "responses",
    body: {
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "compare" },
            { type: "input_image", image_url: PNG_URL },
            { type: "input_image", image_url: HTTPS },
            { type: "input_image", file_id: "file-1" },
            { type: "input_file", file_data: JPEG_URL },
            { type: "input_file", file_id: "file-2" },
            { type: "input_file", file_url: "https://example.com/a.pdf" },
          ],
        },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "ok" }] },
        { type: "message", role: "user", content: "plain" },
        {
          type: "computer_call_output",
          call_id: "c",
          output: { type: "computer_screenshot", image_url: JPEG_URL },
        },
        {
          type: "computer_call_output",
          call_id: "c",
          output: { type: "computer_screenshot", file_id: "file-3" },
        },
        { type: "function_call", call_id: "f", name: "get_photo", arguments: "{}" },
        { type: "function_call_output", call_id: "f", output: "done" },
        {
          type: "function_call_output",
          call_id: "f",
          output: [
            { type: "input_text", text: "here" },
            { type: "input_image", image_url: JPEG_URL },
          ],
        },
        { type: "reasoning", summary: [] },
        { type: "item_reference", id: "x" },
      ],
      tools: [
        {
          type: "function",
          name: "identify",
          description: "Identify people",
          parameters: { properties: { a: { description: "d" } } },
        },
        { type: "mcp", server_label: "s", server_description: "face search server" },
        { type: "web_search" },
      ],
    },
    images: [
      pngImage("input[0].content[1]"),
      urlImage("input[0].content[2]"),
      fileImage("input[0].content[3]"),
      jpegImage("input[0].content[4]"),
      fileImage("input[0].content[5]"),
      urlImage("input[0].content[6]"),
      jpegImage("input[3].output"),
      fileImage("input[4].output"),
      jpegImage("input[7].output[1]"),
      { origin: "unseen", format: "unknown", bytes: 0, where: "tools[1]" },
    ],
    texts: [
      "input[0].content[0].text",
      "input[1].content[0].text",
      "input[2].content",
      "input[3].call_id",
      "input[4].call_id",
      "input[5].call_id",
      "input[5].name",
      "input[5].arguments",
      "input[6].call_id",
      "input[6].output",
      "input[7].call_id",
      "input[7].output[0].text",
      "input[9].id",
      "tools[0].name",
      "tools[0].description",
      "tools[0].parameters.properties{0}:key",
      "tools[0].parameters.properties{0}.description",
      "tools[1].server_label",
      "tools[1].server_description",
    ],
  },
  {
    name: "responses: instructions as items and prompt template variables",
    operation: "responses",
    body: {
      instructions: [{ role: "developer", content: "rules" }],
      prompt: {
        id: "pmpt_1",
        variables: { who: "the suspect", photo: { type: "input_image", image_url: HTTPS } },
      },
    },
    images: [
      { origin: "unseen", format: "unknown", bytes: 0, where: "prompt" },
      urlImage("prompt.variables{1}"),
    ],
    texts: [
      "instructions[0].content",
      "prompt.id",
      "prompt.variables{0}:key",
      "prompt.variables{0}",
      "prompt.variables{1}:key",
    ],
  },
  {
    name: "assistants: create assistant",
    operation: "assistants",
    body: {
      model: "gpt-4o",
      name: "Face finder",
      description: "Finds faces",
      instructions: "You identify people.",
      tools: [
        { type: "code_interpreter" },
        { type: "function", function: { name: "f", description: "g" } },
      ],
    },
    images: [{ origin: "unseen", format: "unknown", bytes: 0, where: "tools[0]" }],
    texts: [
      "name",
      "description",
      "instructions",
      "tools[1].function.name",
      "tools[1].function.description",
    ],
  },
  {
    name: "assistants: thread message with image_file, image_url and text parts",
    operation: "assistants",
    body: {
      role: "user",
      content: [
        { type: "text", text: "who?" },
        { type: "image_file", image_file: { file_id: "file-9", detail: "low" } },
        { type: "image_url", image_url: { url: HTTPS } },
      ],
    },
    images: [fileImage("content[1].image_file"), urlImage("content[2]")],
    texts: ["content[0].text"],
  },
  {
    name: "assistants: create thread and run",
    operation: "assistants",
    body: {
      assistant_id: "asst_1",
      thread: {
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: JPEG_URL } }] },
        ],
      },
      additional_instructions: "more",
      additional_messages: [{ role: "user", content: "again" }],
    },
    images: [jpegImage("thread.messages[0].content[0]")],
    texts: ["additional_instructions", "additional_messages[0].content"],
  },
  {
    name: "realtime: conversation.item.create with input_image, session.update",
    operation: "realtime",
    body: {
      type: "conversation.item.create",
      item: {
        type: "message",
        role: "user",
        content: [
          { type: "input_text", text: "is this him?" },
          { type: "input_image", image_url: JPEG_URL },
        ],
      },
    },
    images: [jpegImage("item.content[1]")],
    texts: ["item.content[0].text"],
  },
  {
    name: "realtime: session.update and response.create",
    operation: "realtime",
    body: {
      type: "session.update",
      session: {
        instructions: "watch",
        tools: [{ type: "function", name: "alert", description: "raise" }],
      },
      response: { instructions: "now", input: [{ type: "input_image", image_url: HTTPS }] },
    },
    images: [urlImage("response.input[0]")],
    texts: [
      "session.instructions",
      "session.tools[0].name",
      "session.tools[0].description",
      "response.instructions",
    ],
  },
  {
    name: "completions: prompt string and list, token arrays skipped",
    operation: "completions",
    body: { prompt: ["one", "two", [1, 2, 3]], suffix: 1 },
    images: [],
    texts: ["prompt[0]", "prompt[1]"],
  },
  {
    name: "images.generations: prompt",
    operation: "images.generations",
    body: { prompt: "a lighthouse", n: 1 },
    images: [],
    texts: ["prompt"],
  },
  {
    name: "images.edits with a JSON body",
    operation: "images.edits",
    body: {
      prompt: "p",
      images: [{ image_url: PNG_URL }, { file_id: "file-1" }],
      mask: { image_url: HTTPS },
    },
    images: [pngImage("images[0]"), fileImage("images[1]"), urlImage("mask")],
    texts: ["prompt"],
  },
  {
    name: "embeddings: input is not a prompt",
    operation: "embeddings",
    body: { input: ["who is this person"], model: "text-embedding-3-small" },
    images: [],
    texts: [],
  },
];

describe("inspectJsonBody", () => {
  it.each(cases)("$name", ({ operation, body, images, texts }) => {
    const r = inspectJsonBody(operation, body, reader);
    expect(r.invalidImages).toEqual([]);
    expect(r.images).toEqual(images);
    expect(r.texts.map((t) => t.where)).toEqual(texts);
  });

  it("reads model and stream", () => {
    expect(inspectJsonBody("chat.completions", { model: "m", stream: true }, reader)).toMatchObject(
      {
        model: "m",
        stream: true,
      },
    );
    const r = inspectJsonBody("chat.completions", { model: 5, stream: "yes" });
    expect(r.stream).toBe(false);
    expect("model" in r).toBe(false);
  });

  it("keeps the text itself", () => {
    const r = inspectJsonBody("chat.completions", {
      messages: [{ role: "user", content: "Who is this?" }],
    });
    expect(r.texts).toEqual([{ where: "messages[0].content", text: "Who is this?" }]);
  });

  it("fills EXIF of inline images", () => {
    const url = dataUrl("image/jpeg", jpeg({ tags: AXON }));
    const r = inspectJsonBody(
      "chat.completions",
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url } },
              { type: "image_url", image_url: { url: HTTPS } },
            ],
          },
        ],
      },
      reader,
    );
    expect(r.images[0]?.exif).toEqual({
      make: "Axon",
      model: "Axon Body 3",
      capturedAt: "2024-05-01T13:45:10",
      source: "body-worn",
      catalogueId: "axon-body",
    });
    expect(r.images[1]?.exif).toBeUndefined();
  });

  it("finds WebP EXIF after the image data through a Responses input_image", () => {
    const url = dataUrl(
      "image/webp",
      webp({ tags: { make: "DJI", model: "M3T" }, vp8Bytes: 4001 }),
    );
    const r = inspectJsonBody(
      "responses",
      { input: [{ role: "user", content: [{ type: "input_image", image_url: url }] }] },
      reader,
    );
    expect(r.images[0]).toMatchObject({
      format: "webp",
      exif: { source: "drone", catalogueId: "dji-enterprise" },
    });
  });

  it("lets the sniffed format win over the declared media type", () => {
    const r = inspectJsonBody("chat.completions", {
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: dataUrl("image/png", JPEG) } },
            { type: "image_url", image_url: { url: dataUrl("image/jpeg", gif()) } },
            {
              type: "image_url",
              image_url: { url: dataUrl("image/webp", Buffer.from("not an image at all")) },
            },
          ],
        },
      ],
    });
    expect(r.images.map((i) => i.format)).toEqual(["jpeg", "gif", "webp"]);
  });

  it("counts decoded bytes from the base64 length, with and without padding", () => {
    const bytes = Buffer.from("12345"); // 5 bytes: "MTIzNDU=" padded
    const r = inspectJsonBody("chat.completions", {
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image_url",
              image_url: { url: `data:image/gif;base64,${bytes.toString("base64")}` },
            },
            {
              type: "image_url",
              image_url: {
                url: `data:image/gif;base64,${bytes.toString("base64").replace(/=/g, "")}`,
              },
            },
          ],
        },
      ],
    });
    expect(r.images.map((i) => i.bytes)).toEqual([5, 5]);
  });

  it("reports data URLs that are not images, not base64 or not decodable", () => {
    const r = inspectJsonBody("chat.completions", {
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: "data:text/plain;base64,aGVsbG8=" } },
            { type: "image_url", image_url: { url: "data:image/png,rawbytes" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,@@@@@@@@" } },
            { type: "image_url", image_url: { url: "data:image/png;base64,QUJDR" } },
            { type: "image_url", image_url: { url: "data:image/png;base64," } },
            { type: "image_url", image_url: { url: "data:image/png;base64" } },
            { type: "image_url", image_url: { url: PNG_URL } },
          ],
        },
      ],
    });
    expect(r.invalidImages).toEqual([
      { where: "messages[0].content[0]", reason: "data url media type is not an image" },
      { where: "messages[0].content[1]", reason: "data url is not base64-encoded" },
      { where: "messages[0].content[2]", reason: "invalid base64 character" },
      { where: "messages[0].content[3]", reason: "base64 length is not valid" },
      { where: "messages[0].content[4]", reason: "empty image data" },
      { where: "messages[0].content[5]", reason: "malformed data url" },
    ]);
    expect(r.images).toEqual([pngImage("messages[0].content[6]")]);
  });

  it("reads a text that starts with `Data:` as text; a strict data URL in a text is file data", () => {
    const texts = [
      "Data: 15/03/2024, Kraków. Opisz pogodę na zdjęciu.",
      "DATA: 2 000 fotek z tábora, roztřiď je podle aktivit",
      "data: image/png; base64, not a header",
    ];
    const r = inspectJsonBody("chat.completions", {
      messages: [
        { role: "user", content: texts[0] },
        {
          role: "user",
          content: [
            { type: "text", text: texts[1] },
            { type: "text", text: texts[2] },
            { type: "image_url", image_url: { url: HTTPS } },
          ],
        },
      ],
    });
    expect(r.invalidImages).toEqual([]);
    expect(r.images).toEqual([urlImage("messages[1].content[2]")]);
    expect(r.texts.map((t) => t.text)).toEqual(texts);
    // RFC 2397's syntax is file data wherever it stands, and refused when it cannot be read.
    const inText = inspectJsonBody("chat.completions", {
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: PNG_URL },
            { type: "text", text: "data:,who%20is%20this%20man%3F" },
            { type: "text", text: 'data:text/plain;charset="utf-8",hello' },
          ],
        },
      ],
    });
    expect(inText.images).toEqual([pngImage("messages[0].content[0].text")]);
    expect(inText.invalidImages).toEqual([
      { where: "messages[0].content[1].text", reason: "data url is not base64-encoded" },
      { where: "messages[0].content[2].text", reason: "data url is not base64-encoded" },
    ]);
  });

  it("counts URL images without fetching them", () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const r = inspectJsonBody("chat.completions", {
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: HTTPS } },
            { type: "image_url", image_url: HTTPS },
          ],
        },
      ],
    });
    expect(r.images).toEqual([
      urlImage("messages[0].content[0]"),
      urlImage("messages[0].content[1]"),
    ]);
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it("handles a 20 MB inline image without decoding it whole", async () => {
    const big = jpeg({ tags: AXON, scanBytes: 20 * 1024 * 1024 });
    // Parsed from JSON, as the gateway sees it: a flat string, not the concatenation built here.
    const url = JSON.parse(JSON.stringify(dataUrl("image/jpeg", big))) as string;
    const decode = vi.spyOn(Buffer, "from");
    const t0 = performance.now();
    const r = inspectJsonBody(
      "responses",
      { input: [{ role: "user", content: [{ type: "input_image", image_url: url }] }] },
      reader,
    );
    const ms = performance.now() - t0;
    const decodedChars = (decode.mock.calls as unknown[][])
      .filter(([v, enc]) => typeof v === "string" && enc === "base64")
      .reduce((sum, [v]) => sum + (v as string).length, 0);
    decode.mockRestore();
    console.log(
      `20 MB inline JPEG: ${ms.toFixed(2)} ms, ${decodedChars} base64 characters decoded`,
    );
    expect(r.images[0]).toMatchObject({
      bytes: big.length,
      format: "jpeg",
      exif: { model: "Axon Body 3" },
    });
    expect(decodedChars).toBeLessThan(1024);
    expect(ms).toBeLessThan(50);
  });

  const malformed: unknown[] = [
    null,
    42,
    "string",
    [],
    [{ messages: [] }],
    { messages: "x" },
    { messages: [null, 1, "s", [], { content: 5 }, { content: [null, 1, [], { type: 5 }] }] },
    {
      messages: [
        {
          content: [
            { type: "image_url" },
            { type: "image_url", image_url: 5 },
            { type: "image_url", image_url: { url: {} } },
          ],
        },
      ],
    },
    {
      messages: [
        {
          content: [
            { type: "file" },
            { type: "file", file: "x" },
            { type: "image_file", image_file: 3 },
          ],
        },
      ],
    },
    { messages: [{ tool_calls: [null, { function: 3 }], function_call: "x" }] },
    {
      tools: [
        null,
        { function: null },
        { function: { parameters: { properties: null, anyOf: 3 } } },
      ],
      functions: {},
    },
    {
      input: [
        null,
        3,
        { type: "computer_call_output", output: null },
        { type: "function_call_output", output: 3 },
      ],
    },
    { input: { type: "message" }, instructions: 5, prompt: { variables: [1] } },
    {
      thread: { messages: {} },
      additional_messages: 1,
      item: [],
      session: "x",
      images: {},
      mask: 5,
    },
    { response_format: { json_schema: 5 } },
  ];
  it.each(malformed)("never throws on malformed body %#", (body) => {
    for (const op of [
      "chat.completions",
      "responses",
      "assistants",
      "realtime",
      "other",
    ] as const) {
      expect(() => inspectJsonBody(op, body, reader)).not.toThrow();
    }
  });

  it("does not overflow on a deeply nested schema", () => {
    let schema: Record<string, unknown> = { description: "leaf" };
    for (let i = 0; i < 10_000; i++) schema = { properties: { p: schema } };
    expect(() =>
      inspectJsonBody("chat.completions", {
        tools: [{ function: { name: "n", parameters: schema } }],
      }),
    ).not.toThrow();
  });
});
