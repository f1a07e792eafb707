/**
 * Safe defaults: the production example and the image serve no tenant, `npm start` serves the demo
 * config, and the published demo keys are refused on a reachable address in front of a real
 * upstream, at start and on reload.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLoopbackHost } from "../../src/config/addresses.js";
import { loadConfig } from "../../src/config/index.js";
import { hashKey } from "../../src/pipeline/identify-tenant/identify.js";
import { startGateway } from "../../src/runtime/gateway.js";
import { StartRefusedError } from "../../src/runtime/start-refused.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { AuditCapture, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await sim.close();
});

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

/** The harness config with `demo-newsroom-key` added to the newsroom tenant, on `host`. */
function demoKeyConfig(upstream: string, host: string): string {
  const yaml = testConfigYaml(upstream, {
    // The embedded simulator takes the key the gateway gives it, not one from the config.
    ...(upstream === "simulator"
      ? {
          upstreams: `  - { name: primary, endpoint: simulator, auth: { type: api-key, apiKey: "" } }`,
        }
      : {}),
    edit: (y) =>
      y
        .replace("listen: { host: 127.0.0.1, port: 0 }", `listen: { host: "${host}", port: 0 }`)
        .replace(/(id: newsroom\n(?:.*\n)*?\s+keys: \[)/, `$1"${hashKey("demo-newsroom-key")}", `),
  });
  expect(yaml).toContain(hashKey("demo-newsroom-key"));
  return yaml;
}

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "gw-safe-")), "gateway.yaml");
  writeFileSync(file, text);
  return file;
}

const chat = (url: string, key: string) =>
  fetch(`${url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
    method: "POST",
    headers: { "api-key": key, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
  });

describe("demo keys on a reachable address in front of a real upstream", () => {
  it("refuses to start, naming the key, the address and the upstream", async () => {
    const configFile = writeConfig(demoKeyConfig(sim.url, "0.0.0.0"));
    const started = startGateway({
      configFile,
      auditStream: new AuditCapture(),
      logStream: quiet(),
    });
    await expect(started).rejects.toBeInstanceOf(StartRefusedError);
    await expect(started).rejects.toThrow(
      /refusing to serve the published demo key\(s\) `demo-newsroom-key` \(tenant `newsroom`\) on `0\.0\.0\.0`, a non-loopback address, in front of the real upstream\(s\) `primary`/,
    );
  });

  it("serves them on loopback, or on any address in front of the simulator", async () => {
    for (const [upstream, host] of [
      [sim.url, "127.0.0.1"],
      ["simulator", "0.0.0.0"],
    ] as const) {
      const configFile = writeConfig(demoKeyConfig(upstream, host));
      const gw = await startGateway({
        configFile,
        auditStream: new AuditCapture(),
        logStream: quiet(),
      });
      try {
        const res = await chat(gw.url, "demo-newsroom-key");
        expect(res.status, `${upstream} ${host}: ${await res.text()}`).toBe(200);
      } finally {
        await gw.close();
      }
    }
  });

  it("refuses a reload that points an exposed demo config at a real upstream", async () => {
    const configFile = writeConfig(demoKeyConfig("simulator", "0.0.0.0"));
    const gw = await startGateway({
      configFile,
      auditStream: new AuditCapture(),
      logStream: quiet(),
    });
    try {
      const before = gw.current();
      writeFileSync(
        configFile,
        readFileSync(configFile, "utf8").replace(
          'endpoint: simulator, auth: { type: api-key, apiKey: "" }',
          `endpoint: ${sim.url}, auth: { type: api-key, apiKey: ${UPSTREAM_KEY} }`,
        ),
      );
      const result = await gw.reload("test");
      expect(result.ok).toBe(false);
      if (!result.ok)
        expect(result.problems.join("\n")).toMatch(/refusing to serve the published demo key/);
      expect(gw.current()).toBe(before);
    } finally {
      await gw.close();
    }
  });

  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["gateway.internal", false],
  ])("isLoopbackHost(%s) is %s", (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});

describe("shipped configs", () => {
  it("config/gateway.yaml, the production example, has no tenant and needs AZURE_OPENAI_ENDPOINT", () => {
    const file = resolve("config/gateway.yaml");
    expect(() => loadConfig(file, {})).toThrow(
      /environment variable `AZURE_OPENAI_ENDPOINT` is not set/,
    );
    const c = loadConfig(file, {
      AZURE_OPENAI_ENDPOINT: "https://my-res.openai.azure.com",
      AZURE_OPENAI_API_KEY: "azure-secret",
    });
    expect(c.tenants.size).toBe(0);
    expect(c.keys).toEqual([]);
    expect(c.listen.host).toBe("0.0.0.0");
    expect(c.admin.host).toBe("127.0.0.1");
  });

  it("config/demo.yaml, which npm start serves, listens on loopback and refuses exposure with a real upstream", async () => {
    const pkg = JSON.parse(readFileSync(resolve("package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts["start"]).toContain("serve --config config/demo.yaml");
    const demo = resolve("config/demo.yaml");
    expect(loadConfig(demo, {}).listen.host).toBe("127.0.0.1");
    const exposed = startGateway({
      configFile: demo,
      env: {
        AZURE_OPENAI_ENDPOINT: sim.url,
        AZURE_OPENAI_API_KEY: UPSTREAM_KEY,
        GATEWAY_HOST: "0.0.0.0",
      },
      auditStream: new AuditCapture(),
      logStream: quiet(),
    });
    await expect(exposed).rejects.toThrow(/`demo-metro-pd-key` \(tenant `metro-pd`\)/);
  });
});
