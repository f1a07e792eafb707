import type { IncomingMessage } from "node:http";
import { connect as tcpConnect } from "node:net";
import OpenAI, { AzureOpenAI } from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { type ClientOptions } from "ws";
import {
  type RecordedRealtimeSession,
  type RunningSimulator,
  startSimulator,
} from "../../src/simulator/index.js";

const API_KEY = "rt-key";
const CHUNKS = 5;
const PREVIEW_PATH = "/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-rt";
const GA_PATH = "/openai/v1/realtime?model=gpt-realtime";
/** A 1x1 PNG as a data URL, the only image form the Realtime API accepts. */
const PNG_DATA_URL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: API_KEY, faults: true, chunks: CHUNKS, chunkDelayMs: 1 });
});

afterAll(async () => {
  await sim.close();
});

/** A server event as the tests read it. */
type ServerEvent = { type: string } & Record<string, unknown>;

/** Reads a nested field of an event (`at(e, "response", "usage")`), for terse assertions. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let node = value;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}

/**
 * The server events of one session, in order, consumed with {@link Events.until}. A wait fails
 * fast when the socket closes first, naming what did arrive.
 */
class Events {
  readonly all: ServerEvent[] = [];
  #cursor = 0;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(
    subscribe: (listener: (event: ServerEvent) => void) => void,
    onClose: (listener: () => void) => void,
  ) {
    subscribe((event) => {
      this.all.push(event);
      this.#wake?.();
    });
    onClose(() => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  /** The events after the last consumed one, up to and including the next of `type`. */
  async until(type: string): Promise<ServerEvent[]> {
    for (;;) {
      const index = this.all.findIndex((event, i) => i >= this.#cursor && event.type === type);
      if (index >= 0) {
        const events = this.all.slice(this.#cursor, index + 1);
        this.#cursor = index + 1;
        return events;
      }
      if (this.#closed) {
        const seen = this.all.slice(this.#cursor).map((event) => event.type);
        throw new Error(`closed before ${type}; got ${seen.join(", ") || "nothing"}`);
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /** The next event of `type`. */
  async next(type: string): Promise<ServerEvent> {
    const events = await this.until(type);
    return events[events.length - 1] as ServerEvent;
  }
}

/** A plain `ws` client on the simulator with its event collector. */
interface Client {
  readonly ws: WebSocket;
  readonly events: Events;
  /** Settles with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  send(event: unknown): void;
}

function client(
  path: string,
  options: ClientOptions & { protocols?: string[] } = {},
  target: RunningSimulator = sim,
): Client {
  const { protocols, ...rest } = options;
  const ws = new WebSocket(`${target.url.replace(/^http/, "ws")}${path}`, protocols ?? [], {
    headers: { "api-key": API_KEY },
    ...rest,
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on("error", () => {
    // Refusals and drops are what some tests want; they read `closed` or the refusal instead.
  });
  const events = new Events(
    (listener) => ws.on("message", (data) => listener(JSON.parse(data.toString()) as ServerEvent)),
    (listener) => ws.once("close", listener),
  );
  return {
    ws,
    events,
    closed,
    send: (event) => ws.send(typeof event === "string" ? event : JSON.stringify(event)),
  };
}

/** Opens a client and waits for `session.created`. */
async function session(
  path = PREVIEW_PATH,
  options: ClientOptions = {},
  target: RunningSimulator = sim,
): Promise<Client> {
  const c = client(path, options, target);
  await c.events.next("session.created");
  return c;
}

/** The HTTP answer to an upgrade the simulator refused. */
async function refusal(c: Client): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    c.ws.once("unexpected-response", (_req, response) => resolve(response));
    c.ws.once("open", () => reject(new Error("the upgrade was accepted")));
  });
  let text = "";
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> };
}

/** The recorded session of a server-side id, once `predicate` holds (polled, bounded). */
async function recorded(
  id: string,
  predicate: (s: RecordedRealtimeSession) => boolean = () => true,
): Promise<RecordedRealtimeSession> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = sim.realtimeSessions().find((s) => s.id === id);
    if (found !== undefined && predicate(found)) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`session ${id} never reached the expected state`);
}

/** The most recent recorded upgrade whose header `x-test` is `marker`. */
function recordedByMarker(marker: string): RecordedRealtimeSession | undefined {
  return sim.realtimeSessions().find((s) => s.headers["x-test"] === marker);
}

/** The most recent upgrade marked `marker`, once `predicate` holds (polled, bounded). */
async function waitForMarker(
  marker: string,
  predicate: (s: RecordedRealtimeSession) => boolean,
): Promise<RecordedRealtimeSession> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const found = recordedByMarker(marker);
    if (found !== undefined && predicate(found)) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`upgrade ${marker} never reached the expected state`);
}

/** The SDK always builds `wss:` URLs; this connector speaks plain TCP to the simulator. */
function plainTcp(): ClientOptions["createConnection"] {
  return (() => tcpConnect(sim.port, "127.0.0.1")) as unknown as ClientOptions["createConnection"];
}

function sdkEvents(rt: OpenAIRealtimeWS): Events {
  return new Events(
    (listener) => rt.on("event", (event) => listener(event as unknown as ServerEvent)),
    (listener) => rt.socket.once("close", listener),
  );
}

const userItem = {
  type: "message",
  role: "user",
  content: [
    { type: "input_text", text: "What is in this picture?" },
    { type: "input_image", image_url: PNG_DATA_URL },
  ],
};

describe("the openai SDK's realtime client", () => {
  it("runs a preview session through OpenAIRealtimeWS.azure", async () => {
    const azure = new AzureOpenAI({
      endpoint: sim.url,
      apiKey: API_KEY,
      apiVersion: "2025-04-01-preview",
      deployment: "gpt-4o-realtime-preview",
    });
    const rt = await OpenAIRealtimeWS.azure(azure, { options: { createConnection: plainTcp() } });
    const events = sdkEvents(rt);
    const created = await events.next("session.created");
    expect(at(created, "event_id")).toMatch(/^event_/);
    expect(at(created, "session")).toMatchObject({
      object: "realtime.session",
      model: "gpt-4o-realtime-preview",
      modalities: ["text", "audio"],
      instructions: "",
      voice: "alloy",
      input_audio_format: "pcm16",
      turn_detection: { type: "server_vad" },
      tools: [],
    });
    const sessionId = at(created, "session", "id") as string;
    expect(sessionId).toMatch(/^sess_/);

    // The SDK's types describe the GA protocol; a preview session has no `type`.
    rt.send({ type: "session.update", session: { instructions: "Be brief." } } as never);
    const updated = await events.next("session.updated");
    expect(at(updated, "session")).toMatchObject({ id: sessionId, instructions: "Be brief." });
    expect(at(updated, "session", "voice")).toBe("alloy");

    rt.send({ type: "conversation.item.create", item: userItem as never });
    const itemCreated = await events.next("conversation.item.created");
    expect(at(itemCreated, "previous_item_id")).toBeNull();
    expect(at(itemCreated, "item", "id")).toMatch(/^item_/);
    expect(at(itemCreated, "item", "content", 1)).toEqual({
      type: "input_image",
      image_url: PNG_DATA_URL,
    });

    rt.send({ type: "response.create" });
    const stream = await events.until("response.done");
    const types = stream.map((event) => event.type);
    expect(types).toEqual([
      "response.created",
      "response.output_item.added",
      "conversation.item.created",
      "response.content_part.added",
      ...Array<string>(CHUNKS).fill("response.text.delta"),
      "response.text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.done",
    ]);
    const deltas = stream.filter((event) => event.type === "response.text.delta");
    const text = deltas.map((event) => at(event, "delta")).join("");
    expect(
      at(
        stream.find((event) => event.type === "response.text.done"),
        "text",
      ),
    ).toBe(text);
    expect(text.split(" ")).toHaveLength(CHUNKS);
    const done = stream[stream.length - 1];
    expect(at(done, "response", "status")).toBe("completed");
    expect(at(done, "response", "output", 0, "content", 0)).toEqual({ type: "text", text });
    const usage = at(done, "response", "usage") as Record<string, number>;
    expect(usage["output_tokens"]).toBe(CHUNKS);
    expect(usage["total_tokens"]).toBe((usage["input_tokens"] ?? 0) + CHUNKS);
    expect(at(usage, "input_token_details", "image_tokens")).toBe(85);
    expect(at(usage, "output_token_details", "text_tokens")).toBe(CHUNKS);
    const ids = new Set(events.all.map((event) => at(event, "event_id")));
    expect(ids.size).toBe(events.all.length);

    rt.close();
    const record = await recorded(sessionId, (s) => s.closedBy !== undefined);
    expect(record).toMatchObject({
      path: "/openai/realtime",
      query: { "api-version": "2025-04-01-preview", deployment: "gpt-4o-realtime-preview" },
      status: 101,
      deployment: "gpt-4o-realtime-preview",
      closedBy: "client",
      closeCode: 1000,
      serverEvents: events.all.length,
    });
    expect(record.headers["api-key"]).toBe(API_KEY);
    expect(record.events.map((event) => event.type)).toEqual([
      "session.update",
      "conversation.item.create",
      "response.create",
    ]);
    expect(at(record.events[1]?.json, "item", "content", 1, "image_url")).toBe(PNG_DATA_URL);
  });

  it("runs a GA session through OpenAIRealtimeWS on /openai/v1", async () => {
    const openai = new OpenAI({ apiKey: API_KEY, baseURL: `${sim.url}/openai/v1` });
    const rt = new OpenAIRealtimeWS(
      { model: "gpt-realtime", options: { createConnection: plainTcp() } },
      openai,
    );
    const events = sdkEvents(rt);
    const created = await events.next("session.created");
    expect(at(created, "session")).toMatchObject({
      type: "realtime",
      model: "gpt-realtime",
      output_modalities: ["audio"],
      audio: { input: { turn_detection: { type: "server_vad" } }, output: { voice: "alloy" } },
    });
    rt.send({
      type: "session.update",
      session: { type: "realtime", audio: { output: { voice: "marin" } } },
    });
    const updated = await events.next("session.updated");
    expect(at(updated, "session", "audio", "output", "voice")).toBe("marin");
    expect(at(updated, "session", "audio", "input", "format")).toEqual({
      type: "audio/pcm",
      rate: 24000,
    });

    rt.send({ type: "conversation.item.create", item: userItem as never });
    const added = await events.until("conversation.item.done");
    expect(added.map((event) => event.type)).toEqual([
      "conversation.item.added",
      "conversation.item.done",
    ]);

    rt.send({ type: "response.create" });
    const stream = await events.until("response.done");
    const deltas = stream.filter((event) => event.type === "response.output_text.delta");
    expect(deltas).toHaveLength(CHUNKS);
    expect(stream.some((event) => event.type.startsWith("response.text."))).toBe(false);
    const text = deltas.map((event) => at(event, "delta")).join("");
    expect(
      at(
        stream.find((e) => e.type === "response.output_text.done"),
        "text",
      ),
    ).toBe(text);
    expect(
      at(
        stream.find((e) => e.type === "response.content_part.added"),
        "part",
      ),
    ).toEqual({
      type: "output_text",
      text: "",
    });
    const done = stream[stream.length - 1];
    expect(at(done, "response", "output_modalities")).toEqual(["text"]);
    expect(at(done, "response", "usage", "output_tokens")).toBe(CHUNKS);
    rt.close();
    const record = await recorded(at(created, "session", "id") as string, (s) => !!s.closedBy);
    expect(record.path).toBe("/openai/v1/realtime");
    expect(record.headers["authorization"]).toBe(`Bearer ${API_KEY}`);
  });
});

describe("the upgrade", () => {
  it("refuses a wrong or missing key with Azure's 401", async () => {
    const wrong = await refusal(
      client(PREVIEW_PATH, { headers: { "api-key": "nope", "x-test": "bad-key" } }),
    );
    expect(wrong.status).toBe(401);
    expect(at(wrong.body, "error", "code")).toBe("401");
    expect(recordedByMarker("bad-key")?.status).toBe(401);
    const none = await refusal(client(GA_PATH, { headers: {} }));
    expect(none.status).toBe(401);
  });

  it("takes the key from an openai-insecure-api-key subprotocol and selects realtime", async () => {
    const c = client(GA_PATH, {
      headers: { "x-test": "subprotocol" },
      protocols: ["realtime", `openai-insecure-api-key.${API_KEY}`],
    });
    await c.events.next("session.created");
    expect(c.ws.protocol).toBe("realtime");
    expect(recordedByMarker("subprotocol")?.subprotocols).toEqual([
      "realtime",
      `openai-insecure-api-key.${API_KEY}`,
    ]);
    c.ws.close();
    const wrong = client(GA_PATH, {
      headers: {},
      protocols: ["realtime", "openai-insecure-api-key.nope"],
    });
    expect((await refusal(wrong)).status).toBe(401);
  });

  it("answers 404 off the realtime paths and 400 without a deployment or model", async () => {
    const other = await refusal(client("/openai/deployments/gpt-4o/realtime?api-version=x"));
    expect(other).toEqual({
      status: 404,
      body: { error: { code: "404", message: "Resource not found" } },
    });
    expect((await refusal(client("/openai/realtime?deployment=d"))).status).toBe(404);
    const noDeployment = await refusal(client("/openai/realtime?api-version=2025-04-01-preview"));
    expect(noDeployment.status).toBe(400);
    expect(at(noDeployment.body, "error", "param")).toBe("deployment");
    const noModel = await refusal(client("/openai/v1/realtime"));
    expect(noModel.status).toBe(400);
    expect(at(noModel.body, "error", "param")).toBe("model");
  });
});

describe("client events", () => {
  it("answers malformed events with error events and goes on", async () => {
    const c = await session();
    c.send("not json");
    c.send("[1, 2]");
    c.send({ event_id: "evt_missing" });
    c.send({ type: "nope.nope", event_id: "evt_unknown" });
    c.ws.send(Buffer.from("{}"), { binary: true });
    c.send({ type: "conversation.item.create", event_id: "evt_item", item: { type: "message" } });
    const errors = [];
    for (let i = 0; i < 6; i++) errors.push(at(await c.events.next("error"), "error"));
    expect(errors).toEqual([
      expect.objectContaining({ code: "invalid_json", param: null, event_id: null }),
      expect.objectContaining({ code: "invalid_type", event_id: null }),
      expect.objectContaining({
        type: "invalid_request_error",
        code: "missing_required_parameter",
        param: "type",
        event_id: "evt_missing",
      }),
      expect.objectContaining({ code: "invalid_value", param: "type", event_id: "evt_unknown" }),
      expect.objectContaining({ code: "invalid_value", event_id: null }),
      expect.objectContaining({ param: "item.role", event_id: "evt_item" }),
    ]);
    expect(at(errors[3], "message")).toContain("'response.create'");
    c.send({ type: "session.update", session: { instructions: "still here" } });
    expect(at(await c.events.next("session.updated"), "session", "instructions")).toBe(
      "still here",
    );
    const id = at(c.events.all[0], "session", "id") as string;
    const record = await recorded(id, (s) => s.eventsReceived === 7);
    expect(record.events.map((event) => [event.type, event.binary])).toEqual([
      [null, false],
      [null, false],
      [null, false],
      ["nope.nope", false],
      [null, true],
      ["conversation.item.create", false],
      ["session.update", false],
    ]);
    c.ws.close();
  });

  it("rejects images that are not data URLs and unknown part types", async () => {
    const c = await session();
    c.send({
      type: "conversation.item.create",
      item: {
        type: "message",
        role: "user",
        content: [{ type: "input_image", image_url: "https://x/y.png" }],
      },
    });
    expect(at(await c.events.next("error"), "error", "param")).toBe("item.content[0].image_url");
    c.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "video" }] },
    });
    expect(at(await c.events.next("error"), "error", "param")).toBe("item.content[0].type");
    c.ws.close();
  });

  it("places items by previous_item_id and stores function calls and outputs", async () => {
    const c = await session();
    c.send({ type: "conversation.item.create", item: { id: "item_a", ...userItem } });
    await c.events.next("conversation.item.created");
    c.send({
      type: "conversation.item.create",
      previous_item_id: "root",
      item: { type: "function_call", name: "lookup", arguments: "{}", call_id: "call_1" },
    });
    const call = await c.events.next("conversation.item.created");
    expect(at(call, "previous_item_id")).toBeNull();
    c.send({
      type: "conversation.item.create",
      previous_item_id: "item_a",
      item: { type: "function_call_output", call_id: "call_1", output: "42" },
    });
    expect(at(await c.events.next("conversation.item.created"), "previous_item_id")).toBe("item_a");
    c.send({ type: "conversation.item.create", item: { id: "item_a", ...userItem } });
    expect(at(await c.events.next("error"), "error", "code")).toBe("item_already_exists");
    c.send({ type: "conversation.item.create", previous_item_id: "item_zz", item: userItem });
    expect(at(await c.events.next("error"), "error", "code")).toBe("item_not_found");
    c.send({ type: "conversation.item.retrieve", item_id: "item_a" });
    expect(at(await c.events.next("conversation.item.retrieved"), "item", "id")).toBe("item_a");
    c.send({ type: "conversation.item.delete", item_id: "item_a" });
    expect(at(await c.events.next("conversation.item.deleted"), "item_id")).toBe("item_a");
    c.ws.close();
  });

  it("buffers input audio, commits it as a user item and counts its tokens", async () => {
    const c = await session();
    const audio = Buffer.alloc(9600).toString("base64"); // 200 ms of 24 kHz pcm16
    c.send({ type: "input_audio_buffer.commit" });
    expect(at(await c.events.next("error"), "error", "code")).toBe(
      "input_audio_buffer_commit_empty",
    );
    c.send({ type: "input_audio_buffer.append", audio });
    c.send({ type: "input_audio_buffer.clear" });
    await c.events.next("input_audio_buffer.cleared");
    c.send({ type: "input_audio_buffer.append", audio });
    c.send({ type: "input_audio_buffer.commit" });
    const committed = await c.events.next("input_audio_buffer.committed");
    const created = await c.events.next("conversation.item.created");
    expect(at(created, "item", "id")).toBe(at(committed, "item_id"));
    expect(at(created, "item", "content")).toEqual([{ type: "input_audio", transcript: null }]);
    c.send({ type: "response.create" });
    const done = await c.events.next("response.done");
    expect(at(done, "response", "usage", "input_token_details", "audio_tokens")).toBe(2);
    c.ws.close();
  });

  it("cancels a running response and refuses a second one meanwhile", async () => {
    const slow = await startSimulator({ chunks: 1000, chunkDelayMs: 20 });
    const c = await session(PREVIEW_PATH, {}, slow);
    c.send({ type: "response.cancel", event_id: "evt_idle" });
    expect(at(await c.events.next("error"), "error")).toMatchObject({
      code: "response_cancel_not_active",
      event_id: "evt_idle",
    });
    c.send({ type: "response.create" });
    await c.events.next("response.text.delta");
    c.send({ type: "response.create" });
    expect(at(await c.events.next("error"), "error", "code")).toBe(
      "conversation_already_has_active_response",
    );
    c.send({ type: "response.cancel" });
    const done = await c.events.next("response.done");
    expect(at(done, "response", "status")).toBe("cancelled");
    expect(at(done, "response", "status_details")).toEqual({
      type: "cancelled",
      reason: "client_cancelled",
    });
    expect(at(done, "response", "usage", "output_tokens")).toBeLessThan(1000);
    await slow.close();
  });

  it("cuts an answer at max_output_tokens and keeps an out-of-band answer out of the conversation", async () => {
    const c = await session();
    c.send({ type: "response.create", response: { max_output_tokens: 2, conversation: "none" } });
    const stream = await c.events.until("response.done");
    expect(stream.some((event) => event.type === "conversation.item.created")).toBe(false);
    const done = stream[stream.length - 1];
    expect(at(done, "response")).toMatchObject({
      status: "incomplete",
      status_details: { type: "incomplete", reason: "max_output_tokens" },
      conversation_id: null,
      usage: { output_tokens: 2 },
    });
    c.ws.close();
  });

  it("closes with 1009 on a frame over 16 MiB", async () => {
    const c = await session();
    c.ws.send("x".repeat(16 * 1024 * 1024 + 1));
    expect((await c.closed).code).toBe(1009);
    const id = at(c.events.all[0], "session", "id") as string;
    expect(await recorded(id, (s) => !!s.closedBy)).toMatchObject({
      closedBy: "server",
      closeCode: 1009,
    });
  });
});

describe("faults", () => {
  it("drops the TCP connection after N server events, without a close frame", async () => {
    const c = await session(PREVIEW_PATH, {
      headers: { "api-key": API_KEY, "x-simulator-realtime-drop-after": "3" },
    });
    c.send({ type: "conversation.item.create", item: userItem });
    c.send({ type: "response.create" });
    expect((await c.closed).code).toBe(1006);
    expect(c.events.all.map((event) => event.type)).toEqual([
      "session.created",
      "conversation.item.created",
      "response.created",
    ]);
    const record = await recorded(
      at(c.events.all[0], "session", "id") as string,
      (s) => !!s.closedBy,
    );
    expect(record).toMatchObject({ closedBy: "drop", closeCode: 1006, serverEvents: 3 });
  });

  it("closes normally after N server events, with the code asked for", async () => {
    const c = await session(PREVIEW_PATH, {
      headers: { "api-key": API_KEY, "x-simulator-realtime-close-after": "2:4000" },
    });
    c.send({ type: "session.update", session: {} });
    expect(await c.closed).toEqual({ code: 4000, reason: "simulated close" });
    expect(c.events.all.map((event) => event.type)).toEqual(["session.created", "session.updated"]);
    const record = await recorded(
      at(c.events.all[0], "session", "id") as string,
      (s) => !!s.closedBy,
    );
    expect(record).toMatchObject({ closedBy: "server", closeCode: 4000, serverEvents: 2 });

    const early = client(PREVIEW_PATH, {
      headers: { "api-key": API_KEY, "x-simulator-realtime-close-after": "0" },
    });
    expect((await early.closed).code).toBe(1000);
    expect(early.events.all).toEqual([]);
  });

  it("refuses the handshake with the status asked for, and names a malformed fault header", async () => {
    const refused = await refusal(
      client(GA_PATH, {
        headers: { "api-key": API_KEY, "x-simulator-realtime-handshake-status": "503" },
      }),
    );
    expect(refused.status).toBe(503);
    expect(at(refused.body, "error", "code")).toBe("ServiceUnavailable");
    const malformed = await refusal(
      client(GA_PATH, { headers: { "api-key": API_KEY, "x-simulator-realtime-chunks": "many" } }),
    );
    expect(malformed.status).toBe(400);
    expect(at(malformed.body, "error", "param")).toBe("x-simulator-realtime-chunks");
  });

  it("waits for the socket to drain instead of buffering a large answer", async () => {
    const chunks = 5000;
    const chunkBytes = 4096;
    const c = await session(PREVIEW_PATH, {
      headers: {
        "api-key": API_KEY,
        "x-simulator-realtime-chunks": String(chunks),
        "x-simulator-realtime-chunk-bytes": String(chunkBytes),
        "x-simulator-realtime-chunk-delay-ms": "0",
      },
    });
    const id = at(c.events.all[0], "session", "id") as string;
    c.ws.pause();
    c.send({ type: "response.create" });
    await recorded(id, (s) => s.backpressureWaits > 0);
    c.ws.resume();
    const stream = await c.events.until("response.done");
    const deltas = stream.filter((event) => event.type === "response.text.delta");
    expect(deltas).toHaveLength(chunks);
    expect((at(deltas[0], "delta") as string).length).toBe(chunkBytes);
    // The done events carry the text's first 64 KiB only.
    const done = stream.find((event) => event.type === "response.text.done");
    expect(at(done, "text")).toHaveLength(64 * 1024);
    // Never more unsent than the limit plus the one event that crossed it.
    const record = await recorded(id);
    expect(record.maxBufferedBytes).toBeLessThan(64 * 1024 + 64 * 1024 + 2048);
    c.ws.close();
  });

  it("delays the handshake, and records a client that leaves meanwhile", async () => {
    const delayed = await session(GA_PATH, {
      headers: { "api-key": API_KEY, "x-simulator-realtime-handshake-delay-ms": "20" },
    });
    delayed.ws.close();
    const c = client(GA_PATH, {
      headers: {
        "api-key": API_KEY,
        "x-test": "handshake-delay",
        "x-simulator-realtime-handshake-delay-ms": "60000",
      },
    });
    const pending = await waitForMarker("handshake-delay", (s) => s.status === 0);
    c.ws.terminate();
    const left = await recorded(pending.id, (s) => s.closedBy !== undefined);
    expect(left).toMatchObject({ status: 0, closedBy: "client" });
  });

  it("ignores the fault headers unless faults are on", async () => {
    const plain = await startSimulator({ chunks: 1, chunkDelayMs: 0 });
    try {
      const ws = new WebSocket(`${plain.url.replace(/^http/, "ws")}${GA_PATH}`, {
        headers: { "x-simulator-realtime-handshake-status": "503" },
      });
      const first = await new Promise<string>((resolve, reject) => {
        ws.once("message", (data) => resolve(JSON.parse(data.toString()).type as string));
        ws.once("error", reject);
      });
      expect(first).toBe("session.created");
      ws.close();
    } finally {
      await plain.close();
    }
  });
});

describe("recording and shutdown", () => {
  it("keeps the JSON of small events only, and serves the log over HTTP", async () => {
    const c = await session(PREVIEW_PATH, { headers: { "api-key": API_KEY, "x-test": "big" } });
    const big = `data:image/png;base64,${"A".repeat(300 * 1024)}`;
    c.send({
      type: "conversation.item.create",
      item: { type: "message", role: "user", content: [{ type: "input_image", image_url: big }] },
    });
    await c.events.next("conversation.item.created");
    const record = recordedByMarker("big");
    expect(record?.events[0]?.type).toBe("conversation.item.create");
    expect(record?.events[0]?.bytes).toBeGreaterThan(300 * 1024);
    expect(record?.events[0]?.json).toBeUndefined();
    const res = await fetch(`${sim.url}/_simulator/realtime`);
    const body = (await res.json()) as { sessions: RecordedRealtimeSession[] };
    expect(body.sessions.some((s) => s.id === record?.id)).toBe(true);
    c.ws.close();
  });

  it("closes open sessions with 1001 when the simulator closes, and keeps a bounded log", async () => {
    const own = await startSimulator({ maxRecorded: 2 });
    const url = `${own.url.replace(/^http/, "ws")}${PREVIEW_PATH}`;
    const sockets = [new WebSocket(url), new WebSocket(url), new WebSocket(url)];
    const closes = sockets.map(
      (ws) => new Promise<number>((resolve) => ws.once("close", (code) => resolve(code))),
    );
    await Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once("message", resolve))));
    expect(own.realtimeSessions()).toHaveLength(2);
    await own.close();
    expect(await Promise.all(closes)).toEqual([1001, 1001, 1001]);
    for (const record of own.realtimeSessions()) {
      expect(record).toMatchObject({ closedBy: "server", closeCode: 1001 });
    }
    own.clearRealtime();
    expect(own.realtimeSessions()).toEqual([]);
  });
});
