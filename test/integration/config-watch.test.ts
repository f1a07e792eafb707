/**
 * The config watcher reacts only to the files the config names: the operational log written beside
 * the config (each reload writes a line to it) and unrelated files there never reload the gateway.
 */
import {
  appendFileSync,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  watch,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { isWatched, watchTargets } from "../../src/runtime/watch.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { AuditCapture, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

const DEBOUNCE_MS = 30;

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await sim.close();
});

/** Resolves when `dir` reports a change to `name` (the event the gateway's watcher also gets). */
function changeSeen(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const w = watch(dir, (_event, file) => {
      if (String(file) === name) {
        w.close();
        resolve();
      }
    });
  });
}

/** Resolves once the generation moved past `before` (polled; the reload is asynchronous). */
async function reloaded(gw: RunningGateway, before: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (gw.current().id === before && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Longer than the debounce, so a change that counted would have reloaded by then. */
const pastDebounce = () => new Promise((r) => setTimeout(r, DEBOUNCE_MS * 10));

describe("config watcher", () => {
  it("names the config, policy, catalogue and certificate files, with policy patterns", () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-watch-"));
    const file = join(dir, "gateway.yaml");
    writeFileSync(file, testConfigYaml(sim.url));
    const targets = watchTargets(loadConfig(file, {}));
    const configDir = targets.find((t) => t.dir === dir);
    expect(configDir).toBeDefined();
    expect(isWatched(configDir!, "gateway.yaml")).toBe(true);
    expect(isWatched(configDir!, "gateway.log")).toBe(false);
    expect(isWatched(configDir!, "gateway.yaml.swp")).toBe(false);
    // A Kubernetes ConfigMap update renames `..data` into place (docs/operations.md#reload).
    expect(isWatched(configDir!, "..data")).toBe(true);
    expect(isWatched(configDir!, "..data_tmp")).toBe(false);
    const policies = targets.find((t) => t.names.some((re) => re.test("new-rule.cedar")));
    expect(policies).toBeDefined();
    expect(isWatched(policies!, "gateway.cedarschema")).toBe(true);
    expect(isWatched(policies!, "notes.md")).toBe(false);
  });

  it("ignores its own log and other files beside the config, and reloads once per config change", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-watch-"));
    const configFile = join(dir, "gateway.yaml");
    const logFile = join(dir, "gateway.log");
    writeFileSync(
      configFile,
      testConfigYaml(sim.url, { extra: `reload: { watch: true, debounceMs: ${DEBOUNCE_MS} }\n` }),
    );
    const gw = await startGateway({
      configFile,
      auditStream: new AuditCapture(),
      logStream: createWriteStream(logFile),
    });
    try {
      const start = gw.current().id;

      // An unrelated file written beside the config: no reload.
      const unrelated = changeSeen(dir, "notes.txt");
      writeFileSync(join(dir, "notes.txt"), "not config\n");
      await unrelated;
      await pastDebounce();
      expect(gw.current().id).toBe(start);

      // The config changes: one reload, whose log line lands in gateway.log beside it.
      const logged = changeSeen(dir, "gateway.log");
      appendFileSync(configFile, "\n# touched\n");
      await reloaded(gw, start);
      const first = gw.current().id;
      expect(first).toBe(start + 1);
      await logged;
      await pastDebounce();
      // The log lines written by the reload did not trigger another one.
      expect(readFileSync(logFile, "utf8")).toContain("config reloaded");
      expect(gw.current().id).toBe(first);
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/gateway_config_reloads_total\{result="success"\} 1\n/);
    } finally {
      await gw.close();
    }
  });
});
