/**
 * The hash chain that makes the audit trail tamper-evident. Each line carries `chain` (which chain it
 * belongs to), `seq` (1, 2, 3... within that chain) and `prevHash`: the hex SHA-256 of the previous
 * line's exact bytes, without its newline. A line's own hash is stored nowhere: the next line and
 * the verifier compute it. Changing, removing or reordering a line therefore breaks the next link.
 *
 * The line is serialized once: the record's JSON with `kind` and `time` put in front and the chain
 * fields appended, then hashed once. No second serialization, no re-parse.
 */
import { hash, randomBytes } from "node:crypto";
import type { AuditRecord } from "./record.js";

/** `prevHash` of the first record of a chain: nothing came before it. */
export const GENESIS = "0".repeat(64);

/** Where a chain stands: the last record written, and that record's hash. */
export interface ChainState {
  chain: string;
  /** `seq` of the last record written; 0 before the first. */
  seq: number;
  /** Hash of the last line written; GENESIS before the first. */
  hash: string;
}

/** Hex SHA-256 of one line (string or exact bytes), without its trailing newline. */
export function hashLine(line: string | Uint8Array): string {
  return hash("sha256", line, "hex");
}

/**
 * A new chain id: its start time (UTC, to the millisecond) and 32 random bits, e.g.
 * `20261126T044001123Z-3f2a9c1b`. Time first, so ids sort in the order chains started.
 */
export function newChainId(now: Date = new Date()): string {
  return `${compactTime(now)}-${randomBytes(4).toString("hex")}`;
}

/** `2026-11-26T04:40:01.123Z` as `20261126T044001123Z` (safe in file names, sorts by time). */
export function compactTime(d: Date): string {
  return d.toISOString().replace(/[-:.]/g, "");
}

/** The state of a fresh chain, whose first record will be seq 1 with `prevHash` GENESIS. */
export function freshChain(now: Date = new Date()): ChainState {
  return { chain: newChainId(now), seq: 0, hash: GENESIS };
}

/** Chain ids the gateway writes: nothing that needs escaping in JSON or in a message. */
const CHAIN_ID = /^[A-Za-z0-9._-]{1,128}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** The chain fields of a parsed line, or null when it has none (or malformed ones). */
export function chainFieldsOf(
  value: unknown,
): { chain: string; seq: number; prevHash: string } | null {
  if (typeof value !== "object" || value === null) return null;
  const { chain, seq, prevHash } = value as Record<string, unknown>;
  if (typeof chain !== "string" || !CHAIN_ID.test(chain)) return null;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return null;
  if (typeof prevHash !== "string" || !HEX64.test(prevHash)) return null;
  return { chain, seq, prevHash };
}

/**
 * The state after `line` (the last line of an existing file), so a new writer continues its chain;
 * null when the line is not a chained audit record.
 */
export function stateAfter(line: Uint8Array): ChainState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString());
  } catch {
    return null;
  }
  const fields = chainFieldsOf(parsed);
  return fields === null ? null : { chain: fields.chain, seq: fields.seq, hash: hashLine(line) };
}

/**
 * Appends records to a chain: `next` returns the line to write (without newline) and advances the
 * state. Not thread-safe by design: one writer per chain, records in the order they are written.
 */
export class AuditChain {
  #state: ChainState;

  constructor(start: ChainState) {
    if (!CHAIN_ID.test(start.chain)) throw new Error(`invalid chain id \`${start.chain}\``);
    this.#state = { ...start };
  }

  /** The last record written (chain, seq, hash): the anchor to compare a file against. */
  get state(): Readonly<ChainState> {
    return this.#state;
  }

  /** The serialized line of `record`, written at `time`, chained to the previous one. */
  next(record: AuditRecord, time: string): string {
    const s = this.#state;
    const seq = s.seq + 1;
    const body = JSON.stringify(record);
    // `{"a":1}` -> `"a":1,`: the record's fields between the fixed head and the chain fields.
    const fields = body.length > 2 ? `${body.slice(1, -1)},` : "";
    const line =
      `{"kind":"audit","time":"${time}",${fields}` +
      `"chain":"${s.chain}","seq":${seq},"prevHash":"${s.hash}"}`;
    this.#state = { chain: s.chain, seq, hash: hashLine(line) };
    return line;
  }
}
