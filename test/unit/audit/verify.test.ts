import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditVerifyCommand } from "../../../src/cli/audit-verify.js";
import { freshChain } from "../../../src/pipeline/audit/chain.js";
import { parseAnchor, verifyAuditFiles } from "../../../src/pipeline/audit/verify.js";
import { chainLines, tempDir } from "./fixtures.js";

/** Writes `lines` as an audit file (newline-terminated) and returns its path. */
function file(lines: string[], name = "audit.log", dir = tempDir()): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
  return path;
}

/** Captures a command's output. */
function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe("audit verify", () => {
  it("accepts an untouched file and reports records, chains and the last hash", async () => {
    const { lines, state } = chainLines(20);
    const r = await verifyAuditFiles([file(lines)]);
    expect(r.ok).toBe(true);
    expect(r).toMatchObject({ records: 20, chains: 1, problems: [] });
    expect(r.last).toEqual(state);
  });

  it("locates a record with one byte changed", async () => {
    const { lines } = chainLines(10);
    lines[4] = lines[4]!.replace('"status":200', '"status":201');
    const path = file(lines);
    const r = await verifyAuditFiles([path]);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      {
        file: path,
        line: 5,
        code: "changed",
        seq: 5,
        message: `record 5 was changed or record 6's prevHash (${path}:6) does not match`,
        related: { file: path, line: 6 },
      },
    ]);
  });

  it("locates a removed record", async () => {
    const { lines } = chainLines(10);
    lines.splice(6, 1); // seq 7
    const path = file(lines);
    const r = await verifyAuditFiles([path]);
    expect(r.problems).toMatchObject([
      {
        line: 7,
        seq: 8,
        code: "removed",
        message: "seq jumps from 6 to 8: a record was removed (or moved)",
      },
    ]);
  });

  it("locates two swapped records", async () => {
    const { lines } = chainLines(10);
    [lines[3], lines[4]] = [lines[4]!, lines[3]!]; // seq 4 and 5
    const r = await verifyAuditFiles([file(lines)]);
    expect(r.ok).toBe(false);
    expect(r.problems.find((p) => p.code === "reordered")).toMatchObject({
      line: 5,
      seq: 4,
      message: "seq goes back from 5 to 4: records reordered or repeated",
    });
  });

  it("locates a malformed line, and a record without chain fields", async () => {
    const { lines } = chainLines(6);
    lines[2] = lines[2]!.slice(0, 40); // cut short
    lines[4] = '{"kind":"audit","time":"2026-11-26T04:40:01.123Z"}';
    const r = await verifyAuditFiles([file(lines)]);
    expect(r.problems.map((p) => [p.line, p.code])).toEqual([
      [3, "malformed"],
      [5, "unchained"],
    ]);
  });

  it("verifies a rotated set as one chain, and locates a broken link across files", async () => {
    const dir = tempDir();
    const { lines } = chainLines(9);
    const files = [
      file(lines.slice(0, 3), "audit.log.20261126T044001000Z", dir),
      file(lines.slice(3, 6), "audit.log.20261126T044002000Z", dir),
      file(lines.slice(6), "audit.log", dir),
    ];
    expect(await verifyAuditFiles(files)).toMatchObject({ ok: true, records: 9, chains: 1 });

    // The last record of the middle file changed: the link to the next file breaks.
    const middle = lines.slice(3, 6);
    middle[2] = middle[2]!.replace('"bytesOut":200', '"bytesOut":0');
    files[1] = file(middle, "audit.log.20261126T044002000Z", dir);
    const r = await verifyAuditFiles(files);
    expect(r.problems).toMatchObject([
      { file: files[1], line: 3, seq: 6, code: "changed", related: { file: files[2], line: 1 } },
    ]);
    expect(r.problems[0]!.message).toContain("at a file boundary");

    // A rotated file missing from the set.
    const gap = await verifyAuditFiles([files[0]!, files[2]!]);
    expect(gap.problems).toMatchObject([{ file: files[2], line: 1, seq: 7, code: "removed" }]);
    // Files out of order.
    const order = await verifyAuditFiles([files[2]!, files[0]!]);
    expect(order.problems).toMatchObject([{ file: files[0], line: 1, code: "reordered" }]);
  });

  it("accepts files that start mid-chain, and a new chain after a restart on stdout", async () => {
    const a = chainLines(5);
    const b = chainLines(3, freshChain());
    const r = await verifyAuditFiles([file([...a.lines.slice(2), ...b.lines])]);
    expect(r).toMatchObject({ ok: true, records: 6, chains: 2 });
    expect(r.first?.seq).toBe(3);
    expect(r.last).toEqual(b.state);
  });

  it("detects a record of another chain that does not start at its genesis", async () => {
    const a = chainLines(3);
    const b = chainLines(3);
    const r = await verifyAuditFiles([file([...a.lines, ...b.lines.slice(1)])]);
    expect(r.problems).toMatchObject([{ line: 4, seq: 2, code: "chain-switch" }]);
  });

  it("detects a removed tail, or a rewritten record, against an anchor", async () => {
    const { lines, state } = chainLines(8);
    const anchor = { ...state };
    const truncated = await verifyAuditFiles([file(lines.slice(0, 6))], anchor);
    expect(truncated.problems).toMatchObject([{ line: 6, seq: 6, code: "anchor" }]);
    expect(truncated.problems[0]!.message).toContain("the tail was removed");

    const edited = [...lines];
    edited[7] = edited[7]!.replace('"status":200', '"status":403');
    const rewritten = await verifyAuditFiles([file(edited)], anchor);
    expect(rewritten.problems).toMatchObject([{ line: 8, seq: 8, code: "anchor" }]);
    // Without the anchor, an edit of the very last record cannot be seen.
    expect((await verifyAuditFiles([file(edited)])).ok).toBe(true);
  });

  it("parses anchors as CHAIN:SEQ:HASH", () => {
    const h = "a".repeat(64);
    expect(parseAnchor(`20261126T044001123Z-3f2a9c1b:42:${h}`)).toEqual({
      chain: "20261126T044001123Z-3f2a9c1b",
      seq: 42,
      hash: h,
    });
    expect(parseAnchor("c:0:abc")).toBeNull();
  });
});

describe("policy-gateway audit verify", () => {
  it("prints the count, chains and last hash, and exits 0", async () => {
    const { lines, state } = chainLines(4);
    const c = io();
    expect(await auditVerifyCommand([file(lines)], {}, c.io)).toBe(0);
    expect(c.out.join("")).toBe(
      `ok: 4 records in 1 file, 1 chain\nlast: ${state.chain}:${state.seq}:${state.hash}\n`,
    );
  });

  it("names file, line and seq of each problem, and exits 1", async () => {
    const { lines } = chainLines(4);
    lines.splice(1, 1);
    const path = file(lines);
    const c = io();
    expect(await auditVerifyCommand([path], {}, c.io)).toBe(1);
    expect(c.err[0]).toBe(
      `${path}:2: seq 3: seq jumps from 1 to 3: a record was removed (or moved)\n`,
    );
    expect(c.err.at(-1)).toMatch(/^failed: 1 problem: 3 records in 1 file, 1 chain/);
  });

  it("prints JSON with --json", async () => {
    const { lines } = chainLines(2);
    const c = io();
    expect(await auditVerifyCommand([file(lines)], { json: true }, c.io)).toBe(0);
    expect(JSON.parse(c.out.join(""))).toMatchObject({ ok: true, records: 2, chains: 1 });
  });

  it("checks an anchor given on the command line", async () => {
    const { lines, state } = chainLines(3);
    const c = io();
    const anchor = `${state.chain}:${state.seq}:${state.hash}`;
    expect(await auditVerifyCommand([file(lines.slice(0, 2))], { anchor }, c.io)).toBe(1);
    expect(c.err[0]).toContain("anchor record 3");
    expect(await auditVerifyCommand([file(lines)], { anchor }, io().io)).toBe(0);
  });

  it("exits 2 on a missing file or a bad anchor", async () => {
    expect(await auditVerifyCommand(["/nonexistent/audit.log"], {}, io().io)).toBe(2);
    expect(await auditVerifyCommand([file([])], { anchor: "nope" }, io().io)).toBe(2);
  });
});
