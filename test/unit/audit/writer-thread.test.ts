import { execFile } from "node:child_process";
import {
  copyFileSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { describe, expect, it, vi } from "vitest";
import { verifyAuditFiles } from "../../../src/pipeline/audit/verify.js";
import { AuditWriterThread } from "../../../src/pipeline/audit/writer-thread.js";
import { tempDir } from "./fixtures.js";

/** `n` distinct lines of about `size` bytes, some with multi-byte characters. */
function lines(n: number, size: number, tag: string): string[] {
  return Array.from({ length: n }, (_, i) => `${tag}-${i}-${"é".repeat(i % 5)}`.padEnd(size, "x"));
}

const bytesOf = (ls: readonly string[]) => ls.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
const textOf = (ls: readonly string[]) => ls.map((l) => `${l}\n`).join("");

/** Writes `ls` in batches of `per` lines, without yielding to the event loop. */
function writeBatches(writer: AuditWriterThread, ls: readonly string[], per: number): void {
  for (let from = 0; from < ls.length; from += per) {
    const to = Math.min(ls.length, from + per);
    writer.write(ls, from, to, bytesOf(ls.slice(from, to)));
  }
}

const fdClosed = (fd: number) => {
  try {
    fstatSync(fd);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EBADF";
  }
};

describe("the audit file's writing thread", () => {
  it("writes every batch in order, many times the ring's size, across its end", async () => {
    const path = join(tempDir(), "audit.log");
    const errors: Error[] = [];
    const writer = new AuditWriterThread(openSync(path, "a"), (err) => errors.push(err));
    // 12 MiB in one turn: the 4 MiB ring fills, the rest waits in memory until the thread makes room.
    const all = lines(10_000, 1200, "a");
    writeBatches(writer, all, 7);
    // The thread drains the ring while this turn is still writing, so how much is pending here
    // depends on the machine (asserting all of it failed once under load); it never exceeds what
    // was accepted plus each frame's 8-byte header and padding to 8 bytes.
    expect(writer.pending).toBeLessThanOrEqual(bytesOf(all) + Math.ceil(all.length / 7) * 16);
    await writer.sync();
    expect(writer.pending).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(textOf(all));
    await writer.close();
    expect(errors).toEqual([]);
  });

  it("splits a batch larger than a frame and keeps it whole in the file", async () => {
    const path = join(tempDir(), "audit.log");
    const writer = new AuditWriterThread(openSync(path, "a"), () => {});
    const small = lines(3, 100, "before");
    const huge = lines(2_500, 1300, "huge"); // about 3.3 MB in one batch
    writeBatches(writer, small, 3);
    writeBatches(writer, huge, huge.length);
    await writer.sync();
    expect(readFileSync(path, "utf8")).toBe(textOf([...small, ...huge]));
    await writer.close();
  });

  it("sends the lines before a switch to the old file and closes it, the rest to the new one", async () => {
    const dir = tempDir();
    const oldFd = openSync(join(dir, "old.log"), "a");
    const writer = new AuditWriterThread(oldFd, () => {});
    const before = lines(50, 200, "before");
    const after = lines(50, 200, "after");
    writeBatches(writer, before, 4);
    writer.switchTo(openSync(join(dir, "new.log"), "a"));
    writeBatches(writer, after, 4);
    await writer.sync();
    expect(readFileSync(join(dir, "old.log"), "utf8")).toBe(textOf(before));
    expect(readFileSync(join(dir, "new.log"), "utf8")).toBe(textOf(after));
    await vi.waitFor(() => expect(fdClosed(oldFd)).toBe(true));
    await writer.close();
  });

  it("drains on the calling thread at exit: what the ring held and what waited outside it", async () => {
    const path = join(tempDir(), "audit.log");
    const writer = new AuditWriterThread(openSync(path, "a"), () => {});
    const all = lines(8_000, 1200, "exit"); // about 9.6 MB: more than the ring holds
    writeBatches(writer, all, 9);
    writer.drainSync();
    expect(readFileSync(path, "utf8")).toBe(textOf(all));
    expect(writer.pending).toBe(0);
    await writer.close();
  });

  it("reports a failed write instead of throwing, and goes on", async () => {
    const path = join(tempDir(), "audit.log");
    writeFileSync(path, "");
    const errors: { err: Error; where: string }[] = [];
    const writer = new AuditWriterThread(openSync(path, "r"), (err, where) =>
      errors.push({ err, where }),
    );
    writeBatches(writer, lines(10, 100, "lost"), 5);
    await writer.sync();
    expect(writer.pending).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ where: "write", err: { code: "EBADF" } });
    await writer.close();
  });

  it("closes the file once everything is written, and later flushes resolve at once", async () => {
    const path = join(tempDir(), "audit.log");
    const fd = openSync(path, "a");
    const writer = new AuditWriterThread(fd, () => {});
    const all = lines(100, 300, "c");
    writeBatches(writer, all, 10);
    await writer.close();
    expect(readFileSync(path, "utf8")).toBe(textOf(all));
    expect(fdClosed(fd)).toBe(true);
    await writer.sync();
  });
});

/**
 * The audit modules compiled to plain JavaScript in a temporary folder (`node_modules` linked),
 * so that a child process can load the real sink and exit under it.
 */
function compiledAuditModules(): string {
  const dir = tempDir();
  const src = resolve(import.meta.dirname, "../../../src/pipeline/audit");
  for (const name of readdirSync(src)) {
    if (name.endsWith(".worker.mjs")) copyFileSync(join(src, name), join(dir, name));
    if (!name.endsWith(".ts")) continue;
    const out = ts.transpileModule(readFileSync(join(src, name), "utf8"), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    writeFileSync(join(dir, name.replace(/\.ts$/, ".js")), out.outputText);
  }
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
  symlinkSync(resolve(import.meta.dirname, "../../../node_modules"), join(dir, "node_modules"));
  return dir;
}

describe("the audit file at process exit", () => {
  it.each([
    ["process.exit", "process.exit(0);"],
    ["an uncaught exception", 'throw new Error("crash");'],
  ])("keeps every record written before %s", async (_, ending) => {
    const modules = compiledAuditModules();
    const path = join(tempDir(), "audit.log");
    mkdirSync(join(modules, "run"));
    const script = join(modules, "run", "exit.mjs");
    writeFileSync(
      script,
      `import { openAuditSink } from "../sink.js";
const sink = openAuditSink(${JSON.stringify(path)});
const record = (n) => ({ decisionId: "d-" + n, tenant: "t", decision: "allow", pad: "x".repeat(1000) });
// Written over a few turns (some chained and in the ring, the last ones still held), never flushed.
for (let turn = 0; turn < 5; turn++) {
  for (let i = 0; i < 1000; i++) sink.write(record(turn * 1000 + i));
  await new Promise((r) => setImmediate(r));
}
for (let i = 5000; i < 6000; i++) sink.write(record(i));
${ending}
`,
    );
    await promisify(execFile)(process.execPath, [script]).catch((err: { code?: number }) => {
      if (ending.startsWith("throw") && err.code === 1) return;
      throw err;
    });
    const records = readFileSync(path, "utf8").trim().split("\n");
    expect(records).toHaveLength(6000);
    expect(JSON.parse(records[5999]!)).toMatchObject({ decisionId: "d-5999", seq: 6000 });
    expect(await verifyAuditFiles([path])).toMatchObject({ ok: true, records: 6000 });
  });
});
