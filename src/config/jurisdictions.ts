/**
 * Jurisdiction codes checked against the real ISO 3166 lists (the `iso-3166` package), so a typo
 * such as `UK` or `US-XX` is a config error instead of a tenant the policies read as another
 * country: rule 4 treats non-US law enforcement more leniently than rule 1 treats US police.
 */
import { iso31661, iso31661Reserved, iso31662 } from "iso-3166";

const COUNTRIES: ReadonlySet<string> = new Set(iso31661.map((c) => c.alpha2));
const SUBDIVISIONS: ReadonlySet<string> = new Set(iso31662.map((s) => s.code));
const RESERVED: ReadonlyMap<string, string> = new Map(
  iso31661Reserved.map((r) => [r.alpha2, r.name]),
);

/** The assigned code reserved codes most often stand for (`UK` for `GB`, `EL` for `GR`). */
const USUAL_CODE: Readonly<Record<string, string>> = { UK: "GB", EL: "GR" };

/**
 * Why `code` is not an assigned ISO 3166-1 alpha-2 country code or ISO 3166-2 subdivision code,
 * or null when it is one. The text names the code and, where it helps, the code meant.
 */
export function jurisdictionProblem(code: string): string | null {
  const [country = "", sub] = code.split("-");
  if (!COUNTRIES.has(country)) {
    const reserved = RESERVED.get(country);
    const usual = USUAL_CODE[country];
    const hint =
      reserved === undefined
        ? ""
        : `: \`${country}\` is reserved for ${reserved}, not assigned${usual ? ` (use \`${usual}\`)` : ""}`;
    return `\`${code}\` is not an ISO 3166-1 alpha-2 country code${hint}`;
  }
  if (sub !== undefined && !SUBDIVISIONS.has(code)) {
    return `\`${code}\` is not an ISO 3166-2 subdivision of \`${country}\``;
  }
  return null;
}
