import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/pipeline/identify-tenant/identify.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { KEYS, startGatewayOn, UPSTREAM_KEY } from "../helpers/harness.js";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY, faults: true, chunkDelayMs: 5 });
});
afterAll(async () => {
  await sim.close();
});

const chat = (url: string, key: string, extra: Record<string, string> = {}) =>
  fetch(`${url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
    method: "POST",
    headers: { "api-key": key, "content-type": "application/json", ...extra },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
  });

describe("hot reload", () => {
  it("swaps a new config in under load with no failed request", async () => {
    const { gw, configFile } = await startGatewayOn(sim.url);
    try {
      const original = readFileSync(configFile, "utf8");
      const newKey = "test-key-added-by-reload";
      expect((await chat(gw.url, newKey)).status).toBe(401);
      // Continuous load: 4 workers sending requests while the config changes under them.
      let stop = false;
      const statuses: number[] = [];
      const worker = async () => {
        while (!stop) {
          const res = await chat(gw.url, KEYS.newsroom);
          await res.arrayBuffer();
          statuses.push(res.status);
        }
      };
      const workers = [worker(), worker(), worker(), worker()];
      const before = gw.current().id;
      for (let i = 0; i < 3; i++) {
        writeFileSync(
          configFile,
          original.replace(
            `keys: ["${hashKey(KEYS.newsroom)}"]`,
            `keys: ["${hashKey(KEYS.newsroom)}", "${hashKey(newKey)}"]`,
          ) + `\n# edit ${i}\n`,
        );
        const result = await gw.reload(`test ${i}`);
        expect(result.ok).toBe(true);
      }
      // Keep the load on until plenty of requests have run across the swaps.
      while (statuses.length < 40) await new Promise((r) => setTimeout(r, 10));
      stop = true;
      await Promise.all(workers);
      expect(gw.current().id).toBeGreaterThan(before);
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect((await chat(gw.url, newKey)).status).toBe(200);
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/gateway_config_reloads_total\{result="success"\} [3-9]/);
    } finally {
      await gw.close();
    }
  });

  it("keeps the running config when the new one is invalid, says why and counts it", async () => {
    const { gw, configFile } = await startGatewayOn(sim.url);
    try {
      const before = gw.current();
      writeFileSync(
        configFile,
        readFileSync(configFile, "utf8").replace("agencyType: commercial", "agencyTyp: commercial"),
      );
      const result = await gw.reload("test");
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems.join("\n")).toMatch(/agencyTyp: unknown key/);
      expect(gw.current()).toBe(before);
      expect((await chat(gw.url, KEYS.newsroom)).status).toBe(200);
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/gateway_config_reloads_total\{result="failure"\} 1/);
    } finally {
      await gw.close();
    }
  });

  it("reloads by itself when a watched file changes", async () => {
    const { gw, configFile } = await startGatewayOn(sim.url, {
      extra: "reload: { watch: true, debounceMs: 20 }\n",
    });
    try {
      const before = gw.current().id;
      writeFileSync(configFile, `${readFileSync(configFile, "utf8")}\n# touched\n`);
      const deadline = Date.now() + 5000;
      while (gw.current().id === before && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(gw.current().id).toBeGreaterThan(before);
    } finally {
      await gw.close();
    }
  });

  it("lets a request in flight finish on the generation it started on", async () => {
    const { gw, configFile } = await startGatewayOn(sim.url);
    try {
      const slow = chat(gw.url, KEYS.newsroom, { "x-simulator-delay-ms": "300" });
      await new Promise((r) => setTimeout(r, 50));
      // Remove the tenant: new requests are refused, the one in flight is not.
      writeFileSync(
        configFile,
        readFileSync(configFile, "utf8").replace(
          `"${hashKey(KEYS.newsroom)}"`,
          `"${hashKey("someone-else")}"`,
        ),
      );
      expect((await gw.reload("test")).ok).toBe(true);
      expect((await chat(gw.url, KEYS.newsroom)).status).toBe(401);
      expect((await slow).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe("graceful shutdown", () => {
  it("lets a stream in flight complete, turns readiness to 503 and refuses new calls", async () => {
    const { gw, audit } = await startGatewayOn(sim.url);
    const client = new AzureOpenAI({
      endpoint: gw.url,
      apiKey: KEYS.newsroom,
      apiVersion: "2024-10-21",
      deployment: "gpt-4o",
      maxRetries: 0,
      defaultHeaders: { "x-simulator-chunks": "20", "x-simulator-chunk-delay-ms": "25" },
    });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "long" }],
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next(); // the stream has started
    const closing = gw.close();
    const ready = await fetch(`${gw.adminUrl}/readyz`).catch(() => undefined);
    if (ready) expect(ready.status).toBe(503);
    let chunks = 1;
    for (;;) {
      const { done } = await iterator.next();
      if (done) break;
      chunks++;
    }
    expect(chunks).toBeGreaterThanOrEqual(22); // first, role, 20 content, stop...
    await closing;
    const record = audit.records.find((r) => r.stream && r.status === 200);
    expect(record?.clientAborted).toBeUndefined();
    // The listener is closed: no new connections.
    await expect(chat(gw.url, KEYS.newsroom)).rejects.toThrow();
  });

  it("cuts streams still open at the shutdown deadline", async () => {
    const { gw } = await startGatewayOn(sim.url, { extra: "shutdown: { deadlineMs: 200 }\n" });
    const body = JSON.stringify({ messages: [{ role: "user", content: "x" }], stream: true });
    // A stream that would run 10 s: the 200 ms deadline must cut it.
    const cut = new Promise<string>((resolve) => {
      const req = request(
        `${gw.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`,
        {
          method: "POST",
          headers: {
            "api-key": KEYS.newsroom,
            "content-type": "application/json",
            "x-simulator-chunks": "400",
            "x-simulator-chunk-delay-ms": "25",
          },
        },
        (res) => {
          res.once("data", () => void gw.close());
          res.on("error", () => resolve("cut"));
          res.on("end", () => resolve(res.complete ? "complete" : "cut"));
          res.resume();
        },
      );
      req.on("error", () => resolve("cut"));
      req.end(body);
    });
    const started = Date.now();
    expect(await cut).toBe("cut");
    expect(Date.now() - started).toBeLessThan(5000);
    await gw.close();
  });
});
