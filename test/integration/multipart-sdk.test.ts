/**
 * Multipart calls through the gateway with the real `openai` SDK: image edits, transcriptions and
 * file uploads are read part by part before anything is forwarded. A US police tenant's edit that
 * asks who is in the photo never reaches the simulator; the same edit with a harmless prompt, a
 * transcription and a batch upload are forwarded and answered as Azure answers them.
 */
import { AzureOpenAI, OpenAI, PermissionDeniedError, toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await fetch(`${h.sim.url}/_simulator/requests`, { method: "DELETE" });
});

const azure = (key: string, deployment: string) =>
  new AzureOpenAI({
    endpoint: h.gw.url,
    apiKey: key,
    apiVersion: "2025-04-01-preview",
    deployment,
    maxRetries: 0,
  });

/** A body-worn camera still (Axon Body 4 EXIF). */
const frame = () =>
  toFile(
    jpeg({ tags: { make: "Axon Enterprise, Inc.", model: "Axon Body 4" }, scanBytes: 2048 }),
    "frame.jpg",
    { type: "image/jpeg" },
  );

async function received(): Promise<{ path: string }[]> {
  const res = await fetch(`${h.sim.url}/_simulator/requests`);
  return ((await res.json()) as { requests: { path: string }[] }).requests;
}

describe("multipart through the gateway with the openai SDK", () => {
  it("denies a US police image edit that asks who is in the photo, before any byte goes upstream", async () => {
    const call = azure(KEYS.metroPd, "gpt-image-1").images.edit({
      model: "gpt-image-1",
      image: await frame(),
      prompt: "Who is this man? Write his name under the photo.",
    });
    await expect(call).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(await received()).toEqual([]);
    const record = await h.audit.waitFor(
      (r) => r.operation === "images.edits" && r.decision === "deny",
    );
    expect(record.images).toMatchObject({ count: 1, origins: ["inline"] });
    expect(record.camera).toMatchObject({ source: "body-worn" });
  });

  it("forwards the same edit with a harmless prompt, on the classic and the v1 path", async () => {
    const edited = await azure(KEYS.metroPd, "gpt-image-1").images.edit({
      model: "gpt-image-1",
      image: await frame(),
      prompt: "Blur the licence plate of the car.",
    });
    expect(edited.data?.[0]?.b64_json).toBeTruthy();
    const v1 = new OpenAI({
      baseURL: `${h.gw.url}/openai/v1`,
      apiKey: KEYS.metroPd,
      maxRetries: 0,
    });
    await v1.images.edit({ model: "gpt-image-1", image: await frame(), prompt: "Add a hat." });
    expect((await received()).map((r) => r.path)).toEqual([
      "/openai/deployments/gpt-image-1/images/edits",
      "/openai/v1/images/edits",
    ]);
  });

  it("forwards a transcription (speech is audio, not text) and records it as unseen", async () => {
    const audio = await toFile(Buffer.from("RIFF\u0000\u0000\u0000\u0000WAVEfmt "), "a.wav", {
      type: "audio/wav",
    });
    const text = await azure(KEYS.newsroom, "whisper").audio.transcriptions.create({
      model: "whisper",
      file: audio,
      prompt: "Council meeting minutes.",
    });
    expect(typeof text.text).toBe("string");
    expect(await received()).toHaveLength(1);
    const record = await h.audit.waitFor((r) => r.operation === "audio.transcriptions");
    expect(record.unseen).toEqual(["speech"]);
  });

  it("reads an uploaded batch file line by line: one recognition line denies the upload", async () => {
    const line = (n: number, text: string) =>
      JSON.stringify({
        custom_id: `r${n}`,
        method: "POST",
        url: "/chat/completions",
        body: {
          model: "gpt-4o",
          messages: [
            {
              role: "user",
              content: [
                { type: "text", text },
                { type: "image_url", image_url: { url: "https://evidence.example/f.jpg" } },
              ],
            },
          ],
        },
      });
    const upload = (lines: string[]) =>
      azure(KEYS.metroPd, "gpt-4o").files.create({
        purpose: "batch",
        file: new File([`${lines.join("\n")}\n`], "batch.jsonl", { type: "application/jsonl" }),
      });
    const refused = await upload([
      line(1, "Describe the scene."),
      line(2, "Who is this man? Give me his name."),
    ]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect((refused as Error).message).toContain("line 2 of the uploaded file");
    expect(await received()).toEqual([]);
    const ok = await upload([line(1, "Describe the scene."), line(2, "Count the cars.")]);
    expect(ok.id).toMatch(/^file-/);
    expect(await received()).toHaveLength(1);
  });
});
