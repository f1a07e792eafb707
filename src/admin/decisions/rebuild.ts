/**
 * Rebuilds the decisions index at start from the audit files (the live file and its rotated
 * predecessors, docs/audit.md), so the dashboard survives a restart. Files last written before the
 * window are not opened; lines that are not audit records (or are torn) are skipped.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { rotatedFiles } from "../../pipeline/audit/file.js";
import { entryOf } from "./entry.js";
import type { DecisionIndex } from "./index.js";

/** What a rebuild read. */
export interface RebuildResult {
  files: number;
  records: number;
  skipped: number;
}

/** Adds the decisions of `auditFile` and its rotated files, newer than `oldest`, to `index`. */
export async function rebuildFromAuditFiles(
  index: DecisionIndex,
  auditFile: string,
  oldest: number,
  reasonOf: (policyId: string) => string | null,
): Promise<RebuildResult> {
  const files = [...rotatedFiles(auditFile), auditFile].filter(
    (f) => existsSync(f) && statSync(f).mtimeMs >= oldest,
  );
  const result: RebuildResult = { files: files.length, records: 0, skipped: 0 };
  for (const file of files) {
    const lines = createInterface({
      input: createReadStream(file, { encoding: "utf8" }),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (line === "") continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        result.skipped++;
        continue;
      }
      if ((parsed as { kind?: unknown }).kind !== "audit") continue;
      const entry = entryOf(parsed, reasonOf);
      if (entry === null) result.skipped++;
      else if (entry.at >= oldest) {
        index.add(entry);
        result.records++;
      }
    }
  }
  return result;
}
