/** Plain-text tables and the target checks of issue 4. */

export interface TargetCheck {
  target: string;
  value: number;
  limit: number;
  /** `max`: value must be at most the limit; `min`: at least. */
  kind: "max" | "min";
  unit: string;
  aim?: number;
  pass: boolean;
}

export function check(
  target: string,
  value: number,
  kind: "max" | "min",
  limit: number,
  unit: string,
  aim?: number,
): TargetCheck {
  const pass = Number.isFinite(value) && (kind === "max" ? value <= limit : value >= limit);
  return { target, value, limit, kind, unit, ...(aim === undefined ? {} : { aim }), pass };
}

/** Rounds for display: 3 significant digits, no exponent. */
export function fmt(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return "-";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return Math.round(value).toLocaleString("en-US");
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(Math.min(decimals, 4));
}

/** An aligned text table: first column left-aligned, the others right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function targetTable(checks: readonly TargetCheck[]): string {
  return table(
    ["target", "measured", "limit", "aim", "result"],
    checks.map((c) => [
      c.target,
      `${fmt(c.value)} ${c.unit}`.trim(),
      `${c.kind === "max" ? "<=" : ">="} ${fmt(c.limit)} ${c.unit}`.trim(),
      c.aim === undefined ? "" : `${fmt(c.aim)} ${c.unit}`.trim(),
      c.pass ? "PASS" : "MISS",
    ]),
  );
}
