import { describe, expect, it } from "vitest";
import {
  AuditChain,
  chainFieldsOf,
  freshChain,
  GENESIS,
  hashLine,
  newChainId,
  stateAfter,
} from "../../../src/pipeline/audit/chain.js";
import { chainLines, record } from "./fixtures.js";

describe("the audit chain", () => {
  it("starts at seq 1 with the genesis prevHash, and links each line to the previous one", () => {
    const { lines } = chainLines(3);
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed[0]).toMatchObject({ seq: 1, prevHash: GENESIS });
    expect(parsed[1]).toMatchObject({ seq: 2, prevHash: hashLine(lines[0]!) });
    expect(parsed[2]).toMatchObject({ seq: 3, prevHash: hashLine(lines[1]!) });
    expect(new Set(parsed.map((p) => p.chain)).size).toBe(1);
  });

  it("keeps the record as it is, with kind and time first and the chain fields last", () => {
    const chain = new AuditChain(freshChain());
    const line = chain.next(record(7), "2026-11-26T04:40:01.123Z");
    expect(line.startsWith('{"kind":"audit","time":"2026-11-26T04:40:01.123Z","decisionId"')).toBe(
      true,
    );
    const parsed = JSON.parse(line);
    expect(Object.keys(parsed).slice(-3)).toEqual(["chain", "seq", "prevHash"]);
    expect(parsed).toMatchObject(record(7));
  });

  it("hashes the exact line: the state's hash is the next prevHash, and the line's own hash is not in it", () => {
    const chain = new AuditChain(freshChain());
    const first = chain.next(record(1), "2026-11-26T04:40:01.123Z");
    const h = hashLine(first);
    expect(chain.state.hash).toBe(h);
    expect(first).not.toContain(h);
    expect(hashLine(Buffer.from(first))).toBe(h);
  });

  it("continues from the last line of a file", () => {
    const { lines, state } = chainLines(5);
    const after = stateAfter(Buffer.from(lines[4]!));
    expect(after).toEqual(state);
    const next = JSON.parse(new AuditChain(after!).next(record(6), "2026-11-26T04:40:01.123Z"));
    expect(next).toMatchObject({ chain: state.chain, seq: 6, prevHash: hashLine(lines[4]!) });
  });

  it("refuses to continue from a line that is not a chained record", () => {
    expect(stateAfter(Buffer.from('{"kind":"audit","time":"x"}'))).toBeNull();
    expect(stateAfter(Buffer.from("{not json"))).toBeNull();
    expect(chainFieldsOf({ chain: "c", seq: 0, prevHash: GENESIS })).toBeNull();
    expect(chainFieldsOf({ chain: "c", seq: 1, prevHash: "abc" })).toBeNull();
    expect(chainFieldsOf({ chain: 'a"b', seq: 1, prevHash: GENESIS })).toBeNull();
  });

  it("names chains by start time, then randomness", () => {
    const id = newChainId(new Date("2026-11-26T04:40:01.123Z"));
    expect(id).toMatch(/^20261126T044001123Z-[0-9a-f]{8}$/);
    expect(newChainId()).not.toBe(newChainId());
  });
});
