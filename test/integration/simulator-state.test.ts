import OpenAI, { AzureOpenAI, NotFoundError, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";

const API_KEY = "sim-key";
const CHUNKS = 5;

let sim: RunningSimulator;
let azure: AzureOpenAI;
let v1: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: API_KEY, chunks: CHUNKS, chunkDelayMs: 0 });
  azure = new AzureOpenAI({
    endpoint: sim.url,
    apiKey: API_KEY,
    apiVersion: "2025-04-01-preview",
    maxRetries: 0,
  });
  v1 = new OpenAI({ baseURL: `${sim.url}/openai/v1`, apiKey: API_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

const FLAVORS = ["classic", "v1"] as const;

/** The client for a flavor, read when the test runs (the clients exist only after beforeAll). */
function clientFor(flavor: (typeof FLAVORS)[number]): OpenAI {
  return flavor === "classic" ? azure : v1;
}

function jsonl(rows: unknown[]): Buffer {
  return Buffer.from(rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
}

describe("files", () => {
  it.each(FLAVORS)(
    "%s: returns the stored bytes, filters by purpose, honours delete",
    async (flavor) => {
      const client = clientFor(flavor);
      const bytes = Buffer.from('{"a":1}\n{"b":2}\n');
      const file = await client.files.create({
        file: await toFile(bytes, "in.jsonl"),
        purpose: "batch",
      });
      expect(file.purpose).toBe("batch");
      const content = await client.files.content(file.id);
      expect(Buffer.from(await content.arrayBuffer()).equals(bytes)).toBe(true);
      const batchFiles = await client.files.list({ purpose: "batch" });
      expect(batchFiles.data.map((f) => f.id)).toContain(file.id);
      expect(batchFiles.data.every((f) => f.purpose === "batch")).toBe(true);
      const fineTune = await client.files.list({ purpose: "fine-tune" });
      expect(fineTune.data.map((f) => f.id)).not.toContain(file.id);
      await client.files.delete(file.id);
      await expect(client.files.content(file.id)).rejects.toBeInstanceOf(NotFoundError);
    },
  );
});

describe("batches", () => {
  it.each(FLAVORS)(
    "%s: runs chat lines into an output file with matching custom_ids",
    async (flavor) => {
      const client = clientFor(flavor);
      const rows = ["a", "b", "c"].map((id) => ({
        custom_id: `task-${id}`,
        method: "POST",
        url: "/v1/chat/completions",
        body: { model: "gpt-4o-batch", messages: [{ role: "user", content: `say ${id}` }] },
      }));
      const input = await client.files.create({
        file: await toFile(jsonl(rows), "batch.jsonl"),
        purpose: "batch",
      });
      const created = await client.batches.create({
        input_file_id: input.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      });
      expect(created.id).toMatch(/^batch_/);
      expect(created.status).toBe("validating");
      const done = await client.batches.retrieve(created.id);
      expect(done.status).toBe("completed");
      expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
      expect(done.output_file_id).toMatch(/^file-/);
      const outputFile = await client.files.retrieve(done.output_file_id ?? "");
      expect(outputFile.purpose).toBe("batch_output");
      const text = await (await client.files.content(done.output_file_id ?? "")).text();
      const lines = text
        .trim()
        .split("\n")
        .map(
          (l) =>
            JSON.parse(l) as {
              custom_id: string;
              response: { status_code: number; body: { object: string; model: string } };
            },
        );
      expect(lines.map((l) => l.custom_id)).toEqual(["task-a", "task-b", "task-c"]);
      for (const line of lines) {
        expect(line.response.status_code).toBe(200);
        expect(line.response.body.object).toBe("chat.completion");
        expect(line.response.body.model).toBe("gpt-4o-batch");
      }
      const listed = await client.batches.list();
      expect(listed.data.map((b) => b.id)).toContain(created.id);
    },
  );

  it("runs embeddings and responses lines, and puts failed lines in the error file", async () => {
    const embeddingsInput = await v1.files.create({
      file: await toFile(
        jsonl([
          {
            custom_id: "e1",
            method: "POST",
            url: "/embeddings",
            body: { model: "emb", input: "x" },
          },
          { custom_id: "e2", method: "POST", url: "/embeddings", body: { model: "emb" } },
        ]),
        "e.jsonl",
      ),
      purpose: "batch",
    });
    const batch = await v1.batches.create({
      input_file_id: embeddingsInput.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    const done = await v1.batches.retrieve(batch.id);
    expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const errors = await (await v1.files.content(done.error_file_id ?? "")).text();
    expect(JSON.parse(errors.trim())).toMatchObject({
      custom_id: "e2",
      response: { status_code: 400, body: { error: { code: "BadRequest" } } },
    });

    const responsesInput = await v1.files.create({
      file: await toFile(
        jsonl([
          {
            custom_id: "r1",
            method: "POST",
            url: "/v1/responses",
            body: { model: "m", input: "hi" },
          },
        ]),
        "r.jsonl",
      ),
      purpose: "batch",
    });
    const responsesBatch = await v1.batches.create({
      input_file_id: responsesInput.id,
      endpoint: "/v1/responses",
      completion_window: "24h",
    });
    const responsesDone = await v1.batches.retrieve(responsesBatch.id);
    const line = JSON.parse(
      (await (await v1.files.content(responsesDone.output_file_id ?? "")).text()).trim(),
    ) as { response: { body: { object: string; id: string } } };
    expect(line.response.body.object).toBe("response");
    expect(line.response.body.id).toMatch(/^resp_/);
  });

  it("cancels a batch before its first read and refuses to cancel a finished one", async () => {
    const input = await azure.files.create({
      file: await toFile(
        jsonl([
          {
            custom_id: "1",
            method: "POST",
            url: "/chat/completions",
            body: { model: "m", messages: [{ role: "user", content: "x" }] },
          },
        ]),
        "c.jsonl",
      ),
      purpose: "batch",
    });
    const params = {
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    } as const;
    const first = await azure.batches.create(params);
    expect((await azure.batches.cancel(first.id)).status).toBe("cancelling");
    const cancelled = await azure.batches.retrieve(first.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.output_file_id).toBeNull();
    const second = await azure.batches.create(params);
    await azure.batches.retrieve(second.id);
    await expect(azure.batches.cancel(second.id)).rejects.toMatchObject({ status: 409 });
  });

  it("answers 400 for a missing or non-JSONL input file and 404 for an unknown batch", async () => {
    await expect(
      v1.batches.create({
        input_file_id: "file-nope",
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      }),
    ).rejects.toMatchObject({ status: 400, error: { param: "input_file_id" } });
    const notJsonl = await v1.files.create({
      file: await toFile(Buffer.from("this is not json\n"), "bad.jsonl"),
      purpose: "batch",
    });
    await expect(
      v1.batches.create({
        input_file_id: notJsonl.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(v1.batches.retrieve("batch_unknown")).rejects.toBeInstanceOf(NotFoundError);
    await expect(azure.batches.cancel("batch_unknown")).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("responses state", () => {
  it.each(FLAVORS)(
    "%s: stores, chains, retrieves, lists input items and deletes",
    async (flavor) => {
      const client = clientFor(flavor);
      const first = await client.responses.create({ model: "gpt-4o", input: "first turn" });
      expect(first.previous_response_id).toBeNull();
      const second = await client.responses.create({
        model: "gpt-4o",
        input: [{ role: "user", content: "second turn" }],
        previous_response_id: first.id,
      });
      expect(second.previous_response_id).toBe(first.id);
      const retrieved = await client.responses.retrieve(second.id);
      expect(retrieved.id).toBe(second.id);
      expect(retrieved.output_text).toBe(second.output_text);
      const items = await client.responses.inputItems.list(second.id);
      expect(items.data).toHaveLength(1);
      expect(items.data[0]).toMatchObject({
        type: "message",
        role: "user",
        content: [{ type: "input_text", text: "second turn" }],
      });
      expect(items.data[0]?.id).toMatch(/^msg_/);
      await client.responses.delete(second.id);
      await expect(client.responses.retrieve(second.id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(client.responses.inputItems.list(second.id)).rejects.toBeInstanceOf(
        NotFoundError,
      );
    },
  );

  it("answers previous_response_not_found for an unknown or unstored previous response", async () => {
    const unstored = await v1.responses.create({ model: "gpt-4o", input: "x", store: false });
    for (const id of ["resp_unknown", unstored.id]) {
      await expect(
        v1.responses.create({ model: "gpt-4o", input: "y", previous_response_id: id }),
      ).rejects.toMatchObject({
        status: 400,
        error: { code: "previous_response_not_found", param: "previous_response_id" },
      });
    }
    await expect(v1.responses.retrieve(unstored.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("streams a stored response that can be retrieved afterwards", async () => {
    const stream = await azure.responses.create({
      model: "gpt-4o",
      input: "streamed",
      stream: true,
    });
    let id = "";
    for await (const event of stream)
      if (event.type === "response.completed") id = event.response.id;
    expect((await azure.responses.retrieve(id)).status).toBe("completed");
  });
});

describe("conversations", () => {
  it.each(FLAVORS)("%s: create, items, responses in a conversation, delete", async (flavor) => {
    const client = clientFor(flavor);
    const conversation = await client.conversations.create({
      items: [{ type: "message", role: "user", content: "hello" }],
      metadata: { topic: "test" },
    });
    expect(conversation.id).toMatch(/^conv_/);
    expect(conversation.object).toBe("conversation");
    expect(conversation.metadata).toEqual({ topic: "test" });
    expect((await client.conversations.retrieve(conversation.id)).id).toBe(conversation.id);

    const response = await client.responses.create({
      model: "gpt-4o",
      input: "next",
      conversation: conversation.id,
    });
    expect(response.conversation).toEqual({ id: conversation.id });
    const items = await client.conversations.items.list(conversation.id, { order: "asc" });
    expect(items.data.map((i) => i.type)).toEqual(["message", "message", "message"]);
    const roles = items.data.map((i) => (i.type === "message" ? i.role : ""));
    expect(roles).toEqual(["user", "user", "assistant"]);

    const added = await client.conversations.items.create(conversation.id, {
      items: [{ type: "message", role: "user", content: "more" }],
    });
    const addedId = added.data[0]?.id ?? "";
    const item = await client.conversations.items.retrieve(addedId, {
      conversation_id: conversation.id,
    });
    expect(item.id).toBe(addedId);
    await client.conversations.items.delete(addedId, { conversation_id: conversation.id });

    const deleted = await client.conversations.delete(conversation.id);
    expect(deleted).toMatchObject({
      id: conversation.id,
      deleted: true,
      object: "conversation.deleted",
    });
    await expect(client.conversations.retrieve(conversation.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(
      client.responses.create({ model: "gpt-4o", input: "x", conversation: conversation.id }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("assistants", () => {
  it.each(FLAVORS)(
    "%s: assistant, thread, message, run that completes with a reply",
    async (flavor) => {
      const client = clientFor(flavor);
      const assistant = await client.beta.assistants.create({
        model: "gpt-4o",
        name: "helper",
        instructions: "Be brief.",
      });
      expect(assistant.id).toMatch(/^asst_/);
      expect((await client.beta.assistants.retrieve(assistant.id)).name).toBe("helper");
      expect((await client.beta.assistants.list()).data.map((a) => a.id)).toContain(assistant.id);

      const thread = await client.beta.threads.create();
      expect(thread.id).toMatch(/^thread_/);
      const message = await client.beta.threads.messages.create(thread.id, {
        role: "user",
        content: "What is in the picture?",
      });
      expect(message.id).toMatch(/^msg_/);
      const run = await client.beta.threads.runs.createAndPoll(thread.id, {
        assistant_id: assistant.id,
      });
      expect(run.id).toMatch(/^run_/);
      expect(run.status).toBe("completed");
      expect(run.assistant_id).toBe(assistant.id);
      expect(run.instructions).toBe("Be brief.");
      expect(
        (await client.beta.threads.runs.retrieve(run.id, { thread_id: thread.id })).status,
      ).toBe("completed");
      const messages = await client.beta.threads.messages.list(thread.id);
      expect(messages.data.map((m) => m.role)).toEqual(["assistant", "user"]);
      const reply = messages.data[0];
      expect(reply?.run_id).toBe(run.id);
      const block = reply?.content[0];
      expect(block?.type === "text" ? block.text.value.split(" ") : []).toHaveLength(CHUNKS);

      const runs = await client.beta.threads.runs.list(thread.id);
      expect(runs.data.map((r) => r.id)).toEqual([run.id]);
      expect((await client.beta.threads.delete(thread.id)).deleted).toBe(true);
      await expect(client.beta.threads.retrieve(thread.id)).rejects.toBeInstanceOf(NotFoundError);
      expect((await client.beta.assistants.delete(assistant.id)).deleted).toBe(true);
    },
  );

  it("creates a thread and runs it in one call", async () => {
    const assistant = await azure.beta.assistants.create({ model: "gpt-4o" });
    const run = await azure.beta.threads.createAndRun({
      assistant_id: assistant.id,
      thread: { messages: [{ role: "user", content: "hello" }] },
    });
    expect(run.status).toBe("completed");
    const messages = await azure.beta.threads.messages.list(run.thread_id, { order: "asc" });
    expect(messages.data.map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("answers 404 for unknown assistants, threads, runs and messages", async () => {
    const thread = await v1.beta.threads.create();
    await expect(v1.beta.assistants.retrieve("asst_unknown")).rejects.toBeInstanceOf(NotFoundError);
    await expect(v1.beta.threads.retrieve("thread_unknown")).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      v1.beta.threads.runs.create(thread.id, { assistant_id: "asst_unknown" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      v1.beta.threads.runs.retrieve("run_unknown", { thread_id: thread.id }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      v1.beta.threads.messages.retrieve("msg_unknown", { thread_id: thread.id }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("vector stores", () => {
  it.each(FLAVORS)("%s: create, retrieve, list, delete", async (flavor) => {
    const client = clientFor(flavor);
    const file = await client.files.create({
      file: await toFile(Buffer.from("some text"), "doc.txt"),
      purpose: "assistants",
    });
    const store = await client.vectorStores.create({ name: "docs", file_ids: [file.id] });
    expect(store.id).toMatch(/^vs_/);
    expect(store.status).toBe("completed");
    expect(store.file_counts).toMatchObject({ completed: 1, total: 1 });
    expect(store.usage_bytes).toBe(9);
    expect((await client.vectorStores.retrieve(store.id)).name).toBe("docs");
    expect((await client.vectorStores.list()).data.map((s) => s.id)).toContain(store.id);
    expect((await client.vectorStores.delete(store.id)).deleted).toBe(true);
    await expect(client.vectorStores.retrieve(store.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("bookkeeping", () => {
  it("records every stateful call in the request log", async () => {
    sim.clearRequests();
    const conversation = await v1.conversations.create();
    await v1.conversations.retrieve(conversation.id);
    await azure.beta.assistants.list();
    const paths = sim.requests().map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual([
      "POST /openai/v1/conversations",
      `GET /openai/v1/conversations/${conversation.id}`,
      "GET /openai/assistants",
    ]);
    expect(sim.requests().every((r) => r.outcome === "completed")).toBe(true);
  });

  it("pages lists with limit and after, as the SDK's auto-pagination walks them", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await v1.vectorStores.create({ name: `p${i}` })).id);
    const seen: string[] = [];
    for await (const store of v1.vectorStores.list({ limit: 2, order: "asc" })) seen.push(store.id);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);
  });

  it("gives every object a unique id", async () => {
    const ids = await Promise.all(
      Array.from({ length: 50 }, async () => (await v1.conversations.create()).id),
    );
    expect(new Set(ids).size).toBe(50);
  });
});
