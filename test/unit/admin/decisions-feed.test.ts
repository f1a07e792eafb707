/**
 * The decisions index fed from the audit sink: the records of one event-loop turn are added at
 * its end, together, and a read in the same turn catches up first, so no reader misses a record
 * written before it asked.
 */
import { PassThrough } from "node:stream";
import { setImmediate as turn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { feedingIndex } from "../../../src/admin/decisions/feed.js";
import { DecisionIndex } from "../../../src/admin/decisions/index.js";
import { openAuditSink } from "../../../src/pipeline/audit/sink.js";
import { record } from "../audit/fixtures.js";

function fed() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
  const index = new DecisionIndex({ windowMs: 10 * 365 * 86_400_000, maxRecords: 1000 });
  const sink = feedingIndex(openAuditSink(stream), index, () => null);
  return { index, sink, lines };
}

describe("feedingIndex", () => {
  it("adds a turn's records at its end, in order", async () => {
    const { index, sink } = fed();
    for (let i = 1; i <= 3; i++) sink.write(record(i));
    await turn();
    expect(index.list().map((e) => e.decisionId)).toEqual([
      "decision-3",
      "decision-2",
      "decision-1",
    ]);
    sink.write(record(4));
    await turn();
    expect(index.get("decision-4")?.tenant).toBe("newsroom");
  });

  it("catches up before any read in the same turn, and on flush", async () => {
    const { index, sink, lines } = fed();
    sink.write(record(1));
    expect(index.size).toBe(1);
    sink.write(record(2));
    expect(index.get("decision-2")).toBeDefined();
    sink.write(record(3));
    expect(index.list({ limit: 1 })[0]?.decisionId).toBe("decision-3");
    sink.write(record(4));
    expect(
      index.denials({ by: "tenant", bucketMs: 1000, since: 0, until: Date.now() }).series,
    ).toEqual([]);
    expect(index.size).toBe(4);
    sink.write(record(5));
    await sink.flush();
    expect(index.size).toBe(5);
    await turn();
    expect(index.size).toBe(5); // nothing added twice
    expect(lines).toHaveLength(5); // every record reached the sink too
  });
});
