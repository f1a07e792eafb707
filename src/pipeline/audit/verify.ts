/**
 * Verifies audit files against their hash chain: every line's hash is recomputed from its exact
 * bytes and compared with the next line's `prevHash`, and `seq` must go up by one. Files are read
 * as streams, in the order given (oldest first), as one sequence: a rotated set verifies as one.
 *
 * What it proves and what it cannot is in docs/audit.md: in short, a changed, removed, inserted or
 * reordered record is found and located; a deleted tail or a fully rewritten chain needs an anchor.
 */
import { createReadStream } from "node:fs";
import { chainFieldsOf, GENESIS, hashLine } from "./chain.js";

/** Why verification failed at one place. */
export type ProblemCode =
  | "changed" // a record's hash is not the next record's prevHash
  | "removed" // seq jumps forward
  | "reordered" // seq goes back (or repeats)
  | "malformed" // not JSON, or a blank line
  | "unchained" // JSON without chain fields
  | "chain-switch" // another chain continues without starting at its genesis
  | "anchor"; // the external anchor does not match, or was never reached (tail truncated)

/** A place in the files. */
export interface Location {
  file: string;
  line: number;
}

export interface VerifyProblem extends Location {
  code: ProblemCode;
  /** seq of the record at this line, when it has one. */
  seq: number | null;
  message: string;
  /** The other record involved (for `changed`: the record whose prevHash does not match). */
  related?: Location;
}

/** A record's identity in its chain. */
export interface ChainPoint {
  chain: string;
  seq: number;
  hash: string;
}

/** An external anchor: the hash the gateway logged for one record (`audit anchor` log lines). */
export type Anchor = ChainPoint;

export interface VerifyResult {
  ok: boolean;
  files: string[];
  records: number;
  /** Chains seen (a new chain starts at each gateway start on stdout). */
  chains: number;
  /** The first record; `seq > 1` when the files start mid-chain (earlier files not given). */
  first: ChainPoint | null;
  /** The last record: compare with the latest anchor in the operational log. */
  last: ChainPoint | null;
  problems: VerifyProblem[];
  /** Problems found beyond the reported ones. */
  moreProblems: number;
}

/** Problems reported before the rest are only counted. */
const MAX_PROBLEMS = 100;

interface Previous extends ChainPoint, Location {}

/** Checks lines one at a time; `result()` once all are given. */
export class ChainVerifier {
  readonly #anchor: Anchor | null;
  readonly #files: string[] = [];
  readonly #problems: VerifyProblem[] = [];
  #more = 0;
  #records = 0;
  #chains = 0;
  #first: ChainPoint | null = null;
  #prev: Previous | null = null;
  /** Unreadable lines since #prev (already reported). */
  #skipped = 0;
  #anchorSeen = false;

  constructor(anchor: Anchor | null = null) {
    this.#anchor = anchor;
  }

  #problem(p: VerifyProblem): void {
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(p);
    else this.#more += 1;
  }

  /** Starts a new file: links across files are checked like links within one. */
  file(name: string): void {
    this.#files.push(name);
  }

  /** One line's exact bytes, without its newline. */
  line(bytes: Uint8Array, file: string, line: number): void {
    const at = { file, line };
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    if (text.trim() === "") {
      this.#problem({ ...at, code: "malformed", seq: null, message: "blank line" });
      this.#skipped += 1;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.#problem({
        ...at,
        code: "malformed",
        seq: null,
        message: "line is not JSON (edited, or a write cut short by a crash)",
      });
      this.#skipped += 1;
      return;
    }
    const fields = chainFieldsOf(parsed);
    if (fields === null) {
      this.#problem({
        ...at,
        code: "unchained",
        seq: null,
        message: "record has no valid `chain`, `seq` and `prevHash`",
      });
      this.#skipped += 1;
      return;
    }
    const { chain, seq } = fields;
    this.#records += 1;
    this.#link(fields, at);
    const point = { chain, seq, hash: hashLine(bytes) };
    this.#first ??= point;
    this.#prev = { ...point, ...at };
    this.#skipped = 0;
    const a = this.#anchor;
    if (a !== null && a.chain === chain && a.seq === seq) {
      this.#anchorSeen = true;
      const hash = point.hash;
      if (a.hash !== hash) {
        this.#problem({
          ...at,
          code: "anchor",
          seq,
          message: `record ${seq} hashes to ${hash}, the anchor says ${a.hash}: the record or the chain up to it was rewritten`,
        });
      }
    }
  }

  #link(r: { chain: string; seq: number; prevHash: string }, at: Location): void {
    const prev = this.#prev;
    const skipped = this.#skipped;
    const genesis = r.prevHash === GENESIS && r.seq === 1;
    if (prev === null) {
      // The first record given: a genesis, or the continuation of files not given.
      this.#chains += 1;
      return;
    }
    const boundary = prev.file !== at.file ? " (at a file boundary: files oldest first?)" : "";
    if (r.chain !== prev.chain) {
      if (genesis) {
        this.#chains += 1;
        return;
      }
      this.#chains += 1;
      this.#problem({
        ...at,
        code: "chain-switch",
        seq: r.seq,
        message: `chain \`${prev.chain}\` is followed by record ${r.seq} of chain \`${r.chain}\`, not by that chain's first record: records removed${boundary}`,
      });
      return;
    }
    // Unreadable lines in place of the missing seqs were those records, changed: already reported.
    if (skipped > 0 && r.seq === prev.seq + 1 + skipped) return;
    if (r.seq === prev.seq + 1) {
      // (Unreadable lines before it were inserted, e.g. a write cut short by a crash: reported.)
      if (r.prevHash === prev.hash) return;
      this.#problem({
        file: prev.file,
        line: prev.line,
        code: "changed",
        seq: prev.seq,
        message: `record ${prev.seq} was changed or record ${r.seq}'s prevHash (${at.file}:${at.line}) does not match${boundary}`,
        related: at,
      });
      return;
    }
    if (r.seq > prev.seq + 1) {
      const n = r.seq - prev.seq - 1;
      this.#problem({
        ...at,
        code: "removed",
        seq: r.seq,
        message: `seq jumps from ${prev.seq} to ${r.seq}: ${n === 1 ? "a record was" : `${n} records were`} removed (or moved)${boundary}`,
      });
      return;
    }
    this.#problem({
      ...at,
      code: "reordered",
      seq: r.seq,
      message: `seq goes back from ${prev.seq} to ${r.seq}: records reordered or repeated${boundary}`,
    });
  }

  result(): VerifyResult {
    const last = this.#prev;
    const a = this.#anchor;
    if (a !== null && !this.#anchorSeen) {
      const end = last === null ? "no record" : `record ${last.seq} of chain \`${last.chain}\``;
      this.#problem({
        file: last?.file ?? this.#files.at(-1) ?? "",
        line: last?.line ?? 0,
        code: "anchor",
        seq: last?.seq ?? null,
        message: `anchor record ${a.seq} of chain \`${a.chain}\` is not in the files, which end at ${end}: the tail was removed (or a later file was not given)`,
      });
    }
    return {
      ok: this.#problems.length === 0,
      files: [...this.#files],
      records: this.#records,
      chains: this.#chains,
      first: this.#first,
      last: last === null ? null : { chain: last.chain, seq: last.seq, hash: last.hash },
      problems: [...this.#problems],
      moreProblems: this.#more,
    };
  }
}

/** Feeds one file to `v`, line by line, without holding it in memory. */
async function feedFile(v: ChainVerifier, path: string): Promise<void> {
  v.file(path);
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    let buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      lineNo += 1;
      v.line(buf.subarray(start, nl), path, lineNo);
      start = nl + 1;
    }
    buf = buf.subarray(start);
    carry = Buffer.from(buf); // detach from the chunk so it can be collected
  }
  // An unterminated last line: verified like the others (a cut-short write shows as malformed).
  if (carry.length > 0) v.line(carry, path, lineNo + 1);
}

/** Verifies `files` (oldest first) as one sequence of records. */
export async function verifyAuditFiles(
  files: readonly string[],
  anchor: Anchor | null = null,
): Promise<VerifyResult> {
  const v = new ChainVerifier(anchor);
  for (const f of files) await feedFile(v, f);
  return v.result();
}

/** Parses `CHAIN:SEQ:HASH` (as printed by `audit verify` and logged as `audit anchor`). */
export function parseAnchor(text: string): Anchor | null {
  const m = /^([A-Za-z0-9._-]{1,128}):([1-9][0-9]{0,15}):([0-9a-f]{64})$/.exec(text.trim());
  if (m === null) return null;
  return { chain: m[1]!, seq: Number(m[2]), hash: m[3]! };
}
