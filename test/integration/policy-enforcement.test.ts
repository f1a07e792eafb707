/**
 * Each row of the default policy table (docs/policy.md) driven through the gateway with the
 * real openai SDK: classic, v1 and Responses paths; inline, URL and file images; streamed and not.
 * Denied calls must get the 403 and never reach upstream; allowed calls must be forwarded.
 */
import OpenAI, { AzureOpenAI, PermissionDeniedError, toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
// The classification clock: each test starts a minute after the last, so the frame-rate windows
// (a camera's, the tenant's recognition requests) hold only that test's requests.
let clock = Date.now();
beforeAll(async () => {
  h = await startHarness({ now: () => clock });
});
beforeEach(() => {
  clock += 60_000;
});
afterAll(async () => {
  await h.close();
});

const BODYCAM = dataUrl(
  "image/jpeg",
  jpeg({ tags: { make: "Axon", model: "Axon Body 3" }, scanBytes: 4096 }),
);
const CCTV = dataUrl(
  "image/jpeg",
  jpeg({ tags: { make: "AXIS", model: "AXIS P3265-LVE" }, scanBytes: 4096 }),
);
const PHOTO_URL = "https://images.example/frame-0412.jpg";

type Headers = Record<string, string>;
const azure = (apiKey: string, headers: Headers = {}) =>
  new AzureOpenAI({
    endpoint: h.gw.url,
    apiKey,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
    defaultHeaders: headers,
  });
const v1 = (apiKey: string, headers: Headers = {}) =>
  new OpenAI({ baseURL: `${h.gw.url}/openai/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });

const chatWithImage = (text: string, url: string): OpenAI.Chat.ChatCompletionMessageParam[] => [
  {
    role: "user",
    content: [
      { type: "text", text },
      { type: "image_url", image_url: { url } },
    ],
  },
];

/** Expects the SDK call to be denied by `policies`, with nothing forwarded; returns the audit record. */
async function expectDenied(call: Promise<unknown>, policies: string[]) {
  h.sim.clearRequests();
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PermissionDeniedError);
  const denied = err as PermissionDeniedError;
  expect(denied.status).toBe(403);
  expect(denied.headers?.get("x-gateway-decision")).toBe("deny");
  const body = denied.error as {
    code: string;
    innererror: { code: string; decision_id: string; policies: { id: string; reason: string }[] };
  };
  expect(body.code).toBe("PolicyViolation");
  expect(body.innererror.code).toBe("GatewayPolicyViolation");
  expect(body.innererror.decision_id).toBe(denied.headers?.get("x-gateway-decision-id"));
  expect(body.innererror.policies.map((p) => p.id).sort()).toEqual([...policies].sort());
  for (const p of body.innererror.policies) expect(p.reason.length).toBeGreaterThan(20);
  expect(h.sim.requests()).toHaveLength(0);
  const record = await h.audit.waitFor((r) => r.decisionId === body.innererror.decision_id);
  expect(record).toMatchObject({ decision: "deny", status: 403, error: "PolicyViolation" });
  expect(record.policies?.sort()).toEqual([...policies].sort());
  return record;
}

describe("rule 1: US law enforcement, or anyone acting for it, may not identify or verify faces", () => {
  it("denies who-is on a URL image (classic chat, not streamed)", async () => {
    const record = await expectDenied(
      azure(KEYS.metroPd).chat.completions.create({
        model: "gpt-4o",
        messages: chatWithImage("Who is this man? Check him against our mugshots.", PHOTO_URL),
      }),
      ["us-law-enforcement-no-facial-recognition"],
    );
    expect(record.purposes).toContain("facial-identification");
    expect(record.images).toEqual({ count: 1, bytes: 0, origins: ["url"] });
    expect(record.evidence?.[0]).toMatch(/^facial-identification:.+@messages\[0\]\.content\[0\]/);
    expect(JSON.stringify(record)).not.toContain("mugshots");
  });

  it("denies verification on an inline image, streamed, on the v1 path", async () => {
    await expectDenied(
      v1(KEYS.metroPd).chat.completions.create({
        model: "gpt-4o",
        stream: true,
        messages: chatWithImage("Is this the same person as in the booking photo?", BODYCAM),
      }),
      ["us-law-enforcement-no-facial-recognition"],
    );
  });

  it("denies a vendor acting for a US police department (Responses, file image)", async () => {
    // The file is uploaded through the gateway for the same customer: the registry makes it theirs.
    const client = v1(KEYS.evidenceCloud, { "x-gateway-on-behalf-of": "city-pd" });
    const file = await client.files.create({
      purpose: "vision",
      file: await toFile(Buffer.from(BODYCAM.split(",")[1]!, "base64"), "frame.jpg", {
        type: "image/jpeg",
      }),
    });
    await expectDenied(
      client.responses.create({
        model: "gpt-4o",
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "Identify the suspect in this photo." },
              { type: "input_image", file_id: file.id, detail: "auto" },
            ],
          },
        ],
      }),
      ["us-law-enforcement-no-facial-recognition"],
    );
    const record = h.audit.records.at(-1)!;
    expect(record).toMatchObject({
      tenant: "evidence-cloud",
      agency: "city-pd",
      onBehalfOf: "city-pd",
      agencyType: "law-enforcement",
    });
    expect(record.images?.origins).toContain("file-id");
  });

  it("allows the same police department to describe clothing, and forwards the call", async () => {
    h.sim.clearRequests();
    const { data, response } = await azure(KEYS.metroPd)
      .chat.completions.create({
        model: "gpt-4o",
        messages: chatWithImage(
          "Describe the jacket and shoes of the man in this picture.",
          PHOTO_URL,
        ),
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-gateway-decision")).toBe("allow");
    expect(h.sim.requests()).toHaveLength(1);
  });
});

describe("rule 2: no law enforcement may run live recognition on mobile cameras", () => {
  it("denies live recognition on a body-worn camera known from EXIF (non-US police)", async () => {
    const record = await expectDenied(
      azure(KEYS.metPolice, { "x-gateway-capture": "live" }).chat.completions.create({
        model: "gpt-4o",
        messages: chatWithImage("Who is this? Search the watchlist.", BODYCAM),
      }),
      ["law-enforcement-no-live-recognition-on-mobile-cameras"],
    );
    expect(record.camera).toMatchObject({
      source: "body-worn",
      mobility: "mobile",
      origin: { source: "exif" },
      exif: { make: "Axon", model: "Axon Body 3" },
    });
    expect(record.capture).toEqual({ value: "live", origin: "declared" });
  });

  it("detects a live frame stream from one camera id by its frame rate and denies it", async () => {
    // The harness config: 3 frames within 10 s from one camera id is live.
    const client = azure(KEYS.metPolice, {
      "x-gateway-camera-source": "dashcam",
      "x-gateway-camera-id": "unit-12-front",
      "x-gateway-capture": "recorded",
    });
    const ask = () =>
      client.chat.completions.create({
        model: "gpt-4o",
        messages: chatWithImage("Who is the driver in this frame? Give me his name.", PHOTO_URL),
      });
    await expect(ask()).resolves.toBeTruthy(); // frame 1: recorded, rule 4 allows
    await expect(ask()).resolves.toBeTruthy(); // frame 2
    const record = await expectDenied(ask(), [
      "law-enforcement-no-live-recognition-on-mobile-cameras",
    ]); // frame 3: live
    expect(record.capture).toEqual({ value: "live", origin: "frame-rate" });
    expect(record.camera?.conflicts?.some((c) => c.startsWith("capture:"))).toBe(true);
  });
});

describe("rule 3: outside the US, recognition must show the exemption", () => {
  it("denies recognition when capture is unknown (Responses, streamed)", async () => {
    await expectDenied(
      azure(KEYS.metPolice).responses.create({
        model: "gpt-4o",
        stream: true,
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "Tell me who the woman in this picture is." },
              { type: "input_image", image_url: PHOTO_URL, detail: "auto" },
            ],
          },
        ],
      }),
      ["law-enforcement-recognition-requires-known-capture"],
    );
  });
});

describe("rule 4: outside the US, recorded media or a fixed camera in a controlled place", () => {
  it("allows recognition on recorded media, streamed, and streams the answer", async () => {
    h.sim.clearRequests();
    const stream = await azure(KEYS.metPolice, {
      "x-gateway-capture": "recorded",
    }).chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: chatWithImage(
        "Compare the face in this archived still with the custody photo.",
        PHOTO_URL,
      ),
    });
    let chunks = 0;
    for await (const _ of stream) chunks++;
    expect(chunks).toBeGreaterThan(3);
    expect(h.sim.requests()).toHaveLength(1);
  });

  it("allows live verification from a fixed CCTV camera in a controlled room", async () => {
    const { response } = await azure(KEYS.metPolice, {
      "x-gateway-environment": "controlled",
      "x-gateway-capture": "live",
    })
      .chat.completions.create({
        model: "gpt-4o",
        messages: chatWithImage(
          "Verify that the person at the custody desk is the detainee on file.",
          CCTV,
        ),
      })
      .withResponse();
    expect(response.headers.get("x-gateway-decision")).toBe("allow");
    const record = await h.audit.waitFor(
      (r) => r.decisionId === response.headers.get("x-gateway-decision-id"),
    );
    expect(record.policies).toEqual([
      "non-us-law-enforcement-recognition-fixed-controlled-or-recorded",
    ]);
    expect(record.camera).toMatchObject({
      source: "fixed",
      origin: { source: "exif", environment: "declared" },
    });
  });
});

describe("rule 5: real-time identification needs attested consent", () => {
  it("denies live identification for a tenant without consent", async () => {
    await expectDenied(
      azure(KEYS.newsroom, { "x-gateway-capture": "live" }).chat.completions.create({
        model: "gpt-4o",
        messages: chatWithImage("Who is the person in this live stream frame?", PHOTO_URL),
      }),
      ["no-live-identification-without-consent"],
    );
  });

  it("allows it for a tenant with attested consent", async () => {
    const res = await azure(KEYS.doorAccess, {
      "x-gateway-capture": "live",
    }).chat.completions.create({
      model: "gpt-4o",
      messages: chatWithImage(
        "Who is this person at the door? Match the face against our staff list.",
        CCTV,
      ),
    });
    expect(res.choices[0]?.message.content).toBeTruthy();
  });
});

describe("rule 6: no identification or verification is allowed for everyone", () => {
  it.each([
    ["blur faces for redaction", "Blur all faces in this image before we publish it."],
    ["count faces", "How many faces are in this photo?"],
    ["read text", "Read the text on the sign in this image."],
    ["identify a car", "Identify the make and model of this car."],
  ])("allows US police to %s", async (_name, prompt) => {
    const { response } = await azure(KEYS.metroPd, { "x-gateway-capture": "live" })
      .chat.completions.create({ model: "gpt-4o", messages: chatWithImage(prompt, BODYCAM) })
      .withResponse();
    expect(response.headers.get("x-gateway-decision")).toBe("allow");
  });
});

describe("declarations", () => {
  it("answers an invalid declaration with 400 naming the header", async () => {
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: {
          "api-key": KEYS.metPolice,
          "content-type": "application/json",
          "x-gateway-camera-source": "helmet",
        },
        body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
      },
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe(
      "x-gateway-camera-source",
    );
  });

  it("answers unparseable inline image data with 400", async () => {
    const res = await fetch(
      `${h.gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
      {
        method: "POST",
        headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
        body: JSON.stringify({
          messages: chatWithImage("describe", "data:image/jpeg;base64,@@@not-base64@@@"),
        }),
      },
    );
    expect(res.status).toBe(400);
    expect(
      ((await res.json()) as { error: { code: string; message: string } }).error.message,
    ).toMatch(/unparseable image data/);
  });
});
