/**
 * A fleet decides as one (issue 12): two gateway replicas on one Redis and one simulator. A frame
 * stream alternated between them is `live` at the same frame as one process would say; a
 * follow-up on B is judged with the photo A saw; a file uploaded through A is its owner's on B;
 * a tenant at 60 requests per minute gets exactly its 60 across the fleet, then 429; token limits
 * count images and streams. A Redis of the test's own is killed mid-run and restarted: no crash,
 * no hang, stricter decisions while it is down, normal after.
 */
import { randomBytes } from "node:crypto";
import OpenAI, { NotFoundError, PermissionDeniedError, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { dataUrl, jpeg } from "../fixtures/images/make-fixtures.js";
import { type AuditCapture, KEYS, startGatewayOn, UPSTREAM_KEY } from "../helpers/harness.js";
import { HAS_REDIS_SERVER, REDIS_URL, sayFleetSkipped, startOwnRedis } from "../helpers/redis.js";

sayFleetSkipped();

const CHAT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";

/** The test config's edits: limits on three tenants, deployments mapped to models, the store. */
function fleetYaml(simUrl: string, url: string, prefix: string, onError = "deny") {
  return (yaml: string) => {
    const edited = yaml
      // A second upstream on the same simulator names its deployments' models (a list also
      // restricts an upstream to them: calls without a deployment go to \`primary\`).
      .replace(
        "defaultTenant:",
        `  - name: mapped\n    endpoint: ${simUrl}\n    deployments: [{ name: gpt-4o, model: gpt-4o }, { name: mini, model: gpt-4o-mini }]\n    auth: { type: api-key, apiKey: ${UPSTREAM_KEY} }\ndefaultTenant:`,
      )
      .replace(
        "    consent: attested\n",
        "    consent: attested\n    limits: { requestsPerMinute: 60 }\n",
      )
      .replace(
        "    userSecurityContext: true",
        "    userSecurityContext: true\n    limits: { tokensPerMinute: 2500 }",
      )
      .concat(
        `\nstore: { type: redis, url: "${url}", keyPrefix: "${prefix}", timeoutMs: 200, onError: ${onError} }\n`,
      );
    if (!edited.includes("requestsPerMinute: 60") || !edited.includes("tokensPerMinute: 2500")) {
      throw new Error("fleet edit missed the harness config");
    }
    if (!edited.includes("model: gpt-4o-mini")) throw new Error("deployment edit missed");
    return edited;
  };
}

interface Fleet {
  sim: RunningSimulator;
  replicas: { gw: RunningGateway; audit: AuditCapture }[];
  close(): Promise<void>;
}

async function startFleet(url: string, n: number, onError = "deny"): Promise<Fleet> {
  const sim = await startSimulator({ apiKey: UPSTREAM_KEY, faults: true });
  const prefix = `fleet-${randomBytes(4).toString("hex")}:`;
  const replicas: Fleet["replicas"] = [];
  for (let i = 0; i < n; i++) {
    replicas.push(
      await startGatewayOn(sim.url, { edit: fleetYaml(sim.url, url, prefix, onError) }),
    );
  }
  return {
    sim,
    replicas,
    async close() {
      await Promise.all(replicas.map((r) => r.gw.close()));
      await sim.close();
    },
  };
}

const FRAME = dataUrl("image/jpeg", jpeg({ scanBytes: 2048 }));

/** A non-US police recognition ask on one body-cam frame, declared `recorded`. */
async function frameAsk(gw: RunningGateway, camera: string) {
  const res = await fetch(`${gw.url}${CHAT}`, {
    method: "POST",
    headers: {
      "api-key": KEYS.metPolice,
      "content-type": "application/json",
      "x-gateway-capture": "recorded",
      "x-gateway-camera-id": camera,
    },
    body: JSON.stringify({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Who is this man?" },
            { type: "image_url", image_url: { url: FRAME } },
          ],
        },
      ],
    }),
  });
  await res.arrayBuffer();
  return { status: res.status, decisionId: res.headers.get("x-gateway-decision-id") };
}

async function chat(gw: RunningGateway, key: string, body: Record<string, unknown>) {
  const res = await fetch(`${gw.url}${CHAT}`, {
    method: "POST",
    headers: { "api-key": key, "content-type": "application/json" },
    body: JSON.stringify({
      messages: [{ role: "user", content: "Summarise the weather." }],
      ...body,
    }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text };
}

const v1 = (gw: RunningGateway, apiKey: string) =>
  new OpenAI({ baseURL: `${gw.url}/openai/v1`, apiKey, maxRetries: 0 });

describe.skipIf(REDIS_URL === undefined)("a fleet of two replicas on one Redis", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet(REDIS_URL!, 2);
  });
  afterAll(async () => {
    await fleet?.close();
  });
  const A = () => fleet.replicas[0]!;
  const B = () => fleet.replicas[1]!;

  it("judges a frame stream alternated between replicas live at the same frame as one process", async () => {
    // The harness: 3 frames within 10 s make a stream live; rule 2 then denies non-US police.
    const camera = `bodycam-${randomBytes(3).toString("hex")}`;
    const one = await frameAsk(A().gw, camera);
    const two = await frameAsk(B().gw, camera);
    const three = await frameAsk(A().gw, camera);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(three.status).toBe(403);
    const record = await A().audit.waitFor((r) => r.decisionId === three.decisionId);
    expect(record.capture).toEqual({ value: "live", origin: "frame-rate" });
    // One process says the same: test/integration/live-capture.test.ts (third frame, same config).
  });

  it("judges a follow-up on B with the photo A saw", async () => {
    const first = await v1(A().gw, KEYS.metroPd).responses.create({
      model: "gpt-4o",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "Describe the scene in this photo." },
            { type: "input_image", image_url: FRAME, detail: "auto" },
          ],
        },
      ],
    });
    fleet.sim.clearRequests();
    const next = v1(B().gw, KEYS.metroPd).responses.create({
      model: "gpt-4o",
      previous_response_id: first.id,
      input: "Name?",
    });
    await expect(next).rejects.toBeInstanceOf(PermissionDeniedError);
    expect(fleet.sim.requests()).toHaveLength(0);
    const record = await B().audit.waitFor((r) => r.tenant === "metro-pd" && r.decision === "deny");
    expect(record.images?.count).toBeGreaterThanOrEqual(1);
  });

  it("keeps a file uploaded through A its owner's on B, and another tenant's 404", async () => {
    const file = await v1(A().gw, KEYS.evidenceCloud).files.create({
      purpose: "assistants",
      file: await toFile(Buffer.from("Quarterly figures."), "q.txt", { type: "text/plain" }),
    });
    expect((await v1(B().gw, KEYS.evidenceCloud).files.retrieve(file.id)).id).toBe(file.id);
    const stranger = v1(B().gw, KEYS.metPolice).files.retrieve(file.id);
    await expect(stranger).rejects.toBeInstanceOf(NotFoundError);
    const listed = (await v1(B().gw, KEYS.evidenceCloud).files.list()).data.map((f) => f.id);
    expect(listed).toContain(file.id);
    const theirs = (await v1(B().gw, KEYS.metPolice).files.list()).data.map((f) => f.id);
    expect(theirs).not.toContain(file.id);
  });

  it("shares the cool-down Azure asks for: a 429 seen by A cools the deployment on B", async () => {
    const coolingOnB = () =>
      B()
        .gw.current()
        .upstreams.filter((u) => u.health.coolingUntil("gpt-4o", Date.now()) > 0)
        .map((u) => u.config.name);
    expect(coolingOnB()).toEqual([]);
    const res = await fetch(`${A().gw.url}${CHAT}`, {
      method: "POST",
      headers: {
        "api-key": KEYS.evidenceCloud,
        "content-type": "application/json",
        "x-simulator-status": "429",
      },
      body: JSON.stringify({ messages: [{ role: "user", content: "Summarise the weather." }] }),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(429);
    // Published on Redis, applied by B's subscriber: no request to B needed.
    const deadline = Date.now() + 3000;
    while (coolingOnB().length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(coolingOnB().length).toBeGreaterThan(0);
  });

  it("gives a tenant at 60 requests per minute exactly its 60 across the fleet, then 429", async () => {
    const started = Date.now();
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof chat>> | undefined;
    for (let i = 0; i < 70; i++) {
      const r = await chat(i % 2 === 0 ? A().gw : B().gw, KEYS.doorAccess, {});
      statuses.push(r.status);
      if (r.status === 429) refused ??= r;
    }
    const elapsedS = Math.floor((Date.now() - started) / 1000);
    const ok = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // GCRA: the whole minute at once, then one more per second earned back.
    expect(ok).toBeGreaterThanOrEqual(60);
    expect(ok).toBeLessThanOrEqual(60 + elapsedS);
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(refused).toBeDefined();
    const retryAfter = Number(refused!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect(refused!.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(JSON.parse(refused!.text).error.code).toBe("RateLimited");
    const record = await A().audit.waitFor(
      (r) => r.tenant === "door-access-co" && r.status === 429,
    );
    expect(record.error).toBe("RateLimited");
    const metrics = await (await fetch(`${A().gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /gateway_rate_limited_total\{tenant="door-access-co",limit="requests"\} [1-9]/,
    );
  });

  it("reserves image tokens from the header's dimensions, and the maximum for a URL image", async () => {
    const big = dataUrl("image/jpeg", jpeg({ size: { width: 2048, height: 2048 } }));
    const small = dataUrl("image/jpeg", jpeg({ size: { width: 512, height: 512 } }));
    const ask = (url: string) => ({
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Describe it." },
            { type: "image_url", image_url: { url } },
            { type: "image_url", image_url: { url } },
          ],
        },
      ],
    });
    // Two 2048 px images on gpt-4o: 765 tokens each (4 tiles + base), over 2500 with 1000 output.
    const refused = await chat(A().gw, KEYS.newsroom, { ...ask(big), max_tokens: 1000 });
    expect(refused.status).toBe(429);
    const message = JSON.parse(refused.text).error.message as string;
    const estimate = Number(/estimated (\d+) tokens/.exec(message)?.[1]);
    expect(estimate).toBeGreaterThan(2 * 765 + 1000);
    expect(estimate).toBeLessThan(2 * 765 + 1000 + 60);
    expect(refused.headers.get("x-ratelimit-limit-tokens")).toBe("2500");
    // Two 512 px images: 255 tokens each: admitted.
    expect((await chat(A().gw, KEYS.newsroom, ask(small))).status).toBe(200);
  });

  it("settles tokens at Azure's usage, and a stream without usage at its estimate", async () => {
    const ask = { max_tokens: 1000 };
    // Non-streamed answers report usage: each reservation of ~1000 is corrected to ~30.
    for (let i = 0; i < 3; i++) {
      const r = await chat(B().gw, KEYS.newsroom, ask);
      expect(r.status).toBe(200);
      // The correction is sent when the response closes, before its audit record is written.
      const id = r.headers.get("x-gateway-decision-id");
      await B().audit.waitFor((x) => x.decisionId === id);
    }
    // Streams without include_usage keep their reservation: two fit in 2500, the third does not.
    const stream = { ...ask, stream: true };
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const r = await chat(B().gw, KEYS.newsroom, stream);
      statuses.push(r.status);
      if (r.status === 200) expect(r.text).not.toContain('"usage"');
      const id = r.headers.get("x-gateway-decision-id");
      await B().audit.waitFor((x) => x.decisionId === id);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe.skipIf(REDIS_URL === undefined || !HAS_REDIS_SERVER)("when Redis dies mid-run", () => {
  it("answers at once, stricter while it is down, and normally after it is back", async () => {
    const redis = await startOwnRedis();
    const fleet = await startFleet(redis.url, 2);
    const [a, b] = fleet.replicas;
    try {
      expect((await chat(a!.gw, KEYS.doorAccess, {})).status).toBe(200);
      const file = await v1(a!.gw, KEYS.doorAccess).files.create({
        purpose: "assistants",
        file: await toFile(Buffer.from("x"), "x.txt", { type: "text/plain" }),
      });
      await redis.kill();
      // Limits (onError: deny): 503, fast, never a hang.
      const t0 = Date.now();
      const limited = await chat(b!.gw, KEYS.doorAccess, {});
      expect(limited.status).toBe(503);
      expect(Date.now() - t0).toBeLessThan(5000);
      // A tenant without limits still works; a declared `recorded` frame cannot be checked: unknown.
      const frame = await frameAsk(b!.gw, "cam-down");
      const record = await b!.audit.waitFor((r) => r.decisionId === frame.decisionId);
      expect(record.capture?.value).toBe("unknown");
      // An object whose owner cannot be read is refused.
      const owned = await fetch(`${b!.gw.url}/openai/v1/files/${file.id}`, {
        headers: { "api-key": KEYS.doorAccess },
      });
      expect(owned.status).toBe(503);
      const ready = await fetch(`${b!.gw.adminUrl}/readyz`);
      expect(ready.status).toBe(503);
      const metrics = await (await fetch(`${b!.gw.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/gateway_store_errors_total\{op="admit"\} [1-9]/);
      await redis.restart();
      // Back: the client reconnects on its own (backoff); the file record died with the data.
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline) {
        status = (await chat(b!.gw, KEYS.doorAccess, {})).status;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
      expect((await fetch(`${b!.gw.adminUrl}/readyz`)).status).toBe(200);
    } finally {
      await fleet.close();
      await redis.stop();
    }
  });
});
