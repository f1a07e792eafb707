/**
 * The purpose classifier (docs/request-reading.md): which of the `PURPOSES` a request asks for,
 * read from every text it carries, in 14 languages and despite obfuscation.
 *
 * Pipeline per text: a cheap gate on the raw text (gate.ts; most texts stop there) → decode
 * base64 segments → build the normalisation ladder (fold, NFKC, zero-width, confusables,
 * spacing, leetspeak) → lexicon hits per rung → proximity rules. Evidence names the rule, the `where` and the normalisations needed, never
 * the text. See docs/classifier.md.
 */
import { type Evidence, PURPOSES, type Purpose, type TextSource } from "../facts.js";
import { decodeBase64Segments } from "./encoded-runs.js";
import { createGate } from "./gate.js";
import { compileLexicons } from "./lexicon.js";
import { LEXICONS } from "./lexicons/index.js";
import { findHits, type Hit } from "./match.js";
import { type Normalisation, variants } from "./normalise.js";
import { applyRules } from "./rules.js";

export interface PurposeResult {
  purposes: Purpose[];
  evidence: Evidence[];
}

const COMPILED = compileLexicons(LEXICONS);
/** The cheap look at the raw text; see gate.ts. */
export const mayMatter = createGate(COMPILED);
/** How deep base64 inside base64 is followed. */
const MAX_BASE64_DEPTH = 2;

interface Found {
  purpose: Purpose;
  rule: string;
  normalised: readonly Normalisation[];
}

function classifyText(raw: string, prefix: readonly Normalisation[], depth: number): Found[] {
  const found: Found[] = [];
  for (const v of variants(raw)) {
    // One list per variant, shared by its matches (never changed: evidence copies it).
    const normalised = prefix.length === 0 ? v.normalised : [...prefix, ...v.normalised];
    const byLang = findHits(COMPILED, v.text);
    const allowed = languagesOf(byLang);
    for (const [lang, all] of byLang) {
      const lex = COMPILED.byLang.get(lang);
      if (lex === undefined || !allowed(lang)) continue;
      // Markers only choose languages; the rules never read them.
      const hits = all.filter((h) => h.concept !== "marker");
      if (hits.length === 0) continue;
      for (const m of applyRules(lex, hits)) {
        found.push({ purpose: m.purpose, rule: m.rule, normalised });
      }
    }
  }
  if (depth < MAX_BASE64_DEPTH) {
    for (const decoded of decodeBase64Segments(raw)) {
      found.push(...classifyText(decoded, [...prefix, "base64"], depth + 1));
    }
  }
  return found;
}

/** Share of the best language's marker count another language needs to be read too. */
const MARKER_SHARE = 0.7;

/**
 * Which languages' rules to run on a text. Latin-script languages share many stems (`identif*`,
 * `person*`), so a lexicon that declares function-word markers only runs when the text's markers
 * are close to the best language's; with no markers at all (a tool name) every lexicon runs.
 * Languages without markers (other scripts) always run: their terms cannot match foreign text.
 */
function languagesOf(byLang: ReadonlyMap<string, readonly Hit[]>): (lang: string) => boolean {
  const scores = new Map<string, number>();
  let best = 0;
  for (const [lang, hits] of byLang) {
    let n = 0;
    for (const h of hits) if (h.concept === "marker") n++;
    scores.set(lang, n);
    best = Math.max(best, n);
  }
  // One marker word ("et" is French and Turkish) says too little to shut a language out.
  if (best <= 1) return () => true;
  return (lang) => {
    if (COMPILED.byLang.get(lang)?.terms.marker === undefined) return true;
    return (scores.get(lang) ?? 0) >= Math.max(1, best * MARKER_SHARE);
  };
}

/** Pure, synchronous, no I/O. */
export function detectPurposes(texts: readonly TextSource[]): PurposeResult {
  const evidence: Evidence[] = [];
  const seen = new Map<string, number>();
  for (const source of texts) {
    if (source.text.length === 0 || !mayMatter(source.text)) continue;
    for (const f of classifyText(source.text, [], 0)) {
      const key = `${f.purpose}|${f.rule}|${source.where}`;
      const at = seen.get(key);
      // Keep, per rule and place, the match that needed the fewest normalisations.
      if (at !== undefined) {
        const prev = evidence[at]!;
        if ((prev.normalised?.length ?? 0) <= f.normalised.length) continue;
        evidence[at] = toEvidence(f, source.where);
        continue;
      }
      seen.set(key, evidence.length);
      evidence.push(toEvidence(f, source.where));
    }
  }
  const present = new Set(evidence.map((e) => e.purpose));
  return { purposes: PURPOSES.filter((p) => present.has(p)), evidence };
}

function toEvidence(f: Found, where: string): Evidence {
  const e: Evidence = { purpose: f.purpose, rule: f.rule, where };
  if (f.normalised.length > 0) e.normalised = [...f.normalised];
  return e;
}

export type { Normalisation } from "./normalise.js";
