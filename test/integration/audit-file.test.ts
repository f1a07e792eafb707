/**
 * The tamper-evident audit file end to end: a gateway writing to a file (not the test stream),
 * requests through the real SDK, the file verified by `audit verify`, then tampered and caught.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AzureOpenAI } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditVerifyCommand } from "../../src/cli/audit-verify.js";
import { rotatedFiles } from "../../src/pipeline/audit/file.js";
import { type RunningGateway, startGateway } from "../../src/runtime/gateway.js";
import { type RunningSimulator, startSimulator } from "../../src/simulator/index.js";
import { KEYS, testConfigYaml, UPSTREAM_KEY } from "../helpers/harness.js";

/** The operational log as parsed JSON lines. */
class LogCapture extends Writable {
  readonly entries: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim() !== "") this.entries.push(JSON.parse(line));
    cb();
  }
  anchors() {
    return this.entries.filter((e) => e["msg"] === "audit anchor");
  }
}

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await sim.close();
});

/** A gateway auditing to `<dir>/audit.log` with `auditYaml` under `audit:`. */
async function gatewayWithFile(dir: string, auditYaml = "") {
  const file = join(dir, "audit.log");
  const configFile = join(dir, "gateway.yaml");
  writeFileSync(
    configFile,
    testConfigYaml(sim.url, { extra: `audit:\n  destination: ${file}\n${auditYaml}` }),
  );
  const logs = new LogCapture();
  const gw = await startGateway({ configFile, logStream: logs });
  return { gw, logs, file };
}

const chat = (gw: RunningGateway, n: number) =>
  new AzureOpenAI({
    endpoint: gw.url,
    apiKey: KEYS.newsroom,
    apiVersion: "2024-10-21",
    deployment: "gpt-4o",
    maxRetries: 0,
  }).chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: `Say hello ${n}` }],
  });

/** Runs the command as the CLI would, capturing what it prints. */
async function verify(files: string[], opts: { json?: boolean; anchor?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await auditVerifyCommand(files, opts, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join(""), err: err.join("") };
}

const anchorOf = (a: Record<string, unknown> | undefined) =>
  `${a?.["chain"]}:${a?.["seq"]}:${a?.["hash"]}`;

describe("the audit file", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-audit-"));

  it("verifies after a run, matches the anchor logged on shutdown, and survives a restart", async () => {
    const first = await gatewayWithFile(dir);
    for (let i = 0; i < 4; i++) await chat(first.gw, i);
    await first.gw.close();

    const lines = readFileSync(first.file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(lines[0]).toMatchObject({ kind: "audit", tenant: "newsroom", status: 200 });

    const anchor = first.logs.anchors().at(-1);
    expect(anchor).toMatchObject({ seq: 4, why: "flush" });
    const ok = await verify([first.file], { anchor: anchorOf(anchor) });
    expect(ok.code).toBe(0);
    expect(ok.out).toBe(`ok: 4 records in 1 file, 1 chain\nlast: ${anchorOf(anchor)}\n`);

    // A restart continues the same chain in the same file.
    const second = await gatewayWithFile(dir);
    await chat(second.gw, 5);
    await second.gw.close();
    const json = await verify([second.file], { json: true });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      ok: true,
      records: 5,
      chains: 1,
      last: { seq: 5 },
    });
    // The old anchor still matches its record; the tail is longer, not shorter.
    expect((await verify([second.file], { anchor: anchorOf(anchor) })).code).toBe(0);
  });

  it("names the line of a tampered record", async () => {
    const file = join(dir, "audit.log");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[1] = lines[1]!.replace('"status":200', '"status":403');
    writeFileSync(file, lines.join("\n"));
    const bad = await verify([file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(
      `${file}:2: seq 2: record 2 was changed or record 3's prevHash (${file}:3) does not match`,
    );

    lines.splice(3, 1); // drop record 4
    writeFileSync(file, lines.join("\n"));
    expect((await verify([file])).err).toContain(`${file}:4: seq 5: seq jumps from 3 to 5`);
  });

  it("rotates under load, and the rotated set verifies as one chain", async () => {
    const rotDir = mkdtempSync(join(tmpdir(), "gw-audit-rot-"));
    const { gw, logs, file } = await gatewayWithFile(rotDir, "  rotate: { maxBytes: 4000 }\n");
    await Promise.all(Array.from({ length: 60 }, (_, i) => chat(gw, i)));
    await gw.close();

    const files = [...rotatedFiles(file), file];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(readFileSync(f).length).toBeLessThanOrEqual(4000);
    const result = await verify(files, { json: true, anchor: anchorOf(logs.anchors().at(-1)) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ ok: true, records: 60, chains: 1 });

    // Files given out of order are caught at the boundary.
    const swapped = [files[1]!, files[0]!, ...files.slice(2)];
    const bad = await verify(swapped);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("at a file boundary");
  });
});
