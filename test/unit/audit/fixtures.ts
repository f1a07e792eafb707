/** Audit lines for the chain tests: real records' shape, written through the real chain. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditChain, type ChainState, freshChain } from "../../../src/pipeline/audit/chain.js";
import type { AuditRecord } from "../../../src/pipeline/audit/record.js";

/** A plausible record; `n` makes each one different. */
export function record(n: number): AuditRecord {
  return {
    decisionId: `decision-${n}`,
    requestTime: "2026-11-26T04:40:01.101Z",
    tenant: "newsroom",
    agency: "newsroom",
    agencyType: "commercial",
    jurisdiction: "FR",
    method: "POST",
    path: "/openai/deployments/gpt-4o/chat/completions",
    operation: "chat.completions",
    deployment: "gpt-4o",
    upstream: "primary",
    stream: false,
    purposes: ["captioning"],
    evidence: ["captioning:cap.describe@messages[0].content[0].text"],
    decision: "allow",
    mode: "enforce",
    policies: [],
    policyRevision: "3f2a9c",
    status: 200,
    latencyMs: { total: 1.9, policy: 0.4 },
    bytesIn: 100 + n,
    bytesOut: 200,
  };
}

/** `n` chained lines (without newlines) and the chain's state after the last. */
export function chainLines(n: number, start: ChainState = freshChain()) {
  const chain = new AuditChain(start);
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) lines.push(chain.next(record(i), new Date(i * 1000).toISOString()));
  return { lines, state: chain.state };
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "audit-test-"));
}
