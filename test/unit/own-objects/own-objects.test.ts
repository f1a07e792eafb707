import { describe, expect, it } from "vitest";
import { GatewayHttpError } from "../../../src/errors.js";
import type { RequestFacts } from "../../../src/pipeline/classify-request/facts.js";
import {
  mergeStoredFacts,
  storedFactsOf,
  withContext,
  withUnknownContext,
} from "../../../src/pipeline/own-objects/context-facts.js";
import { createdId, namedFileIds } from "../../../src/pipeline/own-objects/created-id.js";
import { filterList, parseList } from "../../../src/pipeline/own-objects/list-filter.js";
import { resolveObjects } from "../../../src/pipeline/own-objects/ownership.js";
import { objectUse } from "../../../src/pipeline/own-objects/references.js";
import {
  MemoryObjectStore,
  type ObjectRecord,
  type StoredFacts,
} from "../../../src/pipeline/own-objects/store.js";

const FACTS: StoredFacts = {
  images: 1,
  origins: ["inline"],
  cameraSource: "body-worn",
  mobility: "mobile",
  capture: "recorded",
  purposes: ["scene-description"],
};

const record = (id: string, tenantId: string, customerId?: string): ObjectRecord => ({
  id,
  kind: "file",
  owner: customerId === undefined ? { tenantId } : { tenantId, customerId },
  facts: FACTS,
  createdAt: 0,
  expiresAt: 1_000,
});

describe("objectUse", () => {
  it.each([
    ["POST", "/openai/files", undefined, { creates: "file" }],
    ["GET", "/openai/files", undefined, { lists: "file" }],
    ["GET", "/openai/v1/files/file-1/content", undefined, { refs: ["file:file-1@path"] }],
    ["DELETE", "/openai/files/file-1", undefined, { deletes: "file-1" }],
    ["POST", "/openai/threads/runs", undefined, { creates: "run" }],
    [
      "POST",
      "/openai/threads/thread_1/runs",
      undefined,
      { creates: "run", refs: ["thread:thread_1@path"] },
    ],
    [
      "POST",
      "/openai/batches",
      { input_file_id: "file-2" },
      { creates: "batch", refs: ["file:file-2@input_file_id"] },
    ],
    [
      "POST",
      "/openai/v1/responses",
      { previous_response_id: "resp_1", conversation: { id: "conv_1" } },
      { refs: ["response:resp_1@previous_response_id", "conversation:conv_1@conversation"] },
    ],
    [
      "POST",
      "/openai/batches",
      { input_blob: "https://blob/x" },
      { refs: ["file:https://blob/x@input_blob"] },
    ],
    [
      "POST",
      "/openai/deployments/gpt-4o/chat/completions",
      { messages: [{ content: [{ type: "file", file: { file_id: "file-3" } }] }] },
      { refs: ["file:file-3@file_id"] },
    ],
  ] as const)("%s %s", (method, path, body, expected) => {
    const use = objectUse(method, path, body);
    const refs = use.refs.map((r) => `${r.kind}:${r.id}@${r.where}`);
    if ("refs" in expected) expect(refs).toEqual(expected.refs);
    if ("creates" in expected) expect(use.creates).toBe(expected.creates);
    if ("lists" in expected) expect(use.lists).toBe(expected.lists);
    if ("deletes" in expected) expect(use.deletes?.id).toBe(expected.deletes);
  });
});

describe("createdId", () => {
  it.each([
    ['{"object":"file","id":"file-1","bytes":3}', "file-1"],
    ['{"output":[{"id":"msg_9"}],"id":"resp_1"}', "resp_1"],
    ['{"x":{"id":"inner"},"object":"list"}', undefined],
    [
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_2"}}\n\n',
      "resp_2",
    ],
    ['{"name":"a \\"id\\" here","id":"asst_1"}', "asst_1"],
  ])("%s", (text, id) => {
    expect(createdId(Buffer.from(text))).toBe(id);
  });

  it("finds a batch's output and error files at its top level only, never in its metadata", () => {
    const head = Buffer.from(
      '{"id":"batch_1","object":"batch","metadata":{"output_file_id":"file-x"},"output_file_id":"file-o","error_file_id":"file-e"}',
    );
    expect(namedFileIds(head)).toEqual(["file-o", "file-e"]);
    const claim = Buffer.from(
      '{"id":"batch_2","object":"batch","metadata":{"output_file_id":"file-x"}}',
    );
    expect(namedFileIds(claim)).toEqual([]);
  });
});

describe("ownership", () => {
  const store = new MemoryObjectStore();
  store.put(record("file-a", "t1"));
  store.put(record("file-c", "t1", "c1"));

  it("lets the owner use its objects, the customer its own only", () => {
    const use = objectUse("GET", "/openai/files/file-c", undefined);
    expect(
      resolveObjects(use, { tenantId: "t1", customerId: "c1" }, (id) => store.get(id, 0), false)
        .known,
    ).toHaveLength(1);
    for (const owner of [
      { tenantId: "t1" },
      { tenantId: "t1", customerId: "c2" },
      { tenantId: "t2" },
    ]) {
      expect(() => resolveObjects(use, owner, (id) => store.get(id, 0), false)).toThrow(
        GatewayHttpError,
      );
    }
  });

  it("answers other tenants' objects and unknown ones with the same words", () => {
    const message = (id: string) => {
      try {
        resolveObjects(
          objectUse("GET", `/openai/files/${id}`, undefined),
          { tenantId: "t2" },
          (id) => store.get(id, 0),
          false,
        );
      } catch (err) {
        return (err as GatewayHttpError).message.replace(id, "ID");
      }
      return "allowed";
    };
    expect(message("file-a")).toBe(message("file-zzz"));
  });

  it("lets an opted-in tenant name unknown objects, never another tenant's", () => {
    const unknown = resolveObjects(
      objectUse("GET", "/openai/files/file-x", undefined),
      { tenantId: "t2" },
      (id) => store.get(id, 0),
      true,
    );
    expect(unknown.external.map((r) => r.id)).toEqual(["file-x"]);
    expect(() =>
      resolveObjects(
        objectUse("GET", "/openai/files/file-a", undefined),
        { tenantId: "t2" },
        (id) => store.get(id, 0),
        true,
      ),
    ).toThrow(GatewayHttpError);
  });

  it("forgets expired records", () => {
    expect(store.get("file-a", 999)).toBeDefined();
    expect(store.get("file-a", 1_000)).toBeUndefined();
  });

  it("drops the oldest record when full", () => {
    const small = new MemoryObjectStore(2);
    for (const id of ["a", "b", "c"]) small.put(record(id, "t"));
    expect([small.get("a", 0), small.get("c", 0)?.id]).toEqual([undefined, "c"]);
  });
});

describe("filterList", () => {
  it("keeps only the owner's items and fixes first_id and last_id", () => {
    const store = new MemoryObjectStore();
    store.put(record("f1", "t1"));
    store.put(record("f3", "t1"));
    const body = Buffer.from(
      JSON.stringify({
        object: "list",
        data: [{ id: "f1" }, { id: "f2" }, { id: "f3" }, { id: "f4" }],
        first_id: "f1",
        last_id: "f4",
        has_more: false,
      }),
    );
    const out = JSON.parse(
      filterList(parseList(body), { tenantId: "t1" }, (id) => store.get(id, 0)).toString(),
    );
    expect(out).toEqual({
      object: "list",
      data: [{ id: "f1" }, { id: "f3" }],
      first_id: "f1",
      last_id: "f3",
      has_more: false,
    });
  });

  it("answers an empty list for a body it cannot read, never the body itself", () => {
    const out = filterList(parseList(Buffer.from("not json")), { tenantId: "t" }, () => undefined);
    expect(JSON.parse(out.toString()).data).toEqual([]);
  });
});

describe("context facts", () => {
  const facts = (): RequestFacts => ({
    operation: "responses",
    deployment: "gpt-4o",
    stream: false,
    images: {
      count: 1,
      bytes: 0,
      origins: ["unseen"],
      items: [{ origin: "unseen", format: "unknown", bytes: 0, where: "previous_response_id" }],
    },
    camera: {
      source: "unknown",
      mobility: "unknown",
      environment: "unknown",
      origin: { source: "none", environment: "none" },
      conflicts: [],
    },
    capture: "unknown",
    captureOrigin: "none",
    purposes: [],
    evidence: [],
    unseen: ["stored-context"],
    recognitionConfidence: "none",
  });

  it("joins what the conversation held, and takes back the unseen image once it is known", () => {
    const out = withContext(
      facts(),
      [{ id: "resp_1", facts: { ...FACTS, capture: "live", images: 2 } }],
      true,
    );
    expect(out.images.count).toBe(2);
    expect(out.images.origins).toEqual(["inline"]);
    expect(out.camera).toMatchObject({ source: "body-worn", mobility: "mobile" });
    expect([out.capture, out.captureOrigin]).toEqual(["live", "context"]);
    expect(out.purposes).toEqual(["scene-description"]);
    expect(out.unseen).toEqual([]);
  });

  it("keeps the unseen image when part of the conversation is unknown", () => {
    const out = withContext(facts(), [{ id: "resp_1", facts: FACTS }], false);
    expect(out.images.count).toBe(2);
    expect(out.unseen).toEqual(["stored-context"]);
  });

  it("judges an unknown continuation as carrying an image", () => {
    const bare = { ...facts(), images: { count: 0, bytes: 0, origins: [], items: [] }, unseen: [] };
    const out = withUnknownContext(bare, "previous_response_id");
    expect([out.images.count, out.images.origins, out.unseen]).toEqual([
      1,
      ["unseen"],
      ["stored-context"],
    ]);
  });

  it("merges a thread's facts with a new message's", () => {
    const merged = mergeStoredFacts(
      FACTS,
      storedFactsOf({ ...facts(), capture: "live", purposes: ["facial-identification"] }),
    );
    expect(merged).toMatchObject({
      images: 2,
      capture: "live",
      purposes: ["scene-description", "facial-identification"],
    });
  });

  it("costs a few hundred bytes per record", () => {
    const store = new MemoryObjectStore();
    const n = 50_000;
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) {
      store.put({
        ...record(`file-${i.toString(36).padStart(24, "0")}`, "tenant-a"),
        facts: storedFactsOf(facts()),
      });
    }
    const perRecord = (process.memoryUsage().heapUsed - before) / n;
    // Printed for the docs; bounded loosely so GC timing cannot fail it.
    console.log(`object registry: ~${Math.round(perRecord)} bytes per record`);
    expect(store.size).toBe(n);
    expect(perRecord).toBeLessThan(4_000);
  });
});
