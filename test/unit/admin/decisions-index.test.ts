/**
 * The decisions index: what an entry keeps of an audit record (and what it never does), the
 * window and the record cap, the filters, and the denial series behind the charts.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { entryOf } from "../../../src/admin/decisions/entry.js";
import { DecisionIndex } from "../../../src/admin/decisions/index.js";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const reasonOf = (id: string) => (id === "rule-1" ? "no face recognition for US police" : null);

let n = 0;
function record(over: Record<string, unknown> = {}) {
  n++;
  return {
    kind: "audit",
    decisionId: `d-${n}`,
    requestTime: new Date(T0 + n * 1000).toISOString(),
    tenant: "metro-pd",
    agency: "metro-pd",
    agencyType: "law-enforcement",
    jurisdiction: "US-NY",
    operation: "chat.completions",
    deployment: "gpt-4o",
    decision: "allow",
    mode: "enforce",
    status: 200,
    policies: [],
    ...over,
  };
}
const entry = (over: Record<string, unknown> = {}) => entryOf(record(over), reasonOf)!;

describe("entryOf", () => {
  it("keeps the labels, the reasons and the evidence ids, and nothing else of the record", () => {
    const e = entryOf(
      record({
        decision: "deny",
        status: 403,
        policies: ["rule-1"],
        purposes: ["facial-identification"],
        evidence: ["facial-identification:who-is@messages[0].content[0]"],
        images: { count: 1, bytes: 1200, origins: ["inline"] },
        camera: { source: "body-worn", mobility: "mobile", environment: "public", origin: {} },
        capture: { value: "recorded", origin: "default" },
        agency: "city-pd",
        tenant: "evidence-cloud",
        // Whatever a future record might carry, the entry does not copy it.
        prompt: "Who is this man?",
        attempts: [{ upstream: "primary", status: 200, ms: 3 }],
      }),
      reasonOf,
    )!;
    expect(e).toMatchObject({
      decision: "deny",
      customer: "city-pd",
      policies: [{ id: "rule-1", reason: "no face recognition for US police" }],
      evidence: ["facial-identification:who-is@messages[0].content[0]"],
      facts: {
        images: 1,
        camera: { source: "body-worn", mobility: "mobile", environment: "public" },
        capture: "recorded",
        purposes: ["facial-identification"],
      },
    });
    expect(JSON.stringify(e)).not.toContain("Who is this man");
    expect(JSON.stringify(e)).not.toContain("attempts");
  });

  it("skips lines that are not decision records", () => {
    expect(entryOf({ kind: "audit", decisionId: "x" }, reasonOf)).toBeNull();
    expect(entryOf("nope", reasonOf)).toBeNull();
    expect(entryOf(record({ requestTime: "yesterday-ish" }), reasonOf)).toBeNull();
  });
});

describe("DecisionIndex", () => {
  const now = () => T0 + 3_600_000;

  it("lists newest first with every filter, and a decision by id", () => {
    const index = new DecisionIndex({ windowMs: 86_400_000, maxRecords: 100, now });
    const a = entry({ decision: "deny", status: 403, policies: ["rule-1"] });
    const b = entry({ tenant: "newsroom", agency: "newsroom" });
    const c = entry({ decision: "deny", status: 403, policies: ["rule-2"] });
    for (const e of [a, b, c]) index.add(e);
    expect(index.list().map((e) => e.decisionId)).toEqual([c, b, a].map((e) => e.decisionId));
    expect(index.list({ tenant: "newsroom" })).toEqual([b]);
    expect(index.list({ decision: "deny" })).toEqual([c, a]);
    expect(index.list({ policy: "rule-1" })).toEqual([a]);
    expect(index.list({ since: b.at, until: b.at })).toEqual([b]);
    expect(index.list({ limit: 1 })).toEqual([c]);
    expect(index.get(a.decisionId)).toEqual(a);
  });

  it("orders a late record by its request time and ignores a repeated id", () => {
    const index = new DecisionIndex({ windowMs: 86_400_000, maxRecords: 100, now });
    const early = entry();
    const late = entry();
    index.add(late);
    index.add(early);
    index.add(early);
    expect(index.list().map((e) => e.decisionId)).toEqual([late.decisionId, early.decisionId]);
    expect(index.size).toBe(2);
  });

  it("drops decisions older than the window, and the oldest past the cap", () => {
    let clock = T0 + 10_000;
    const index = new DecisionIndex({ windowMs: 5_000, maxRecords: 3, now: () => clock });
    const old = entryOf(record({ requestTime: new Date(T0).toISOString() }), reasonOf)!;
    index.add(old);
    expect(index.size).toBe(0);
    const fresh = [1, 2, 3, 4].map(
      (i) => entryOf(record({ requestTime: new Date(T0 + 8_000 + i).toISOString() }), reasonOf)!,
    );
    for (const e of fresh) index.add(e);
    expect(index.size).toBe(3);
    expect(index.get(fresh[0]!.decisionId)).toBeUndefined();
    clock = T0 + 20_000;
    expect(index.list()).toEqual([]);
    expect(index.get(fresh[3]!.decisionId)).toBeUndefined();
  });

  it("counts denials per bucket per tenant and per policy, never what-if calls", () => {
    const index = new DecisionIndex({ windowMs: 86_400_000, maxRecords: 100, now });
    const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
    index.add(entry({ requestTime: at(1), decision: "deny", policies: ["rule-1"] }));
    index.add(entry({ requestTime: at(2), decision: "deny", policies: ["rule-1", "rule-2"] }));
    index.add(entry({ requestTime: at(61), decision: "shadow-deny", policies: ["rule-2"] }));
    index.add(entry({ requestTime: at(62), decision: "allow" }));
    index.add(entry({ requestTime: at(63), decision: "deny", policies: ["rule-1"], whatIf: true }));
    index.add(
      entry({ requestTime: at(3), decision: "deny", tenant: "newsroom", policies: ["rule-3"] }),
    );
    const range = { bucketMs: 3_600_000, since: T0, until: T0 + 7_199_999 };
    const byTenant = index.denials({ by: "tenant", ...range });
    expect(byTenant.buckets).toEqual([T0, T0 + 3_600_000]);
    expect(byTenant.series).toEqual([
      { key: "metro-pd", total: 3, counts: [2, 1] },
      { key: "newsroom", total: 1, counts: [1, 0] },
    ]);
    const byPolicy = index.denials({ by: "policy", ...range, tenant: "metro-pd" });
    expect(byPolicy.series).toEqual([
      { key: "rule-1", total: 2, counts: [2, 0] },
      { key: "rule-2", total: 2, counts: [1, 1] },
    ]);
  });

  it("sums the series past the eighth as (other)", () => {
    const index = new DecisionIndex({ windowMs: 86_400_000, maxRecords: 100, now });
    for (let i = 0; i < 10; i++) {
      index.add(entry({ tenant: `t${i}`, decision: "deny", policies: ["rule-1"] }));
    }
    const s = index.denials({ by: "tenant", bucketMs: 3_600_000, since: T0, until: now() });
    expect(s.series).toHaveLength(9);
    expect(s.series.at(-1)).toMatchObject({ key: "(other)", total: 2 });
  });

  it("keeps each entry whole while slots are reused and unused labels are dropped", () => {
    const index = new DecisionIndex({ windowMs: 86_400_000, maxRecords: 50, now });
    const added = [];
    // Far more distinct deployments than the label table keeps before it drops unused ones.
    for (let i = 0; i < 10_000; i++) {
      // Mostly UUIDs (kept as bytes), some other ids; the same for Azure's request id.
      const e = entry({
        decisionId: i % 7 === 0 ? `d-${i}` : randomUUID(),
        requestTime: new Date(T0 + i).toISOString(),
        deployment: `deployment-${i}`,
        client: { address: `10.0.${i % 256}.1`, userAgent: `agent-${i}` },
        endUser: i % 2 === 0 ? { id: `user-${i}`, from: "user" } : undefined,
        apimRequestId: i % 5 === 0 ? `apim-${i}` : randomUUID(),
      });
      added.push(e);
      index.add(e);
    }
    expect(index.size).toBe(50);
    expect(index.list({ limit: 1000 })).toEqual(added.slice(-50).reverse());
    for (const e of added.slice(-50)) expect(index.get(e.decisionId)).toEqual(e);
    expect(index.get(added[0]!.decisionId)).toBeUndefined();
    index.add(added.at(-3)!); // a repeated id is still recognised after all the reuse
    expect(index.size).toBe(50);
  });
});
