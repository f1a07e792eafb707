/**
 * The request read as one conversation (docs/request-reading.md): an ask split across content
 * parts, messages, tool schemas or lines ("Who is" + "this man?", one word per line) is one ask.
 *
 * Each text is classified alone first, which gives the most precise evidence. Then the texts of
 * each conversation are joined in document order, a line break inside a sentence read as a space,
 * and classified again; a purpose found only in the join is located by the shortest run of
 * consecutive texts that still shows it, so its evidence names those texts (`a..b`), never the
 * words.
 */
import { type Evidence, PURPOSES as PURPOSE_ORDER, type TextSource } from "../facts.js";
import { detectPurposes, mayMatter, type PurposeResult } from "./index.js";

/** Runs longer than this are not searched for the shortest one: the evidence says `conversation`. */
const MAX_LOCATED_TEXTS = 48;

/** Purposes of a request's texts, read alone and as the conversations they form. */
export function detectConversationPurposes(texts: readonly TextSource[]): PurposeResult {
  const alone = detectPurposes(texts);
  const evidence = [...alone.evidence];
  const found = new Set(alone.purposes);
  for (const group of conversations(texts)) {
    if (group.length === 1 && !group[0]!.text.includes("\n")) continue;
    const joined = joinConversation(group);
    if (!mayMatter(joined)) continue;
    const together = detectPurposes([{ where: "conversation", text: joined }]);
    for (const purpose of together.purposes) {
      if (found.has(purpose)) continue;
      found.add(purpose);
      const rule = together.evidence.find((e) => e.purpose === purpose)!;
      evidence.push(locate(group, rule));
    }
  }
  const purposes = alone.purposes.length === found.size ? alone.purposes : orderLike(found);
  return { purposes, evidence };
}

/** The request's own texts, then each JSONL line's, as separate conversations. */
export function conversations(texts: readonly TextSource[]): TextSource[][] {
  const groups = new Map<number, TextSource[]>();
  for (const t of texts) {
    const g = t.group ?? 0;
    const list = groups.get(g);
    if (list === undefined) groups.set(g, [t]);
    else list.push(t);
  }
  return [...groups.values()];
}

const SENTENCE_END = /[.!?。！？؟…]["')\]]*\s*$/;

/** Texts in order, a line break inside a sentence (or between texts) read as a space. */
export function joinConversation(texts: readonly TextSource[]): string {
  let out = "";
  for (const t of texts) {
    // Only a line break is rewritten: most texts have none and skip the scan.
    const text = t.text.includes("\n")
      ? t.text.replace(/([^\n.!?。！？؟…])[ \t]*\r?\n[\s]*(?=\S)/g, "$1 ")
      : t.text;
    if (out !== "") out += SENTENCE_END.test(out) ? "\n" : " ";
    out += text;
  }
  return out;
}

/** Evidence for a purpose seen only in the join: the shortest run of texts that shows it. */
function locate(group: readonly TextSource[], found: Evidence): Evidence {
  const evidence: Evidence = { purpose: found.purpose, rule: found.rule, where: "conversation" };
  if (found.normalised !== undefined) evidence.normalised = [...found.normalised];
  if (group.length > MAX_LOCATED_TEXTS) return evidence;
  for (let length = 1; length <= group.length; length++) {
    for (let start = 0; start + length <= group.length; start++) {
      const run = group.slice(start, start + length);
      const r = detectPurposes([{ where: "run", text: joinConversation(run) }]);
      if (!r.purposes.includes(found.purpose)) continue;
      const first = run[0]!.where;
      const last = run[run.length - 1]!.where;
      evidence.where = first === last ? first : `${first}..${last}`;
      return evidence;
    }
  }
  return evidence;
}

function orderLike(found: ReadonlySet<string>): PurposeResult["purposes"] {
  return PURPOSE_ORDER.filter((p) => found.has(p));
}
