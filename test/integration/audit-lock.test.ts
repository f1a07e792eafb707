/**
 * One audit writer per file: a second gateway on the same audit file is refused at start with a
 * clear message, the lock goes away at shutdown, and a stale lock of a dead process is taken over.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLockPath } from "../../src/pipeline/audit/lock.js";
import { startGateway } from "../../src/runtime/gateway.js";
import { StartRefusedError } from "../../src/runtime/start-refused.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { KEYS, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await sim.close();
});

/** The operational log, as text. */
class LogText extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString("utf8");
    cb();
  }
}

/** A config auditing to `<dir>/audit.log`; returns the config path and the audit path. */
function configIn(dir: string): { configFile: string; auditFile: string } {
  const auditFile = join(dir, "audit.log");
  const configFile = join(dir, "gateway.yaml");
  writeFileSync(
    configFile,
    testConfigYaml(sim.url, { extra: `audit:\n  destination: ${auditFile}\n` }),
  );
  return { configFile, auditFile };
}

const chat = (url: string) =>
  fetch(`${url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21`, {
    method: "POST",
    headers: { "api-key": KEYS.newsroom, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
  });

/** A live process that is not this one. */
function otherProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve(child));
    child.once("error", reject);
  });
}

describe("audit lock", () => {
  it("refuses a second writer of the same file and lets it start once the first stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-lock-"));
    const { configFile, auditFile } = configIn(dir);
    const first = await startGateway({ configFile, logStream: new LogText() });
    expect(existsSync(auditLockPath(auditFile))).toBe(true);
    try {
      const second = startGateway({ configFile, logStream: new LogText() });
      await expect(second).rejects.toBeInstanceOf(StartRefusedError);
      await expect(second).rejects.toThrow(
        new RegExp(
          `the audit file \`${auditFile}\` is already written by process ${process.pid} on this host`,
        ),
      );
      // The first gateway is unharmed and still audits.
      expect((await chat(first.url)).status).toBe(200);
    } finally {
      await first.close();
    }
    expect(existsSync(auditLockPath(auditFile))).toBe(false);
    const again = await startGateway({ configFile, logStream: new LogText() });
    await again.close();
  });

  it("refuses while another live process holds the lock, and takes it over once that one died", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-lock-"));
    const { configFile, auditFile } = configIn(dir);
    const child = await otherProcess();
    const lock = auditLockPath(auditFile);
    writeFileSync(lock, JSON.stringify({ pid: child.pid, host: hostname() }));
    try {
      await expect(startGateway({ configFile, logStream: new LogText() })).rejects.toThrow(
        `already written by process ${child.pid} on this host`,
      );
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
    const log = new LogText();
    const gw = await startGateway({ configFile, logStream: log });
    try {
      expect(log.text).toContain("took over a stale audit lock");
      expect(log.text).toContain(`"pid":${child.pid}`);
      expect((await chat(gw.url)).status).toBe(200);
    } finally {
      await gw.close();
    }
    expect(existsSync(lock)).toBe(false);
  });

  it("refuses a lock held from another host, whose process it cannot see", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gw-lock-"));
    const { configFile, auditFile } = configIn(dir);
    writeFileSync(auditLockPath(auditFile), JSON.stringify({ pid: 1, host: "replica-b" }));
    await expect(startGateway({ configFile, logStream: new LogText() })).rejects.toThrow(
      /already written by process 1 on host `replica-b`.*delete `.*\.audit\.log\.lock`/,
    );
  });
});
