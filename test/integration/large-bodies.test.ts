/**
 * 20 MB bodies through the gateway: classified from the raw bytes (the base64 image is never
 * parsed into a string), decided on its EXIF, and forwarded byte for byte; where a tenant gets
 * `user_security_context`, the re-serialised body is exactly what serialising the full parse gives.
 */
import { createHash } from "node:crypto";
import { AzureOpenAI, PermissionDeniedError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    limits: "{ maxBodyBytes: 67108864, upstreamTimeoutMs: 5000, connectTimeoutMs: 1000 }",
  });
});
afterAll(async () => {
  await h.close();
});

const BODYCAM = jpeg({ tags: { make: "Axon", model: "Axon Body 3" }, scanBytes: 15_000_000 });
const PATH = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** A chat body around the base64 image, built as bytes (no 20 MB string on the test side). */
function chatBody(prompt: string): Buffer {
  return Buffer.concat([
    Buffer.from(
      `{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":${JSON.stringify(prompt)}},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,`,
    ),
    Buffer.from(BODYCAM.toString("base64"), "latin1"),
    Buffer.from('","detail":"high"}}]}],\n  "max_tokens": 50 }'),
  ]);
}

describe("20 MB bodies", () => {
  it("denies live recognition on a body-worn camera read from a 20 MB image's EXIF", async () => {
    h.sim.clearRequests();
    const client = new AzureOpenAI({
      endpoint: h.gw.url,
      apiKey: KEYS.metPolice,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
      timeout: 60_000,
      defaultHeaders: { "x-gateway-capture": "live" },
    });
    const url = `data:image/jpeg;base64,${BODYCAM.toString("base64")}`;
    expect(url.length).toBeGreaterThan(20_000_000);
    const err = await client.chat.completions
      .create({
        model: "gpt-4o",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Who is this?" },
              { type: "image_url", image_url: { url } },
            ],
          },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(PermissionDeniedError);
    const body = (err as PermissionDeniedError).error as {
      innererror: { decision_id: string; policies: { id: string }[] };
    };
    expect(body.innererror.policies.map((p) => p.id)).toEqual([
      "law-enforcement-no-live-recognition-on-mobile-cameras",
    ]);
    expect(h.sim.requests()).toHaveLength(0);
    const record = await h.audit.waitFor((r) => r.decisionId === body.innererror.decision_id);
    expect(record.camera).toMatchObject({
      source: "body-worn",
      origin: { source: "exif" },
      exif: { make: "Axon", model: "Axon Body 3" },
    });
    expect(record.images).toEqual({ count: 1, bytes: BODYCAM.length, origins: ["inline"] });
  }, 60_000);

  it("forwards an allowed 20 MB body byte for byte", async () => {
    h.sim.clearRequests();
    const sent = chatBody("Describe this image");
    const res = await fetch(`${h.gw.url}${PATH}`, {
      method: "POST",
      headers: { "api-key": KEYS.doorAccess, "content-type": "application/json" },
      body: sent,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const seen = h.sim.requests();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.bodyBytes).toBe(sent.length);
    expect(seen[0]!.bodySha256).toBe(sha256(sent));
    const record = h.audit.records.at(-1)!;
    expect(record).toMatchObject({ decision: "allow", status: 200 });
    expect(record.images).toEqual({ count: 1, bytes: BODYCAM.length, origins: ["inline"] });
  }, 60_000);

  it("adds user_security_context to a 20 MB body exactly as to a fully parsed one", async () => {
    h.sim.clearRequests();
    const sent = chatBody("Describe this image");
    const res = await fetch(`${h.gw.url}${PATH}`, {
      method: "POST",
      headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
      body: sent,
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const expected = JSON.stringify({
      ...(JSON.parse(sent.toString("utf8")) as object),
      user_security_context: {
        application_name: "newsroom",
        source_ip: "127.0.0.1",
      },
    });
    const seen = h.sim.requests();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.bodyBytes).toBe(Buffer.byteLength(expected));
    expect(seen[0]!.bodySha256).toBe(sha256(expected));
  }, 60_000);
});
