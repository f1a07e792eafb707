import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { GENESIS, hashLine } from "../../../src/pipeline/audit/chain.js";
import { readTail, rotatedFiles } from "../../../src/pipeline/audit/file.js";
import { type AuditLog, openAuditSink } from "../../../src/pipeline/audit/sink.js";
import { verifyAuditFiles } from "../../../src/pipeline/audit/verify.js";
import { chainLines, record, tempDir } from "./fixtures.js";

/** An operational log that keeps what it is told. */
function memoryLog() {
  const entries: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg: string): void => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  const log: AuditLog = { info: at("info"), warn: at("warn"), error: at("error") };
  return { log, entries, anchors: () => entries.filter((e) => e.msg === "audit anchor") };
}

const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean);

describe("the audit sink", () => {
  it("writes chained lines to a file, all of them on disk once flush resolves", async () => {
    const path = join(tempDir(), "nested", "audit.log");
    const sink = openAuditSink(path);
    for (let i = 1; i <= 500; i++) sink.write(record(i));
    await sink.flush();
    const lines = linesOf(path);
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: "audit", seq: 1, prevHash: GENESIS });
    expect(sink.anchor()).toMatchObject({ seq: 500, hash: hashLine(lines[499]!) });
    expect((await verifyAuditFiles([path])).ok).toBe(true);
  });

  it("continues the chain of an existing file after a restart", async () => {
    const path = join(tempDir(), "audit.log");
    const first = openAuditSink(path);
    for (let i = 1; i <= 3; i++) first.write(record(i));
    await first.flush();
    const { log, entries } = memoryLog();
    const second = openAuditSink(path, { log });
    second.write(record(4));
    await second.flush();
    const lines = linesOf(path).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(new Set(lines.map((l) => l.chain)).size).toBe(1);
    expect(entries[0]!.msg).toBe("audit chain continued from the file");
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true, records: 4, chains: 1 });
  });

  it("closes a torn last line, continues from the last complete one, and leaves the tear visible", async () => {
    const path = join(tempDir(), "audit.log");
    const { lines } = chainLines(3);
    writeFileSync(path, `${lines.join("\n")}\n${lines[2]!.slice(0, 30)}`);
    expect(readTail(path)).toMatchObject({ torn: true, lastLine: Buffer.from(lines[2]!) });
    const { log, entries } = memoryLog();
    const sink = openAuditSink(path, { log });
    sink.write(record(4));
    await sink.flush();
    expect(entries.some((e) => e.level === "warn" && e.msg.includes("incomplete line"))).toBe(true);
    const r = await verifyAuditFiles([path]);
    expect(r.records).toBe(4);
    expect(r.problems).toMatchObject([{ line: 4, code: "malformed" }]);
  });

  it("starts a new chain after a file whose last line is not chained", async () => {
    const path = join(tempDir(), "audit.log");
    writeFileSync(path, '{"kind":"audit","time":"2026-11-26T04:40:01.123Z"}\n');
    const { log, entries } = memoryLog();
    const sink = openAuditSink(path, { log });
    sink.write(record(1));
    await sink.flush();
    expect(JSON.parse(linesOf(path)[1]!)).toMatchObject({ seq: 1, prevHash: GENESIS });
    expect(entries.some((e) => e.msg.includes("not a chained audit record"))).toBe(true);
  });

  it("rotates by size, keeps maxFiles, and the chain runs across the files", async () => {
    const dir = tempDir();
    const path = join(dir, "audit.log");
    const sink = openAuditSink(path, { rotate: { maxBytes: 2000, maxFiles: 3 } });
    // Written in one turn, the 40 records are one batch: it is split where each rotation falls.
    for (let i = 1; i <= 40; i++) sink.write(record(i));
    await sink.flush();
    const rotated = rotatedFiles(path);
    expect(rotated).toHaveLength(3);
    expect(readdirSync(dir)).toHaveLength(4);
    for (const f of [...rotated, path]) expect(readFileSync(f).length).toBeLessThanOrEqual(2000);
    const r = await verifyAuditFiles([...rotated, path]);
    expect(r.ok).toBe(true);
    expect(r.last?.seq).toBe(40);
    expect(r.first!.seq).toBeGreaterThan(1); // the oldest files were deleted (maxFiles)
  });

  it("continues from the newest rotated file when the live one is empty", async () => {
    const dir = tempDir();
    const path = join(dir, "audit.log");
    const { lines, state } = chainLines(2);
    writeFileSync(`${path}.20261126T044001000Z`, `${lines.join("\n")}\n`);
    writeFileSync(path, "");
    const sink = openAuditSink(path);
    sink.write(record(3));
    await sink.flush();
    expect(JSON.parse(linesOf(path)[0]!)).toMatchObject({ chain: state.chain, seq: 3 });
  });

  it("logs the anchor every N records and on flush", async () => {
    const { log, anchors } = memoryLog();
    const sink = openAuditSink(join(tempDir(), "audit.log"), {
      log,
      anchor: { everyRecords: 10, everySeconds: 60 },
    });
    for (let i = 1; i <= 25; i++) sink.write(record(i));
    // Records are chained at the end of the event-loop turn they were written in.
    expect(anchors()).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(anchors().map((a) => a.obj["seq"])).toEqual([10, 20]);
    await sink.flush();
    expect(anchors().at(-1)!.obj).toMatchObject({
      seq: 25,
      hash: sink.anchor().hash,
      why: "flush",
    });
  });

  it("chains the records of one turn in the order they were written, each at its own time", async () => {
    const path = join(tempDir(), "audit.log");
    const sink = openAuditSink(path);
    for (let i = 1; i <= 3; i++) sink.write(record(i));
    // anchor() chains what is held: the anchor always names the last record written.
    expect(sink.anchor().seq).toBe(3);
    sink.write(record(4));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.anchor().seq).toBe(4);
    await sink.flush();
    const lines = linesOf(path).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l["seq"])).toEqual([1, 2, 3, 4]);
    expect(lines.map((l) => l["decisionId"])).toEqual(
      [1, 2, 3, 4].map((i) => record(i).decisionId),
    );
    expect((await verifyAuditFiles([path])).ok).toBe(true);
  });

  it("logs the anchor a while after the last record when traffic stops", async () => {
    const { log, anchors } = memoryLog();
    const sink = openAuditSink(join(tempDir(), "audit.log"), {
      log,
      anchor: { everyRecords: 1000, everySeconds: 0.05 },
    });
    sink.write(record(1));
    await new Promise((r) => setTimeout(r, 120));
    expect(anchors()).toMatchObject([{ obj: { seq: 1, why: "interval" } }]);
    await sink.flush();
  });

  it("writes one line per write to a stream, and flush waits for the stream", async () => {
    const chunks: string[] = [];
    const slow = new Writable({
      write(chunk, _enc, cb) {
        setTimeout(() => {
          chunks.push(chunk.toString());
          cb();
        }, 2);
      },
    });
    const sink = openAuditSink(slow);
    for (let i = 1; i <= 5; i++) sink.write(record(i));
    await sink.flush();
    const lines = chunks.filter((c) => c !== "");
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.endsWith("}\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
  });

  it("costs a few microseconds per record (serialize once, hash once, write)", async () => {
    const path = join(tempDir(), "audit.log");
    const sink = openAuditSink(path);
    const records = Array.from({ length: 20_000 }, (_, i) => record(i));
    const t0 = performance.now();
    for (const r of records) sink.write(r);
    const perRecordUs = ((performance.now() - t0) * 1000) / records.length;
    await sink.flush();
    console.info(`audit sink: ${perRecordUs.toFixed(2)} us per record (file, chained)`);
    expect(perRecordUs).toBeLessThan(100); // generous: CI machines are shared
  });
});
