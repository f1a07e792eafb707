/**
 * The packed forms the decisions index keeps a row's own strings in: UUIDs as 16 bytes, and a
 * request time as its epoch milliseconds when that spells it exactly.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isIsoOf, packUuid, unpackUuid } from "../../../src/admin/decisions/packed.js";

describe("packUuid", () => {
  it("round-trips canonical lowercase UUIDs", () => {
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 200; i++) {
      const id = randomUUID();
      expect(packUuid(id, bytes, 16)).toBe(true);
      expect(unpackUuid(bytes, 16)).toBe(id);
    }
  });

  it("refuses anything else, which the index then keeps as text", () => {
    const bytes = new Uint8Array(16);
    const id = randomUUID();
    for (const other of [
      id.toUpperCase(),
      `${id}x`,
      id.replaceAll("-", "_"),
      "d-1",
      "",
      `{${id.slice(1, -1)}}`,
    ]) {
      expect(packUuid(other, bytes, 0)).toBe(false);
    }
  });
});

describe("isIsoOf", () => {
  it("is true only for the exact ISO 8601 spelling of the time", () => {
    for (const at of [
      0,
      Date.parse("2026-12-01T10:00:00.007Z"),
      Date.parse("2026-12-01T10:00:00.999Z"),
    ]) {
      expect(isIsoOf(new Date(at).toISOString(), at)).toBe(true);
      expect(isIsoOf(new Date(at).toISOString(), at + 1)).toBe(false);
    }
    const at = Date.parse("2026-12-01T10:00:00.000Z");
    expect(isIsoOf("2026-12-01T10:00:00Z", at)).toBe(false);
    expect(isIsoOf("2026-12-01T10:00:00.000+00:00", at)).toBe(false);
    expect(isIsoOf("2026-12-01T10:00:00.000z", at)).toBe(false);
    // Date.parse accepts an impossible day and moves on to the next month: not the same spelling.
    expect(isIsoOf("2026-02-30T00:00:00.000Z", Date.parse("2026-02-30T00:00:00.000Z"))).toBe(false);
  });
});
