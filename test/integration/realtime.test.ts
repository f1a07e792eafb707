/**
 * The Realtime API through the gateway, end to end (docs/api.md "Realtime"): the `openai` SDK's
 * realtime WebSocket client over `wss:` to the gateway's TLS listener, the gateway in front of the
 * simulator's realtime WebSocket. What reached the simulator is read from its session records.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AzureOpenAI, OpenAI } from "openai";
import { OpenAIRealtimeWS } from "openai/realtime/ws";
import selfsigned from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startSimulator } from "../../src/simulator/index.js";
import type { RecordedRealtimeEvent } from "../../src/simulator/types.js";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import {
  type Harness,
  KEYS,
  startGatewayOn,
  startHarness,
  UPSTREAM_KEY,
} from "../helpers/harness.js";

const DEPLOYMENT = "gpt-4o-realtime-preview";
const API_VERSION = "2025-04-01-preview";

/** A certificate for 127.0.0.1 made for this run; the clients trust it as their CA. */
async function makeCertificate(): Promise<{ dir: string; cert: string; key: string }> {
  const pems = (await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  })) as unknown as { cert: string; private: string };
  const dir = mkdtempSync(join(tmpdir(), "gw-tls-"));
  writeFileSync(join(dir, "cert.pem"), pems.cert);
  writeFileSync(join(dir, "key.pem"), pems.private);
  return { dir, cert: pems.cert, key: pems.private };
}

const tls = await makeCertificate();

/** An Axon body-worn camera frame (EXIF make and model). */
const BODY_CAM_FRAME = dataUrl(
  "image/jpeg",
  jpeg({ tags: { make: "Axon Enterprise, Inc.", model: "Axon Body 4" }, scanBytes: 2048 }),
);
const PLAIN_FRAME = dataUrl("image/jpeg", jpeg({ scanBytes: 2048 }));

type ServerEvent = { type: string; [k: string]: unknown };

/** The SDK's realtime client (Azure flavour) on the gateway, trusting the test CA. */
async function azureSession(h: Harness, key: string, headers: Record<string, string> = {}) {
  const client = new AzureOpenAI({
    endpoint: h.gw.url,
    apiKey: key,
    apiVersion: API_VERSION,
    deployment: DEPLOYMENT,
  });
  const rt = await OpenAIRealtimeWS.azure(client, {
    deploymentName: DEPLOYMENT,
    options: { ca: tls.cert, headers },
  });
  return collect(rt);
}

/** Events as they arrive, the close, and a way to wait for an event. */
function collect(rt: OpenAIRealtimeWS) {
  const events: ServerEvent[] = [];
  const waiters: { pred: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] = [];
  rt.on("event", (raw) => {
    const e = raw as unknown as ServerEvent;
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  rt.on("error", () => undefined); // error events are read from `events`
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    rt.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    rt.socket.once("open", () => resolve());
    rt.socket.once("error", reject);
  });
  const next = (pred: (e: ServerEvent) => boolean) => {
    const found = events.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<ServerEvent>((resolve) => waiters.push({ pred, resolve }));
  };
  return { rt, events, closed, opened, next };
}

const userText = (text: string, id = `evt_${Math.random().toString(36).slice(2)}`) => ({
  type: "conversation.item.create" as const,
  event_id: id,
  item: {
    type: "message" as const,
    role: "user" as const,
    content: [{ type: "input_text" as const, text }],
  },
});

const userImage = (text: string, image: string, id: string) => ({
  type: "conversation.item.create" as const,
  event_id: id,
  item: {
    type: "message" as const,
    role: "user" as const,
    content: [
      { type: "input_image" as const, image_url: image },
      { type: "input_text" as const, text },
    ],
  },
});

/** Every client event the simulator received, over all its sessions. */
function simulatorEvents(h: Harness): RecordedRealtimeEvent[] {
  return h.sim.realtimeSessions().flatMap((s) => s.events);
}

describe("Realtime API through the gateway", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      extra: "realtime: { maxQueuedBytes: 65536 }",
      edit: (yaml) =>
        yaml
          .replace(
            "listen: { host: 127.0.0.1, port: 0 }",
            `listen: { host: 127.0.0.1, port: 0, tls: { cert: ${join(tls.dir, "cert.pem")}, key: ${join(tls.dir, "key.pem")} } }`,
          )
          .replace(
            "    camera: { default: fixed, environment: controlled }",
            "    camera: { default: fixed, environment: controlled }\n    realtime: { webrtc: allow }",
          ),
    });
  });
  afterAll(async () => h?.close());

  it("listens with TLS", () => {
    expect(h.gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("relays a benign text session: text in, deltas out, usage audited", async () => {
    const s = await azureSession(h, KEYS.newsroom);
    await s.next((e) => e.type === "session.created");
    s.rt.send(
      userText("Summarise tomorrow's weather forecast for Paris in two sentences.", "evt_benign_1"),
    );
    s.rt.send({ type: "response.create", event_id: "evt_benign_2" });
    const done = await s.next((e) => e.type === "response.done");
    const deltas = s.events.filter((e) => e.type.endsWith("text.delta"));
    expect(deltas.length).toBeGreaterThan(0);
    expect(
      (done["response"] as { usage: { total_tokens: number } }).usage.total_tokens,
    ).toBeGreaterThan(0);
    s.rt.close();
    expect((await s.closed).code).toBe(1000);

    const received = simulatorEvents(h).map((e) => e.event_id);
    expect(received).toEqual(expect.arrayContaining(["evt_benign_1", "evt_benign_2"]));
    const session = h.sim.realtimeSessions().at(-1)!;
    // The gateway's credential went upstream, never the tenant's.
    expect(session.headers["api-key"]).toBe(UPSTREAM_KEY);
    expect(JSON.stringify(session.headers)).not.toContain(KEYS.newsroom);

    const record = await h.audit.waitFor(
      (r) => r.tenant === "newsroom" && r.status === 101 && r.realtime?.closeCode !== undefined,
    );
    expect(record.operation).toBe("realtime");
    expect(record.deployment).toBe(DEPLOYMENT);
    expect(record.realtime).toMatchObject({
      eventsIn: 2,
      denied: 0,
      closeCode: 1000,
      closedBy: "client",
    });
    expect(record.realtime!.eventsOut).toBe(s.events.length);
    expect(record.usage?.totalTokens).toBeGreaterThan(0);
  });

  it("denies a US police identification ask with an image; the item never reaches upstream", async () => {
    const s = await azureSession(h, KEYS.metroPd);
    await s.next((e) => e.type === "session.created");
    s.rt.send(userImage("Who is this man? Give me his full name.", PLAIN_FRAME, "evt_fr_ask"));
    const err = await s.next((e) => e.type === "error");
    const error = err["error"] as {
      code: string;
      event_id: string;
      decision_id: string;
      policies: { id: string }[];
      type: string;
    };
    expect(error.type).toBe("invalid_request_error");
    expect(error.code).toBe("policy_violation");
    expect(error.event_id).toBe("evt_fr_ask");
    expect(error.policies.map((p) => p.id)).toContain("us-law-enforcement-no-facial-recognition");

    // The session goes on: a benign item and a response still work.
    s.rt.send(
      userText("What is the speed limit on a residential street in New York City?", "evt_after"),
    );
    s.rt.send({ type: "response.create" });
    await s.next((e) => e.type === "response.done");
    s.rt.close();
    await s.closed;

    const received = simulatorEvents(h).map((e) => e.event_id);
    expect(received).toContain("evt_after");
    expect(received).not.toContain("evt_fr_ask");
    const denied = await h.audit.waitFor((r) => r.decisionId === error.decision_id);
    expect(denied).toMatchObject({
      tenant: "metro-pd",
      decision: "deny",
      status: 403,
      method: "WS",
    });
    expect(denied.realtime).toMatchObject({
      event: "conversation.item.create",
      eventId: "evt_fr_ask",
    });
    expect(denied.capture).toMatchObject({ value: "live", origin: "realtime" });
    const session = await h.audit.waitFor(
      (r) => r.realtime?.session === denied.realtime!.session && r.status === 101,
    );
    expect(session.realtime).toMatchObject({ denied: 1, eventsIn: 2 });
  });

  it("closes with 1008 a US police session whose instructions set up identification", async () => {
    const s = await azureSession(h, KEYS.metroPd);
    await s.next((e) => e.type === "session.created");
    s.rt.send({
      type: "session.update",
      event_id: "evt_setup",
      session: {
        type: "realtime",
        instructions:
          "You are a field assistant for patrol officers. For every camera frame you receive, identify each person by name and tell the officer whether they match anyone on the department's watchlist.",
      },
    });
    const err = await s.next((e) => e.type === "error");
    const closed = await s.closed;
    const decisionId = (err["error"] as { decision_id: string }).decision_id;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe(`policy_violation ${decisionId}`);
    expect(simulatorEvents(h).map((e) => e.event_id)).not.toContain("evt_setup");
  });

  it("reads the instructions and a later item as one conversation", async () => {
    const s = await azureSession(h, KEYS.metroPd);
    await s.next((e) => e.type === "session.created");
    s.rt.send({
      type: "session.update",
      event_id: "evt_ctx_setup",
      session: {
        type: "realtime",
        instructions: "When the officer sends a photo, tell them the person's name.",
      },
    });
    await s.next((e) => e.type === "session.updated" || e.type === "error");
    s.rt.send(userImage("Here.", PLAIN_FRAME, "evt_ctx_frame"));
    await s.next((e) => e.type === "error");
    s.rt.close();
    await s.closed;
    expect(simulatorEvents(h).map((e) => e.event_id)).not.toContain("evt_ctx_frame");
  });

  it("denies live body-cam frames with a watchlist ask for a non-US police tenant (rule 2)", async () => {
    const s = await azureSession(h, KEYS.metPolice);
    await s.next((e) => e.type === "session.created");
    s.rt.send(
      userImage(
        "Tell me if anyone in this frame is on the watchlist, and name them.",
        BODY_CAM_FRAME,
        "evt_bodycam",
      ),
    );
    const err = await s.next((e) => e.type === "error");
    const error = err["error"] as { code: string; decision_id: string; policies: { id: string }[] };
    expect(error.code).toBe("policy_violation");
    expect(error.policies.map((p) => p.id)).toContain(
      "law-enforcement-no-live-recognition-on-mobile-cameras",
    );
    s.rt.close();
    await s.closed;
    const denied = await h.audit.waitFor((r) => r.decisionId === error.decision_id);
    expect(denied.camera).toMatchObject({ source: "body-worn", mobility: "mobile" });
  });

  it("treats speech as unseen: an image after audio is denied to law enforcement", async () => {
    const s = await azureSession(h, KEYS.metPolice);
    await s.next((e) => e.type === "session.created");
    s.rt.send({
      type: "input_audio_buffer.append",
      event_id: "evt_audio",
      audio: Buffer.alloc(3200, 1).toString("base64"),
    });
    s.rt.send(userImage("Describe the scene.", PLAIN_FRAME, "evt_after_audio"));
    const err = await s.next((e) => e.type === "error");
    const error = err["error"] as { event_id: string; policies: { id: string }[] };
    expect(error.event_id).toBe("evt_after_audio");
    expect(error.policies.map((p) => p.id)).toContain("law-enforcement-unseen-content");
    s.rt.close();
    await s.closed;
    const received = simulatorEvents(h).map((e) => e.event_id);
    expect(received).toContain("evt_audio");
    expect(received).not.toContain("evt_after_audio");
  });

  it("serves the GA path with the plain OpenAI client (Bearer)", async () => {
    const client = new OpenAI({ baseURL: `${h.gw.url}/openai/v1`, apiKey: KEYS.newsroom });
    const rt = new OpenAIRealtimeWS({ model: "gpt-realtime", options: { ca: tls.cert } }, client);
    const s = collect(rt);
    await s.next((e) => e.type === "session.created");
    rt.send(userText("Name three rivers in France.", "evt_ga"));
    rt.send({ type: "response.create" });
    await s.next((e) => e.type === "response.done");
    expect(s.events.some((e) => e.type === "response.output_text.delta")).toBe(true);
    rt.close();
    await s.closed;
    const session = h.sim
      .realtimeSessions()
      .find((x) => x.events.some((e) => e.event_id === "evt_ga"))!;
    expect(session.path).toBe("/openai/v1/realtime");
    expect(session.headers.authorization).toBeUndefined();
    expect(session.headers["api-key"]).toBe(UPSTREAM_KEY);
  });

  it("takes the key from the subprotocol or the query, and forwards neither", async () => {
    const base = h.gw.url.replace(/^https/, "wss");
    const viaProtocol = new WebSocket(
      `${base}/openai/realtime?api-version=${API_VERSION}&deployment=${DEPLOYMENT}`,
      ["realtime", `openai-insecure-api-key.${KEYS.newsroom}`],
      { ca: tls.cert },
    );
    const first = await new Promise<ServerEvent>((resolve, reject) => {
      viaProtocol.once("message", (d) => resolve(JSON.parse(d.toString())));
      viaProtocol.once("error", reject);
    });
    expect(first.type).toBe("session.created");
    expect(viaProtocol.protocol).toBe("realtime");
    viaProtocol.close();
    const viaQuery = new WebSocket(
      `${base}/openai/realtime?api-version=${API_VERSION}&deployment=${DEPLOYMENT}&api-key=${KEYS.newsroom}`,
      { ca: tls.cert },
    );
    await new Promise((resolve, reject) => {
      viaQuery.once("message", resolve);
      viaQuery.once("error", reject);
    });
    viaQuery.close();
    const sessions = h.sim.realtimeSessions().slice(-2);
    for (const s of sessions) {
      expect(JSON.stringify(s)).not.toContain(KEYS.newsroom);
      expect(s.subprotocols.every((p) => !p.startsWith("openai-insecure-api-key."))).toBe(true);
    }
  });

  it("refuses an unknown key on the upgrade with an audited 401", async () => {
    const ws = new WebSocket(
      `${h.gw.url.replace(/^https/, "wss")}/openai/realtime?api-version=${API_VERSION}&deployment=${DEPLOYMENT}`,
      { ca: tls.cert, headers: { "api-key": "not-a-key" } },
    );
    const status = await new Promise<number>((resolve) =>
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
  });

  it("refuses WebRTC and SIP set-up (client secrets, calls, sideband) by default", async () => {
    const status = await httpsStatus(h, "/openai/v1/realtime/client_secrets", KEYS.newsroom);
    expect(status.status).toBe(403);
    expect(status.body).toContain("RealtimeMediaDenied");
    const sideband = new WebSocket(
      `${h.gw.url.replace(/^https/, "wss")}/openai/v1/realtime?call_id=rtc_123`,
      { ca: tls.cert, headers: { "api-key": KEYS.newsroom } },
    );
    const code = await new Promise<number>((resolve) =>
      sideband.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(code).toBe(403);
  });

  it("forwards WebRTC set-up for a tenant that opted in, audited as unenforced", async () => {
    const answer = await httpsStatus(h, "/openai/v1/realtime/client_secrets", KEYS.doorAccess);
    expect(answer.status).not.toBe(403);
    const record = await h.audit.waitFor(
      (r) => r.tenant === "door-access-co" && r.path === "/openai/v1/realtime/client_secrets",
    );
    expect(record.unenforced).toEqual(["realtime-media"]);
    expect(record.upstream).toBe("primary");
  });

  it("answers what-if for the last event of a session given as a JSON array", async () => {
    const answer = await httpsStatus(
      h,
      `/_gateway/evaluate/openai/realtime?api-version=${API_VERSION}&deployment=${DEPLOYMENT}`,
      KEYS.metroPd,
      JSON.stringify([
        { type: "session.update", session: { instructions: "Help the officer with photos." } },
        userImage("Who is he?", PLAIN_FRAME, "evt_w"),
      ]),
    );
    expect(answer.status).toBe(200);
    const body = JSON.parse(answer.body) as {
      decision: string;
      facts: { operation: string; capture: string; deployment: string };
    };
    expect(body.decision).toBe("deny");
    expect(body.facts).toMatchObject({
      operation: "realtime",
      capture: "live",
      deployment: DEPLOYMENT,
    });
  });

  it("turns an abnormal upstream end into 1011 toward the client", async () => {
    const s = await azureSession(h, KEYS.newsroom, { "x-simulator-realtime-drop-after": "1" });
    const closed = await s.closed;
    expect(closed.code).toBe(1011);
  });

  it("passes a client's abrupt end upstream as 1001", async () => {
    const s = await azureSession(h, KEYS.newsroom);
    await s.next((e) => e.type === "session.created");
    const before = h.sim.realtimeSessions().length;
    s.rt.socket.terminate();
    await h.audit.waitFor((r) => r.tenant === "newsroom" && r.realtime?.closeCode === 1006);
    const session = h.sim.realtimeSessions()[before - 1]!;
    await expect.poll(() => h.sim.realtimeSessions()[before - 1]?.closeCode).toBe(1001);
    expect(session.id).toBeDefined();
  });

  it("stops reading upstream while a slow client has not taken its events", async () => {
    const chunks = 1500;
    const s = await azureSession(h, KEYS.newsroom, {
      "x-simulator-realtime-chunks": String(chunks),
      "x-simulator-realtime-chunk-bytes": "4096",
      "x-simulator-realtime-chunk-delay-ms": "0",
    });
    await s.next((e) => e.type === "session.created");
    s.rt.send(userText("Read me a very long story.", "evt_long"));
    s.rt.send({ type: "response.create" });
    s.rt.socket.pause(); // the client stops reading
    await expect
      .poll(() => h.sim.realtimeSessions().at(-1)?.serverEvents ?? 0, { timeout: 5000 })
      .toBeGreaterThan(10);
    s.rt.socket.resume();
    await s.next((e) => e.type === "response.done");
    expect(s.events.filter((e) => e.type.endsWith("text.delta")).length).toBe(chunks);
    s.rt.close();
    const record = await h.audit.waitFor(
      (r) =>
        r.tenant === "newsroom" &&
        r.realtime?.eventsIn === 2 &&
        (r.realtime?.eventsOut ?? 0) > chunks,
    );
    // Never more than the bound, plus what one read of the upstream socket (64 KiB) held and
    // the message that crossed it: the relay stops reading, it does not drop.
    expect(record.realtime!.peakQueuedBytes!.toClient).toBeLessThanOrEqual(65536 + 65536 + 8192);
  });
});

/** An HTTPS call to the gateway trusting the test CA. */
async function httpsStatus(
  h: Harness,
  path: string,
  key: string,
  body = "{}",
): Promise<{ status: number; body: string }> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    const req = request(
      `${h.gw.url}${path}`,
      {
        method: "POST",
        ca: tls.cert,
        headers: { "api-key": key, "content-type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("Realtime sessions at shutdown", () => {
  it("refuses new sessions, lets open ones run to the deadline, then closes them with 1001", async () => {
    const h = await startHarness({
      extra: "shutdown: { deadlineMs: 300 }",
      edit: (yaml) =>
        yaml.replace(
          "listen: { host: 127.0.0.1, port: 0 }",
          `listen: { host: 127.0.0.1, port: 0, tls: { cert: ${join(tls.dir, "cert.pem")}, key: ${join(tls.dir, "key.pem")} } }`,
        ),
    });
    try {
      const s = await azureSession(h, KEYS.newsroom);
      await s.next((e) => e.type === "session.created");
      const closing = h.gw.close();
      // Still served until the deadline.
      s.rt.send(userText("Count to three.", "evt_during_shutdown"));
      s.rt.send({ type: "response.create" });
      await s.next((e) => e.type === "response.done");
      const closed = await s.closed;
      expect(closed.code).toBe(1001);
      await closing;
    } finally {
      await h.sim.close();
    }
  });
});

describe("Realtime failover", () => {
  it("opens the session on the next upstream when the first refuses the handshake", async () => {
    const sim = await startSimulator({ apiKey: UPSTREAM_KEY, faults: true });
    const { gw, audit } = await startGatewayOn(sim.url, {
      upstreams: `  - name: down
    endpoint: http://127.0.0.1:1
    auth: { type: api-key, apiKey: ${UPSTREAM_KEY} }
  - name: backup
    endpoint: ${sim.url}
    priority: 1
    auth: { type: api-key, apiKey: ${UPSTREAM_KEY} }`,
    });
    try {
      const ws = new WebSocket(
        `${gw.url.replace(/^http/, "ws")}/openai/realtime?api-version=${API_VERSION}&deployment=${DEPLOYMENT}`,
        { headers: { "api-key": KEYS.newsroom } },
      );
      const first = await new Promise<ServerEvent>((resolve, reject) => {
        ws.once("message", (d) => resolve(JSON.parse(d.toString())));
        ws.once("error", reject);
      });
      expect(first.type).toBe("session.created");
      ws.close();
      const record = await audit.waitFor(
        (r) => r.status === 101 && r.realtime?.closeCode !== undefined,
      );
      expect(record.upstream).toBe("backup");
      expect(record.attempts?.[0]).toMatchObject({ upstream: "down", error: "ECONNREFUSED" });
    } finally {
      await gw.close();
      await sim.close();
    }
  });
});

describe("Realtime sessions under tenant limits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      limits:
        "{ maxBodyBytes: 1048576, upstreamTimeoutMs: 1500, connectTimeoutMs: 1000, defaultMaxOutputTokens: 1000 }",
      edit: (yaml) => {
        const edited = yaml
          .replace(
            "listen: { host: 127.0.0.1, port: 0 }",
            `listen: { host: 127.0.0.1, port: 0, tls: { cert: ${join(tls.dir, "cert.pem")}, key: ${join(tls.dir, "key.pem")} } }`,
          )
          .replace(
            "    userSecurityContext: true",
            "    userSecurityContext: true\n    limits: { requestsPerMinute: 3, tokensPerMinute: 1500 }",
          );
        if (!edited.includes("requestsPerMinute: 3")) throw new Error("harness edit missed");
        return edited;
      },
    });
  });
  afterAll(async () => h?.close());

  it("counts the session and each response.create, and settles tokens from response.done", async () => {
    const s = await azureSession(h, KEYS.newsroom);
    await s.next((e) => e.type === "session.created");
    s.rt.send(userText("Summarise tomorrow's weather in Paris."));
    // Request 2 of 3; reserves 1000 tokens (the default), settled at the usage of its response.
    s.rt.send({ type: "response.create", event_id: "evt_r1" });
    await s.next((e) => e.type === "response.done");
    // Request 3: admitted only because the first reservation went back (1000 + 1000 > 1500).
    s.rt.send({ type: "response.create", event_id: "evt_r2" });
    await s.next(
      (e) => e.type === "response.done" && e !== s.events.find((x) => x.type === "response.done"),
    );
    // Request 4 of 3: refused with an error event, never forwarded.
    s.rt.send({ type: "response.create", event_id: "evt_r3" });
    const refused = await s.next((e) => e.type === "error");
    expect(refused["error"] as { code: string; event_id: string }).toMatchObject({
      code: "rate_limited",
      event_id: "evt_r3",
    });
    const received = simulatorEvents(h).map((e) => e.event_id);
    expect(received).toEqual(expect.arrayContaining(["evt_r1", "evt_r2"]));
    expect(received).not.toContain("evt_r3");
    s.rt.close();
    await s.closed;
    // The next session is refused at the handshake: the minute's requests are spent.
    await expect(azureSession(h, KEYS.newsroom).then((x) => x.opened)).rejects.toThrow(/429/);
  });
});
