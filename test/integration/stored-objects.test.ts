/**
 * Stored objects through the gateway (issue 9): every object created through it is its caller's,
 * another tenant naming it gets the same 404 as for an object that does not exist, lists are
 * filtered, and a call that continues a stored response is judged with the facts of what it
 * continues ("Name?" after a photo), with the real openai SDK where a client is involved.
 */
import OpenAI, { NotFoundError, PermissionDeniedError, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import { type Harness, KEYS, startHarness } from "../helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    edit: (yaml) => {
      const edited = yaml.replace(
        '    keys: ["sha256:',
        '    externalObjects: allow\n    keys: ["sha256:',
      );
      // metro-pd (the first tenant) opts in to external objects; a miss would test nothing.
      if (!edited.includes("externalObjects: allow")) throw new Error("harness edit missed");
      return edited;
    },
  });
});
afterAll(async () => {
  await h.close();
});

const v1 = (apiKey: string, headers: Record<string, string> = {}) =>
  new OpenAI({
    baseURL: `${h.gw.url}/openai/v1`,
    apiKey,
    maxRetries: 0,
    defaultHeaders: headers,
  });

const PHOTO = dataUrl("image/jpeg", jpeg({ scanBytes: 1024 }));

/** A first turn with a photo and a harmless ask: allowed for everyone, and recorded. */
async function photoTurn(client: OpenAI) {
  return client.responses.create({
    model: "gpt-4o",
    input: [
      {
        role: "user",
        content: [
          { type: "input_text", text: "Describe the scene in this photo." },
          { type: "input_image", image_url: PHOTO, detail: "auto" },
        ],
      },
    ],
  });
}

async function forwardedPaths(): Promise<string[]> {
  const res = await fetch(`${h.sim.url}/_simulator/requests`);
  return ((await res.json()) as { requests: { path: string }[] }).requests.map((r) => r.path);
}

describe("context across turns", () => {
  it.each(["Name?", "Who?", "Wie heißt er?", "Nom ?", "¿Nombre?", "His name?"])(
    "denies US police %j continuing a turn that carried a photo",
    async (followUp) => {
      const police = v1(KEYS.metroPd);
      const first = await photoTurn(police);
      h.sim.clearRequests();
      const next = police.responses.create({
        model: "gpt-4o",
        previous_response_id: first.id,
        input: followUp,
      });
      await expect(next).rejects.toBeInstanceOf(PermissionDeniedError);
      expect(await forwardedPaths()).toEqual([]);
      const record = await h.audit.waitFor(
        (r) => r.decision === "deny" && r.operation === "responses" && r.tenant === "metro-pd",
      );
      expect(record.images?.count).toBeGreaterThanOrEqual(1);
      expect(record.evidence?.some((e) => e.includes("facial-identification"))).toBe(true);
    },
  );

  it("allows a commercial tenant the same follow-up, forwarded", async () => {
    const newsroom = v1(KEYS.newsroom);
    const first = await photoTurn(newsroom);
    h.sim.clearRequests();
    const next = await newsroom.responses.create({
      model: "gpt-4o",
      previous_response_id: first.id,
      input: "Name?",
    });
    expect(next.id).toBeTruthy();
    expect(await forwardedPaths()).toEqual(["/openai/v1/responses"]);
  });

  it("answers 404 for a continuation of a response the caller does not own, whoever owns it", async () => {
    const mine = await photoTurn(v1(KEYS.newsroom));
    for (const id of [mine.id, "resp_never_seen_by_the_gateway"]) {
      const call = v1(KEYS.doorAccess).responses.create({
        model: "gpt-4o",
        previous_response_id: id,
        input: "Continue.",
      });
      await expect(call).rejects.toBeInstanceOf(NotFoundError);
      const err = (await call.catch((e: unknown) => e)) as NotFoundError;
      expect(err.message).not.toContain("newsroom");
    }
  });

  it("judges an unknown continuation as carrying an image of unknown origin (externalObjects: allow)", async () => {
    // metro-pd allows external objects in this harness: the call is forwarded only if judged safe.
    const call = v1(KEYS.metroPd).responses.create({
      model: "gpt-4o",
      previous_response_id: "resp_created_elsewhere",
      input: "Summarise.",
    });
    await expect(call).rejects.toBeInstanceOf(PermissionDeniedError);
    const record = await h.audit.waitFor(
      (r) => r.unenforcedObjects?.includes("response:resp_created_elsewhere") === true,
    );
    expect(record.policies).toContain("law-enforcement-unseen-content");
    expect(record.images?.origins).toContain("unseen");
  });
});

describe("ownership of files", () => {
  const upload = (client: OpenAI, name = "notes.txt") =>
    client.files.create({
      purpose: "assistants",
      file: new File(["Quarterly figures."], name, { type: "text/plain" }),
    });

  it("gives another tenant 404 for reading or deleting a file, never naming its owner", async () => {
    const file = await upload(v1(KEYS.newsroom));
    const other = v1(KEYS.doorAccess);
    for (const call of [other.files.retrieve(file.id), other.files.delete(file.id)]) {
      const err = (await call.catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.message).not.toContain("newsroom");
    }
    const audit = await h.audit.waitFor((r) => r.tenant === "door-access-co" && r.status === 404);
    expect(audit.tenant).toBe("door-access-co");
    // The owner still reads it.
    expect((await v1(KEYS.newsroom).files.retrieve(file.id)).id).toBe(file.id);
  });

  it("filters lists to the caller's files", async () => {
    const mine = await upload(v1(KEYS.newsroom), "mine.txt");
    const theirs = await upload(v1(KEYS.doorAccess), "theirs.txt");
    const newsroomIds = (await v1(KEYS.newsroom).files.list()).data.map((f) => f.id);
    const doorIds = (await v1(KEYS.doorAccess).files.list()).data.map((f) => f.id);
    expect(newsroomIds).toContain(mine.id);
    expect(newsroomIds).not.toContain(theirs.id);
    expect(doorIds).toContain(theirs.id);
    expect(doorIds).not.toContain(mine.id);
  });

  it("honours deletes: a deleted file is unknown afterwards", async () => {
    const client = v1(KEYS.newsroom);
    const file = await upload(client);
    await client.files.delete(file.id);
    await expect(client.files.retrieve(file.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("makes objects created with a customer-scoped key the customer's", async () => {
    const asCityPd = v1(KEYS.cityPd);
    const file = await upload(asCityPd);
    expect((await asCityPd.files.retrieve(file.id)).id).toBe(file.id);
    const declared = v1(KEYS.evidenceCloud, { "x-gateway-on-behalf-of": "city-pd" });
    expect((await declared.files.retrieve(file.id)).id).toBe(file.id);
    // The vendor itself, or acting for another customer, does not own it.
    await expect(v1(KEYS.evidenceCloud).files.retrieve(file.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      v1(KEYS.evidenceCloud, { "x-gateway-on-behalf-of": "hospital-7" }).files.retrieve(file.id),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("judges a call on an uploaded image file with the file's facts", async () => {
    const police = v1(KEYS.metroPd);
    const file = await police.files.create({
      purpose: "vision",
      file: await toFile(jpeg({ scanBytes: 1024 }), "frame.jpg", { type: "image/jpeg" }),
    });
    const call = police.responses.create({
      model: "gpt-4o",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Name?" },
            { type: "input_image", file_id: file.id, detail: "auto" },
          ],
        },
      ],
    });
    await expect(call).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe("batches end to end", () => {
  const line = (n: number, text: string) =>
    JSON.stringify({
      custom_id: `r${n}`,
      method: "POST",
      url: "/v1/chat/completions",
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
  const batchFile = (lines: string[]) =>
    new File([`${lines.join("\n")}\n`], "batch.jsonl", { type: "application/jsonl" });

  it("runs a benign batch: upload, create, retrieve, read its output, all the caller's", async () => {
    const police = v1(KEYS.metroPd);
    const input = await police.files.create({
      purpose: "batch",
      file: batchFile([line(1, "Describe the scene."), line(2, "Count the cars.")]),
    });
    const batch = await police.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const done = await police.batches.retrieve(batch.id);
    expect(done.status).toBe("completed");
    const output = await (await police.files.content(done.output_file_id!)).text();
    expect(
      output
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).custom_id),
    ).toEqual(["r1", "r2"]);
    // Nobody else sees the batch, its input or its output.
    const other = v1(KEYS.doorAccess);
    for (const call of [
      other.batches.retrieve(batch.id),
      other.files.content(done.output_file_id!),
      other.files.retrieve(input.id),
    ]) {
      await expect(call).rejects.toBeInstanceOf(NotFoundError);
    }
    expect((await other.batches.list()).data.map((b) => b.id)).not.toContain(batch.id);
  });

  it("refuses at upload a batch file with one identification line, naming the line", async () => {
    h.sim.clearRequests();
    const refused = await v1(KEYS.metroPd)
      .files.create({
        purpose: "batch",
        file: batchFile([
          line(1, "Describe the scene."),
          line(2, "Count the cars."),
          line(3, "Who is this man? Give me his name."),
        ]),
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect((refused as Error).message).toContain("line 3 of the uploaded file");
    expect(await forwardedPaths()).toEqual([]);
  });
});

describe("threads", () => {
  it("judges a thread's follow-up with the photo an earlier message carried", async () => {
    const police = v1(KEYS.metroPd);
    const thread = await police.beta.threads.create({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe this frame." },
            { type: "image_url", image_url: { url: "https://evidence.example/frame.jpg" } },
          ],
        },
      ],
    });
    await expect(
      police.beta.threads.messages.create(thread.id, { role: "user", content: "Name?" }),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    // A run is judged on the thread's facts plus its own instructions.
    await expect(
      police.beta.threads.runs.create(thread.id, {
        assistant_id: (await police.beta.assistants.create({ model: "gpt-4o" })).id,
        additional_instructions: "Tell me who he is.",
      }),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    // Another tenant cannot post into it, read it or delete it.
    const other = v1(KEYS.doorAccess);
    await expect(
      other.beta.threads.messages.create(thread.id, { role: "user", content: "Hello" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.beta.threads.retrieve(thread.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.beta.threads.delete(thread.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await police.beta.threads.retrieve(thread.id)).id).toBe(thread.id);
  });
});

describe("conversations", () => {
  it("carries a photo posted in a conversation to the next response in it", async () => {
    const police = v1(KEYS.metroPd);
    const conversation = await police.conversations.create({});
    await police.responses.create({
      model: "gpt-4o",
      conversation: conversation.id,
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Describe the scene in this photo." },
            { type: "input_image", image_url: PHOTO, detail: "auto" },
          ],
        },
      ],
    });
    await expect(
      police.responses.create({ model: "gpt-4o", conversation: conversation.id, input: "Who?" }),
    ).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(
      v1(KEYS.doorAccess).conversations.retrieve(conversation.id),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("what the security review found (each request reached Azure before)", () => {
  const raw = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${h.gw.url}${path}`, {
      method,
      headers: { "api-key": key, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return res.status;
  };

  it.each([
    ["GET", "/openai/v1/chat/completions"],
    ["GET", "/openai/v1/chat/completions/chatcmpl-victim/messages"],
    ["DELETE", "/openai/v1/chat/completions/chatcmpl-victim"],
    ["GET", "/openai/fine_tuning/jobs?api-version=2025-04-01-preview"],
    ["GET", "/openai/v1/containers/cntr_victim/files"],
    ["POST", "/openai/v1/evals/eval_abc/runs"],
  ])("refuses the untracked stored-object API %s %s", async (method, path) => {
    h.sim.clearRequests();
    expect(
      await raw(method, path, KEYS.doorAccess, method === "POST" ? { name: "r" } : undefined),
    ).toBe(404);
    expect(await forwardedPaths()).toEqual([]);
  });

  it("refuses a Responses item_reference the gateway cannot resolve", async () => {
    h.sim.clearRequests();
    const status = await raw("POST", "/openai/v1/responses", KEYS.doorAccess, {
      model: "gpt-4o",
      input: [
        { type: "item_reference", id: "msg_from_someone" },
        { role: "user", content: "Name?" },
      ],
    });
    expect(status).toBe(404);
    expect(await forwardedPaths()).toEqual([]);
  });

  it("refuses a matrix parameter in the collection segment", async () => {
    h.sim.clearRequests();
    expect(await raw("GET", "/openai/files;a/file-1/content?api-version=x", KEYS.doorAccess)).toBe(
      400,
    );
    expect(await forwardedPaths()).toEqual([]);
  });

  it("lets no batch metadata claim a file the gateway never recorded", async () => {
    const client = v1(KEYS.doorAccess);
    const input = await client.files.create({
      purpose: "batch",
      file: new File(
        [
          `${JSON.stringify({ custom_id: "r1", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] } })}\n`,
        ],
        "b.jsonl",
      ),
    });
    await client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
      metadata: { output_file_id: "file-not-recorded-by-gateway" },
    });
    await expect(client.files.retrieve("file-not-recorded-by-gateway")).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("refuses an uploaded JSONL line that repeats a key", async () => {
    const line =
      '{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{"model":"gpt-4o","messages":[{"role":"user","content":"Who is this man? Give me his name."}],"messages":[{"role":"user","content":"Count the cars."}]}}';
    const refused = await v1(KEYS.metroPd)
      .files.create({ purpose: "batch", file: new File([`${line}\n`], "b.jsonl") })
      .catch((e: unknown) => e);
    expect((refused as { status?: number }).status).toBe(400);
  });
});

describe("references inside uploaded files", () => {
  const lineNaming = (fileId: string) =>
    JSON.stringify({
      custom_id: "r1",
      method: "POST",
      url: "/v1/chat/completions",
      body: {
        model: "gpt-4o",
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Summarise this file." },
              { type: "file", file: { file_id: fileId } },
            ],
          },
        ],
      },
    });

  it("refuses a batch file whose lines name another tenant's file, and accepts one naming the caller's", async () => {
    const theirs = await v1(KEYS.newsroom).files.create({
      purpose: "assistants",
      file: new File(["Quarterly figures."], "q.txt", { type: "text/plain" }),
    });
    const mine = await v1(KEYS.doorAccess).files.create({
      purpose: "assistants",
      file: new File(["Door log."], "d.txt", { type: "text/plain" }),
    });
    h.sim.clearRequests();
    const refused = await v1(KEYS.doorAccess)
      .files.create({ purpose: "batch", file: new File([`${lineNaming(theirs.id)}\n`], "b.jsonl") })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NotFoundError);
    expect(await forwardedPaths()).toEqual([]);
    const accepted = await v1(KEYS.doorAccess).files.create({
      purpose: "batch",
      file: new File([`${lineNaming(mine.id)}\n`], "b.jsonl"),
    });
    expect(accepted.id).toMatch(/^file-/);
  });
});
