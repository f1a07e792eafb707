/**
 * `policy-gateway audit verify FILE...`: proves that no audit record was changed, removed or
 * reordered, or says where one was. Files oldest first (`audit.log.* audit.log` in a shell: rotated
 * names sort by time). Exit 0 when the chain holds, 1 when it does not, 2 on bad usage.
 */
import { existsSync } from "node:fs";
import {
  type Anchor,
  parseAnchor,
  type VerifyResult,
  verifyAuditFiles,
} from "../pipeline/audit/verify.js";

export interface AuditVerifyOptions {
  json?: boolean;
  /** `CHAIN:SEQ:HASH` from the operational log's latest `audit anchor` line. */
  anchor?: string;
}

/** Where the command prints (the process's streams unless a test passes its own). */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CommandOutput = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function summary(r: VerifyResult): string {
  const files = `${r.files.length} file${r.files.length === 1 ? "" : "s"}`;
  const chains = `${r.chains} chain${r.chains === 1 ? "" : "s"}`;
  const lines = [`${r.records} records in ${files}, ${chains}`];
  if (r.first !== null && r.first.seq > 1) {
    lines.push(
      `starts at record ${r.first.seq} of chain \`${r.first.chain}\`: earlier records are in files not given`,
    );
  }
  if (r.last !== null) lines.push(`last: ${r.last.chain}:${r.last.seq}:${r.last.hash}`);
  return lines.join("\n");
}

/** Runs the verification; returns the exit code (the caller sets it, tests read it). */
export async function auditVerifyCommand(
  files: readonly string[],
  opts: AuditVerifyOptions = {},
  io: CommandOutput = processOutput,
): Promise<number> {
  let anchor: Anchor | null = null;
  if (opts.anchor !== undefined) {
    anchor = parseAnchor(opts.anchor);
    if (anchor === null) {
      io.err(`invalid anchor \`${opts.anchor}\`: expected CHAIN:SEQ:HASH\n`);
      return 2;
    }
  }
  const missing = files.filter((f) => !existsSync(f));
  if (files.length === 0 || missing.length > 0) {
    io.err(
      files.length === 0
        ? "no file given\n"
        : `no such file: ${missing.map((f) => `\`${f}\``).join(", ")}\n`,
    );
    return 2;
  }
  const result = await verifyAuditFiles(files, anchor);
  if (opts.json === true) {
    io.out(`${JSON.stringify(result)}\n`);
  } else if (result.ok) {
    io.out(`ok: ${summary(result)}\n`);
  } else {
    for (const p of result.problems) {
      io.err(`${p.file}:${p.line}: ${p.seq === null ? "" : `seq ${p.seq}: `}${p.message}\n`);
    }
    if (result.moreProblems > 0) io.err(`... and ${result.moreProblems} more problems\n`);
    const n = result.problems.length + result.moreProblems;
    io.err(`failed: ${n} problem${n === 1 ? "" : "s"}: ${summary(result)}\n`);
  }
  return result.ok ? 0 : 1;
}
