/**
 * Cedar reports source locations as UTF-8 byte offsets (its parser works on `&str`); editors want
 * 1-based line and column in characters. A reason quoting Microsoft's curly quotes is enough to
 * make the two differ, so convert through the bytes.
 */
export class SourceText {
  private readonly bytes: Buffer;
  /** Byte offset of the start of each line. */
  private readonly lineStarts: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    this.bytes = Buffer.from(text, "utf8");
    this.lineStarts = [0];
    for (let i = 0; i < this.bytes.length; i++) {
      if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
    }
  }

  /** `path:line:col` for a byte offset (clamped to the text). */
  at(byteOffset: number): string {
    const off = Math.max(0, Math.min(byteOffset, this.bytes.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= off) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.lineStarts[lo] ?? 0;
    const col = this.bytes.subarray(lineStart, off).toString("utf8").length + 1;
    return `${this.path}:${lo + 1}:${col}`;
  }

  /** Byte offset of a character index. */
  byteOffsetOf(charIndex: number): number {
    return Buffer.byteLength(this.text.slice(0, charIndex), "utf8");
  }
}
